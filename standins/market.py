"""A synthetic crypto market for the asset stand-ins in the demo: a few hundred assets whose ranks
(by volume) and USD prices drift.

Contract: `ranking()` gives (symbol, name) pairs ordered by volume, `listings()` gives (symbol, name,
price) triples ordered by market cap, both from the same state. The state drifts once per
ingestion run: on the first call after `quiet_seconds` without any call (an ingestion fetches all
its pages within a moment), so the pages of one run are consistent and snapshots differ between
runs. Symbols are unique; BTC is one of them and, given a `BtcWalk`, is priced from it.
"""

from __future__ import annotations

import random
import string
import threading
import time
from decimal import Decimal

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "ba", "do", "fi", "gu", "xo", "ly", "pe"]


class SyntheticMarket:
    def __init__(self, size: int = 400, seed: int | None = None, walk=None, quiet_seconds: float = 5.0):
        self.rng = random.Random(seed)
        self.walk = walk
        self.quiet_seconds = quiet_seconds
        self.lock = threading.Lock()
        self.last_call = float("-inf")
        self.assets = [self._asset("BTC", "Bitcoin", Decimal("67012.34"), 19_800_000)]
        symbols = {"BTC"}
        while len(self.assets) < size:
            symbol = "".join(self.rng.choice(string.ascii_uppercase) for _ in range(self.rng.choice((3, 4))))
            if symbol in symbols:
                continue
            symbols.add(symbol)
            name = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 3))).capitalize()
            price = Decimal(str(round(10 ** self.rng.uniform(-4, 4), 6)))
            supply = int(Decimal(10 ** self.rng.uniform(5, 11.5)) / price) + 1  # market caps below BTC's
            self.assets.append(self._asset(symbol, f"{name} Coin", price, supply))

    def _asset(self, symbol: str, name: str, price: Decimal, supply: int) -> dict:
        # Volume loosely follows market cap, so the big coins (BTC) rank near the top.
        volume = float(price * supply) * self.rng.uniform(0.2, 5)
        return {"symbol": symbol, "name": name, "price": price, "supply": supply, "volume": volume}

    def _touch(self) -> None:
        """Drift once per burst of calls (one ingestion run); caller holds the lock."""
        now = time.monotonic()
        if now - self.last_call > self.quiet_seconds and self.last_call != float("-inf"):
            for asset in self.assets:
                asset["volume"] *= 1 + self.rng.gauss(0, 0.2)
                step = Decimal(str(round(1 + self.rng.gauss(0, 0.03), 6)))
                asset["price"] = max(Decimal("0.000001"), asset["price"] * step)
        self.last_call = now
        if self.walk is not None:
            self.assets[0]["price"] = self.walk.usd_now()

    def ranking(self) -> list[tuple[str, str]]:
        with self.lock:
            self._touch()
            ordered = sorted(self.assets, key=lambda a: a["volume"], reverse=True)
            return [(a["symbol"], a["name"]) for a in ordered]

    def listings(self) -> list[tuple[str, str, Decimal]]:
        with self.lock:
            self._touch()
            ordered = sorted(self.assets, key=lambda a: a["price"] * a["supply"], reverse=True)
            return [(a["symbol"], a["name"], a["price"].quantize(Decimal("0.000001"))) for a in ordered]
