"""Order creation is limited per API key by RATE_LIMIT_ORDERS, read at request time."""

from decimal import Decimal

from limits import parse

from tests.support import make_key, override_settings
from webapp.prices.services import store_quote


def test_order_creation_limit_per_key(client, app, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="3 per minute")
    store_quote("coinbase", {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")})
    first, second = make_key("write", "a"), make_key("write", "b")

    def post(key):
        return client.post("/api/v1/orders", json={"currency": "EUR", "amount": "1"}, headers={"X-API-Key": key})

    assert [post(first).status_code for _ in range(3)] == [201, 201, 201]
    limited = post(first)
    assert limited.status_code == 429
    assert limited.json["code"] == 429 and "3 per 1 minute" in limited.json["message"]
    assert "Retry-After" in limited.headers
    assert post(second).status_code == 201  # another key has its own budget
    # Reads are not counted against the order limit.
    assert client.get("/api/v1/orders", headers={"X-API-Key": first}).status_code == 200


def test_default_limit_still_applies_to_orders(client, app, monkeypatch, write_headers):
    """RATE_LIMIT_ORDERS is added to, not substituted for, RATE_LIMIT_DEFAULT."""
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="7 per minute")
    default = parse(app.config["RATE_LIMIT_DEFAULT"]).amount
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="100000 per minute")
    store_quote("coinbase", {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")})
    body = {"currency": "EUR", "amount": "1"}
    codes = [client.post("/api/v1/orders", json=body, headers=write_headers).status_code for _ in range(default + 1)]
    assert codes.count(201) == default and codes[-1] == 429
