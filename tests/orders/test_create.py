"""POST /api/v1/orders: exact pricing rounded up to a satoshi, currency case, validation, 503 on a
missing or stale price, reads by id."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from tests.support import override_settings
from webapp.orders.models import Order
from webapp.orders.services import btc_for
from webapp.prices.services import store_quote


def ceil_sat(amount: str, rate: str) -> str:
    """The oracle: ceil(amount / rate * 1e8) satoshis with exact rational arithmetic."""
    sat = math.ceil(Fraction(amount) * 100_000_000 / Fraction(rate))
    return f"{sat // 100_000_000}.{sat % 100_000_000:08d}"


def set_rate(rate: str, currency: str = "EUR"):
    rates = {"EUR": Decimal("61234.12"), "GBP": Decimal("52100.50"), "USD": Decimal("67012.34")}
    rates[currency] = Decimal(rate)
    store_quote("coingecko", rates)


def post(client, headers, body):
    return client.post("/api/v1/orders", json=body, headers=headers)


@pytest.mark.parametrize(
    "amount, rate, expected",
    [
        ("100.00", "50000", "0.00200000"),  # exact division
        ("69.00", "61234.12", "0.00112683"),  # 0.0011268209... rounds UP
        ("0.01", "61234.12", "0.00000017"),  # the smallest amount, 16.33 satoshis -> 17
        ("0.01", "1000000", "0.00000001"),  # 1e-8 exactly
        ("0.03", "1000000", "0.00000003"),
        ("0.01", "999999.99", "0.00000002"),  # a hair above one satoshi
        ("999999999.99", "1000000000", "1.00000000"),  # largest amount, just below one BTC
        ("999999999.99", "61234.12", None),
        ("1234.56", "3", None),
        ("10.00", "0.000001", "10000000.00000000"),
        ("33.33", "33.3300000000000000000000000001", "1.00000000"),  # a hair below one BTC
        ("0.01", "999999.9999999999999999999999999999", "0.00000002"),  # 1e-8 plus 1e-42
        ("0.01", "1E+9", "0.00000001"),  # 1e-11 of a BTC still costs one satoshi
        ("999999999.99", "1E-48", None),  # an absurd rate needs more than 60 digits: still exact
    ],
)
def test_btc_amount_is_the_exact_ceiling(amount, rate, expected):
    oracle = ceil_sat(amount, rate)
    assert expected is None or oracle == expected
    assert format(btc_for(Decimal(amount), Decimal(rate)), "f") == oracle


def test_created_order_shape(client, write_headers, app, monkeypatch):
    override_settings(app, monkeypatch, BTC_ORDER_CAP="1000000000")
    set_rate("61234.12")
    response = post(client, write_headers, {"currency": "EUR", "amount": 69})
    assert response.status_code == 201
    body = response.json
    assert body["amount"] == "69.00" and body["currency"] == "EUR"
    assert body["exchange_rate"] == "61234.12" and body["btc_amount"] == "0.00112683"
    assert body["rate_source"] == "coingecko"
    assert set(body) == {
        "id",
        "amount",
        "currency",
        "exchange_rate",
        "btc_amount",
        "rate_source",
        "rate_fetched_at",
        "created_at",
    }
    assert client.get(f"/api/v1/orders/{body['id']}", headers=write_headers).json == body
    stored = Order._get_collection().find_one()
    assert stored["btc_sat"] == 112683 and str(stored["amount"]) == "69.00"


def test_largest_amount(client, write_headers, app, monkeypatch):
    override_settings(app, monkeypatch, BTC_ORDER_CAP="1000000000")
    set_rate("61234.12", "USD")
    body = post(client, write_headers, {"currency": "USD", "amount": "999999999.99"}).json
    assert body["amount"] == "999999999.99"
    assert body["btc_amount"] == ceil_sat("999999999.99", "61234.12")


@pytest.mark.parametrize("currency", ["eur", "Eur", "EUR", "gBp", "usd"])
def test_currency_any_case(client, write_headers, currency):
    set_rate("50000")
    response = post(client, write_headers, {"currency": currency, "amount": "10.5"})
    assert response.status_code == 201
    assert response.json["currency"] == currency.upper() and response.json["amount"] == "10.50"


BAD_BODIES = [
    {"currency": "EUR", "amount": 0},
    {"currency": "EUR", "amount": "0.00"},
    {"currency": "EUR", "amount": -1},
    {"currency": "EUR", "amount": "1000000000"},
    {"currency": "EUR", "amount": 1000000000},
    {"currency": "EUR", "amount": "1e9"},
    {"currency": "EUR", "amount": "1.001"},
    {"currency": "EUR", "amount": "NaN"},
    {"currency": "EUR", "amount": "Infinity"},
    {"currency": "EUR", "amount": "-Infinity"},
    {"currency": "EUR", "amount": ""},
    {"currency": "EUR", "amount": " 5"},
    {"currency": "EUR", "amount": {"$gt": ""}},
    {"currency": "EUR", "amount": [5]},
    {"currency": "EUR", "amount": True},
    {"currency": "EUR", "amount": None},
    {"currency": "EUR"},
    {"amount": "5"},
    {"currency": "BTC", "amount": "5"},
    {"currency": "", "amount": "5"},
    {"currency": {"$gt": ""}, "amount": "5"},
    {"currency": ["EUR"], "amount": "5"},
    {"currency": 1, "amount": "5"},
    {"currency": "EUR", "amount": "5", "price": "1"},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_invalid_bodies_are_422(client, write_headers, body):
    set_rate("50000")
    response = post(client, write_headers, body)
    assert response.status_code == 422, response.json
    assert response.json["code"] == 422 and response.json["errors"]["json"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"currency": "EUR", "amount": NaN}',
        b'{"currency": "EUR", "amount": 1.005}',
        b'{"currency": "EUR", "amount": Infinity}',
        b"[1]",
        b"{",
        b'"EUR"',
    ],
)
def test_invalid_raw_json_is_4xx(client, write_headers, raw):
    set_rate("50000")
    response = client.post("/api/v1/orders", data=raw, headers={**write_headers, "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert Order.objects.count() == 0


def test_missing_price_is_503(client, write_headers):
    response = post(client, write_headers, {"currency": "EUR", "amount": "5"})
    assert response.status_code == 503 and Order.objects.count() == 0


def test_stale_price_is_503(client, write_headers, app, monkeypatch):
    override_settings(app, monkeypatch, BTC_PRICE_MAX_AGE_SECONDS=60)
    rates = {"EUR": Decimal("1"), "GBP": Decimal("1"), "USD": Decimal("1")}
    store_quote("coingecko", rates, fetched_at=datetime.now(UTC) - timedelta(seconds=61))
    response = post(client, write_headers, {"currency": "EUR", "amount": "5"})
    assert response.status_code == 503 and "older than 60" in response.json["message"]
    assert Order.objects.count() == 0


def test_read_key_cannot_order(client, read_headers):
    set_rate("50000")
    assert post(client, read_headers, {"currency": "EUR", "amount": "5"}).status_code == 403


@pytest.mark.parametrize("order_id", ["nope", "123", "0" * 24, "summaryx", "6b025ba834934fe56c3f150"])
def test_unknown_or_malformed_id_is_404(client, read_headers, order_id):
    assert client.get(f"/api/v1/orders/{order_id}", headers=read_headers).status_code == 404
