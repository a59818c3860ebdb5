"""Stand-ins for CryptoCompare (ranking) and CoinMarketCap (USD prices), speaking their formats
(see shared/external-apis.md), with paged fixtures.

Per-page controls, since pages are fetched in parallel: `faults[page]` is a list of replies served
(one per request) before the normal answer (a 500 then success; CryptoCompare's `"Response":
"Error"`; CoinMarketCap's 401/1001 ...); `gates[page]` is a `threading.Event` the request waits on
(a page held open until the test releases it); `delay` adds latency to every page (benchmarks).
Prices are written into the JSON text as exact decimal literals. Given a `SyntheticMarket` (the
demo), the ranking and listings come from it and drift between runs.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal

from standins.server import Reply, StandinServer

_NUM = "\x00num:"


def _dumps(body) -> str:
    """JSON with Decimal values written as number literals (never through float)."""

    def default(value):
        if isinstance(value, Decimal):
            return f"{_NUM}{value}\x00"
        raise TypeError(type(value))

    text = json.dumps(body, default=default)
    # '"\u0000num:1.5\u0000"' -> 1.5
    return text.replace('"\\u0000num:', "").replace('\\u0000"', "")


class _PagedStandin(StandinServer):
    page_param = "page"

    def __init__(self, port: int = 0):
        super().__init__(port)
        self.faults: dict[int, list[Reply]] = {}
        self.gates: dict[int, threading.Event] = {}
        self.delay = 0.0

    def page_of(self, req) -> int:
        raise NotImplementedError

    def fail_page(self, page: int, *replies: Reply) -> None:
        with self.lock:
            self.faults.setdefault(page, []).extend(replies)

    def hold_page(self, page: int) -> threading.Event:
        gate = self.gates[page] = threading.Event()
        return gate

    def requests_for(self, page: int) -> int:
        return sum(1 for r in self.requests if self.page_of(r) == page)

    def handle(self, req) -> Reply:
        page = self.page_of(req)
        with self.lock:
            queued = self.faults.get(page)
            fault = queued.pop(0) if queued else None
        if fault is not None:
            return fault
        gate = self.gates.get(page)
        if gate is not None:
            gate.wait(30)
        return Reply(200, _dumps(self.page_body(req)), delay=self.delay)

    def page_body(self, req) -> dict:
        raise NotImplementedError


class CryptoCompareStandin(_PagedStandin):
    """`GET /data/top/totaltoptiervolfull?limit=&page=&tsym=USD`; `coins` is the ranking, as
    (symbol, full name) pairs or raw `Data` entries (dicts, for malformed-item tests)."""

    def __init__(self, coins: list, market=None, port: int = 0):
        super().__init__(port)
        self.coins = coins
        self.market = market

    def page_of(self, req) -> int:
        return int(req.query.get("page", 0))

    def page_body(self, req) -> dict:
        if req.path != "/data/top/totaltoptiervolfull":
            return {"Response": "Error", "Message": "path does not exist", "Type": 1, "Data": {}}
        limit, page = int(req.query.get("limit", 100)), self.page_of(req)
        coins = self.market.ranking() if self.market is not None else self.coins
        data = []
        for n, coin in enumerate(coins[page * limit : (page + 1) * limit]):
            if isinstance(coin, dict):
                data.append(coin)
                continue
            symbol, name = coin
            info = {"Id": str(1000 + page * limit + n), "Name": symbol, "FullName": name, "Internal": symbol}
            data.append({"CoinInfo": info, "RAW": {"USD": {"PRICE": Decimal("1.5")}}})
        return {
            "Message": "Success",
            "Type": 100,
            "MetaData": {"Count": len(coins)},
            "SponsoredData": [],
            "Data": data,
            "RateLimit": {},
            "HasWarning": False,
        }


def cc_error(message: str = "You are over your rate limit please upgrade your account!") -> Reply:
    """CryptoCompare's error: still HTTP 200."""
    return Reply(200, {"Response": "Error", "Message": message, "HasWarning": False, "Type": 99, "Data": {}})


class CoinMarketCapStandin(_PagedStandin):
    """`GET /v1/cryptocurrency/listings/latest?start=&limit=&convert=USD`; `listings` ordered by
    cmc_rank, as (symbol, name, price) triples (price a Decimal or None) or raw dict entries."""

    def __init__(self, listings: list, page_size: int, market=None, port: int = 0):
        super().__init__(port)
        self.listings = listings
        self.market = market
        self.page_size = page_size  # to turn `start` into a page number for the per-page controls

    def page_of(self, req) -> int:
        return (int(req.query.get("start", 1)) - 1) // self.page_size

    def page_body(self, req) -> dict:
        start, limit = int(req.query.get("start", 1)), int(req.query.get("limit", 100))
        listed = self.market.listings() if self.market is not None else self.listings
        data = []
        for n, entry in enumerate(listed[start - 1 : start - 1 + limit]):
            if isinstance(entry, dict):
                data.append(entry)
                continue
            symbol, name, price = entry
            rank = start + n
            stamp = "2026-11-21T09:59:00.000Z"
            data.append(
                {
                    "id": rank,
                    "name": name,
                    "symbol": symbol,
                    "slug": name.lower().replace(" ", "-"),
                    "cmc_rank": rank,
                    "last_updated": stamp,
                    "quote": {"USD": {"price": price, "volume_24h": Decimal("1.2e10"), "last_updated": stamp}},
                }
            )
        return {"status": _status(0, None, len(listed)), "data": data}


def _status(code: int, message: str | None, total: int = 0) -> dict:
    return {
        "timestamp": "2026-11-21T10:00:00.000Z",
        "error_code": code,
        "error_message": message,
        "elapsed": 10,
        "credit_count": 1,
        "total_count": total,
    }


def cmc_error(http_status: int = 401, code: int = 1001, message: str = "This API Key is invalid.") -> Reply:
    return Reply(http_status, {"status": _status(code, message)})


def coins(n: int) -> list[tuple[str, str]]:
    """A ranking of `n` coins: ("C0001", "Coin 1"), ..."""
    return [(f"C{i:04d}", f"Coin {i}") for i in range(1, n + 1)]


def listings(n: int) -> list[tuple[str, str, Decimal]]:
    """`n` priced listings whose symbols match `coins(n)` but in reverse order (market cap is not
    volume): price of C0001 is 1.0001, of Cnnnn n.nnnn."""
    return [(f"C{i:04d}", f"Coin {i}", Decimal(f"{i}.{i:04d}")) for i in range(n, 0, -1)]
