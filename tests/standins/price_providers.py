"""Stand-ins for the BTC price providers, speaking their real formats (shared/external-apis.md).

Each serves a configurable quote (`rates`, strings) and can be scripted with `Reply`s for failures:
`failure("500")`, `failure("timeout", delay=...)`, `failure("garbage")`, `failure("429")`.
"""

from __future__ import annotations

from decimal import Decimal

from tests.standins.server import Reply, Request, StandinServer

DEFAULT_RATES = {"EUR": "61234.12", "GBP": "52100.50", "USD": "67012.34"}


class CoinGeckoStandin(StandinServer):
    """`GET /api/v3/simple/price?ids=bitcoin&vs_currencies=eur,gbp,usd` with JSON numbers."""

    def __init__(self, rates: dict | None = None):
        super().__init__()
        self.rates = dict(rates or DEFAULT_RATES)

    def handle(self, req: Request) -> Reply:
        if req.path != "/api/v3/simple/price" or req.query.get("ids") != "bitcoin":
            return Reply(404, {"error": "Not found"})
        wanted = req.query.get("vs_currencies", "").split(",")
        # Numbers written as JSON numbers, digit for digit (the real API sends numbers, not strings).
        fields = [f'"{c}": {Decimal(self.rates[c.upper()])}' for c in wanted if c.upper() in self.rates]
        fields.append('"last_updated_at": 1795262400')
        return Reply(200, '{"bitcoin": {' + ", ".join(fields) + "}}")

    def failure(self, kind: str, delay: float = 0.0) -> Reply:
        too_many = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}
        return _failure(kind, delay, too_many)


class CoinbaseStandin(StandinServer):
    """`GET /v2/exchange-rates?currency=BTC` with string rates among many currencies."""

    def __init__(self, rates: dict | None = None):
        super().__init__()
        self.rates = dict(rates or DEFAULT_RATES)

    def handle(self, req: Request) -> Reply:
        if req.path != "/v2/exchange-rates" or req.query.get("currency") != "BTC":
            return Reply(404, {"errors": [{"id": "not_found", "message": "Not found"}]})
        rates = {"AED": "246000.10", "JPY": "10234567.8", **self.rates}
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
