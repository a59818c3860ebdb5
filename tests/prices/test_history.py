"""`GET /api/v1/prices/btc/history`: OHLC points per interval from the stored quotes, exact, with
its defaults and its 2,000-point bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from webapp.prices.services import store_quote

BASE = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def quote(at: datetime, eur: str, usd: str = "67000.00") -> None:
    store_quote("coingecko", {"EUR": Decimal(eur), "GBP": Decimal("52000.00"), "USD": Decimal(usd)}, at)


def history(client, headers, **params):
    return client.get("/api/v1/prices/btc/history", query_string=params, headers=headers)


def test_ohlc_per_interval_exact_and_oldest_first(client, read_headers):
    for offset, eur in ((0, "61000.10"), (15, "61500.55"), (30, "60900.01"), (45, "61200.99"), (75, "62000.00")):
        quote(BASE + timedelta(seconds=offset), eur)
    quote(BASE + timedelta(hours=2), "63000.00")  # outside the range asked for
    response = history(
        client,
        read_headers,
        currency="eur",
        interval="1m",
        **{"from": "2026-11-20T10:00:00Z", "to": "2026-11-20T11:00:00"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["currency"] == "EUR" and body["interval"] == "1m"
    assert body["from"].startswith("2026-11-20T10:00:00") and body["to"].startswith("2026-11-20T11:00:00")
    assert body["points"] == [
        {
            "at": "2026-11-20T10:00:00+00:00",
            "open": "61000.10",
            "high": "61500.55",
            "low": "60900.01",
            "close": "61200.99",
        },
        {
            "at": "2026-11-20T10:01:00+00:00",
            "open": "62000.00",
            "high": "62000.00",
            "low": "62000.00",
            "close": "62000.00",
        },
    ]


def test_hourly_buckets_start_on_the_hour(client, read_headers):
    quote(BASE + timedelta(minutes=59), "61000.00")
    quote(BASE + timedelta(minutes=61), "61100.00")
    body = history(
        client,
        read_headers,
        currency="USD",
        interval="1h",
        **{"from": "2026-11-20T09:30:00Z", "to": "2026-11-20T12:00:00Z"},
    ).get_json()
    assert [p["at"] for p in body["points"]] == ["2026-11-20T10:00:00+00:00", "2026-11-20T11:00:00+00:00"]
    assert body["points"][0]["close"] == "67000.00"


def test_default_is_the_last_24_hours_at_5_minutes(client, read_headers):
    now = datetime.now(UTC)
    quote(now - timedelta(hours=25), "60000.00")  # too old for the default range
    quote(now - timedelta(minutes=10), "61000.00")
    body = history(client, read_headers).get_json()
    assert body["currency"] == "EUR" and body["interval"] == "5m"
    span = datetime.fromisoformat(body["to"]) - datetime.fromisoformat(body["from"])
    assert span == timedelta(hours=24)
    assert [p["close"] for p in body["points"]] == ["61000.00"]


def test_bad_parameters_and_the_point_bound_are_422(client, read_headers):
    for params in (
        {"currency": "JPY"},
        {"interval": "2m"},
        {"from": "yesterday"},
        {"from": "2026-11-20T10:00:00Z", "to": "2026-11-20T09:00:00Z"},
        {"interval": "1m", "from": "2026-11-01T00:00:00Z", "to": "2026-11-03T00:00:00Z"},  # 2,880 points
    ):
        response = history(client, read_headers, **params)
        assert response.status_code == 422, params
        assert response.get_json()["code"] == 422 and response.get_json()["message"]
    ok = history(client, read_headers, interval="1m", **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T09:20:00Z"})
    assert ok.status_code == 200  # exactly 2,000 points


def test_a_key_is_required(client):
    assert client.get("/api/v1/prices/btc/history").status_code == 401
