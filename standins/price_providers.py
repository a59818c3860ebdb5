"""Stand-ins for the BTC price providers, speaking their real formats (shared/external-apis.md).

Each serves a configurable quote (`rates`, strings) and can be scripted with `Reply`s for failures:
`failure("500")`, `failure("timeout", delay=...)`, `failure("garbage")`, `failure("429")`.
Given a `BtcWalk` instead (the demo), each answer is the walk's next step, so the price moves and
EUR, GBP and USD stay consistent with each other (one BTC/USD price and two exchange rates).
"""

from __future__ import annotations

import random
import threading
from decimal import Decimal

from standins.server import Reply, Request, StandinServer

DEFAULT_RATES = {"EUR": "61234.12", "GBP": "52100.50", "USD": "67012.34"}
_CENT = Decimal("0.01")


class BtcWalk:
    """A plausible BTC price: a multiplicative random walk of BTC/USD (about 0.1 % per step) and of
    the EUR/USD and GBP/USD exchange rates (about 0.01 % per step). Thread-safe; `rates()` steps
    once and returns {"EUR", "GBP", "USD"} as 2-decimal strings derived from the same state."""

    def __init__(self, usd: str = "67012.34", seed: int | None = None):
        self.rng = random.Random(seed)
        self.usd = Decimal(usd)
        self.eur_per_usd = Decimal("0.9137")
        self.gbp_per_usd = Decimal("0.7775")
        self.lock = threading.Lock()

    def _factor(self, sigma: float) -> Decimal:
        return Decimal(str(round(1 + self.rng.gauss(0, sigma), 6)))

    def rates(self) -> dict:
        with self.lock:
            self.usd = max(Decimal("1000"), self.usd * self._factor(0.001))
            self.eur_per_usd *= self._factor(0.0001)
            self.gbp_per_usd *= self._factor(0.0001)
            usd = self.usd
            return {
                "EUR": str((usd * self.eur_per_usd).quantize(_CENT)),
                "GBP": str((usd * self.gbp_per_usd).quantize(_CENT)),
                "USD": str(usd.quantize(_CENT)),
            }

    def usd_now(self) -> Decimal:
        with self.lock:
            return self.usd.quantize(_CENT)


class _PriceStandin(StandinServer):
    """A price provider serving fixed `rates`, or the moving ones of a shared `walk`."""

    def __init__(self, rates: dict | None = None, walk: BtcWalk | None = None, port: int = 0):
        super().__init__(port)
        self.rates = dict(rates or DEFAULT_RATES)
        self.walk = walk

    def current(self) -> dict:
        return self.walk.rates() if self.walk is not None else self.rates


class CoinGeckoStandin(_PriceStandin):
    """`GET /api/v3/simple/price?ids=bitcoin&vs_currencies=eur,gbp,usd` with JSON numbers."""

    def handle(self, req: Request) -> Reply:
        if req.path != "/api/v3/simple/price" or req.query.get("ids") != "bitcoin":
            return Reply(404, {"error": "Not found"})
        wanted = req.query.get("vs_currencies", "").split(",")
        # Numbers written as JSON numbers, digit for digit (the real API sends numbers, not strings).
        rates = self.current()
        fields = [f'"{c}": {Decimal(rates[c.upper()])}' for c in wanted if c.upper() in rates]
        fields.append('"last_updated_at": 1795262400')
        return Reply(200, '{"bitcoin": {' + ", ".join(fields) + "}}")

    def failure(self, kind: str, delay: float = 0.0) -> Reply:
        too_many = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}
        return _failure(kind, delay, too_many)


class CoinbaseStandin(_PriceStandin):
    """`GET /v2/exchange-rates?currency=BTC` with string rates among many currencies."""

    def handle(self, req: Request) -> Reply:
        if req.path != "/v2/exchange-rates" or req.query.get("currency") != "BTC":
            return Reply(404, {"errors": [{"id": "not_found", "message": "Not found"}]})
        rates = {"AED": "246000.10", "JPY": "10234567.8", **self.current()}
        return Reply(200, {"data": {"currency": "BTC", "rates": rates}})

    def failure(self, kind: str, delay: float = 0.0) -> Reply:
        return _failure(kind, delay, {"errors": [{"id": "rate_limit_exceeded", "message": "Too many requests"}]})


def _failure(kind: str, delay: float, too_many: dict) -> Reply:
    if kind == "500":
        return Reply(500, {"error": "internal error"})
    if kind == "429":
        return Reply(429, too_many)
    if kind == "garbage":
        return Reply(200, "<html>maintenance</html>", headers={"Content-Type": "text/html"})
    if kind == "timeout":
        return Reply(200, {"bitcoin": {}}, delay=delay)
    raise ValueError(f"unknown failure kind {kind!r}")
