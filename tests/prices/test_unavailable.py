"""The 503 for a missing or stale BTC price says why (the last refresh's failures), so an operator
sees the cause instead of "retry shortly". Real refresh task on the worker, real HTTP failures: a
provider that answers too late and a port where nothing listens."""

import socket

from tasks.prices import refresh_btc
from tests.support import override_settings


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed when the block ends: refused


def test_before_any_refresh_the_503_says_none_has_completed(client, read_headers):
    response = client.get("/api/v1/prices/btc", headers=read_headers)
    assert response.status_code == 503
    assert response.json["message"] == ("No BTC price is available yet; no refresh has run yet (one runs every 15 s).")


def test_the_503_names_each_providers_failure(worker, app, monkeypatch, providers, client, read_headers, write_headers):
    coingecko, _ = providers
    coingecko.script(coingecko.failure("timeout", delay=1.5))  # the fixture's timeout is 0.5 s
    override_settings(app, monkeypatch, COINBASE_BASE_URL=closed_port_url())
    report = refresh_btc.delay().get(timeout=15)
    assert report["ok"] is False
    expected = "No BTC price is available yet; last refresh failed: coingecko timeout, coinbase connection refused."
    response = client.get("/api/v1/prices/btc", headers=read_headers)
    assert response.status_code == 503 and response.json["message"] == expected
    order = client.post("/api/v1/orders", json={"currency": "EUR", "amount": "10"}, headers=write_headers)
    assert order.status_code == 503 and order.json["message"] == expected


def test_a_stale_price_503_says_why_and_a_good_refresh_clears_the_cause(
    worker, app, monkeypatch, providers, client, write_headers
):
    coingecko, coinbase = providers
    assert refresh_btc.delay().get(timeout=15)["ok"] is True
    coingecko.script(coingecko.failure("500"))
    coinbase.script(coinbase.failure("429"))
    assert refresh_btc.delay().get(timeout=15)["ok"] is False
    override_settings(app, monkeypatch, BTC_PRICE_MAX_AGE_SECONDS=0)  # the kept quote is now stale
    response = client.post("/api/v1/orders", json={"currency": "EUR", "amount": "10"}, headers=write_headers)
    assert response.status_code == 503
    assert response.json["message"] == (
        "The BTC price is older than 0 seconds; last refresh failed: coingecko HTTP 500, coinbase HTTP 429."
    )
    assert refresh_btc.delay().get(timeout=15)["ok"] is True  # clears the recorded cause
    response = client.post("/api/v1/orders", json={"currency": "EUR", "amount": "10"}, headers=write_headers)
    since = "The BTC price is older than 0 seconds; no refresh has run since (one runs every 15 s)."
    assert response.json["message"] == since
