"""GET /api/v1/prices/btc, the Redis-down fallback, and the refresh-price operator command."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis

from tests.support import override_settings, run_manage
from webapp.prices import services

RATES = {"EUR": Decimal("61234.12"), "GBP": Decimal("52100.50"), "USD": Decimal("67012.34")}


def test_no_quote_yet_is_503(client, read_headers):
    response = client.get("/api/v1/prices/btc", headers=read_headers)
    assert response.status_code == 503
    assert response.json["code"] == 503 and "No BTC price" in response.json["message"]
    assert response.headers["Retry-After"] == "15"  # the next scheduled refresh (BTC_PRICE_REFRESH_SECONDS)


def test_with_the_refresh_job_off_a_503_does_not_guess_when_to_retry(app, client, read_headers, monkeypatch):
    override_settings(app, monkeypatch, BTC_PRICE_REFRESH_SECONDS=0)
    response = client.get("/api/v1/prices/btc", headers=read_headers)
    assert response.status_code == 503 and "Retry-After" not in response.headers


def test_needs_an_api_key(client):
    assert client.get("/api/v1/prices/btc").status_code == 401


def test_fresh_quote(client, read_headers):
    services.store_quote("coingecko", RATES)
    body = client.get("/api/v1/prices/btc", headers=read_headers).json
    assert body["base"] == "BTC" and body["source"] == "coingecko"
    assert body["rates"] == {"EUR": "61234.12", "GBP": "52100.50", "USD": "67012.34"}
    assert body["stale"] is False and 0 <= body["age_seconds"] < 5
    assert datetime.fromisoformat(body["fetched_at"]).tzinfo is not None


def test_old_quote_is_stale(client, read_headers, app, monkeypatch):
    override_settings(app, monkeypatch, BTC_PRICE_MAX_AGE_SECONDS=60)
    services.store_quote("coinbase", RATES, fetched_at=datetime.now(UTC) - timedelta(seconds=90))
    body = client.get("/api/v1/prices/btc", headers=read_headers).json
    assert body["stale"] is True and body["age_seconds"] >= 90


def test_redis_down_falls_back_to_the_newest_history(client, read_headers, app, monkeypatch):
    services.store_quote("coinbase", RATES, fetched_at=datetime.now(UTC) - timedelta(seconds=30))
    services.store_quote("coingecko", {**RATES, "EUR": Decimal("1.5")})
    down = redis.Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.2)
    monkeypatch.setitem(app.extensions, "redis", down)
    body = client.get("/api/v1/prices/btc", headers=read_headers).json
    assert body["source"] == "coingecko" and body["rates"]["EUR"] == "1.5"


def test_refresh_price_command_prints_quote_and_errors(app, worker, providers):
    coingecko, coinbase = providers
    coingecko.script(coingecko.failure("500"))
    result = run_manage("refresh-price")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "coingecko: HTTPError" in output or "coingecko: ProviderError: HTTP 500" in output
    assert "source: coinbase" in output and "EUR 61240.00" in output

    coingecko.script(coingecko.failure("500"))
    coinbase.script(coinbase.failure("429"))
    result = run_manage("refresh-price")
    assert result.returncode == 1
    assert "coinbase: ProviderError: HTTP 429" in result.stdout + result.stderr


def test_an_older_quote_never_replaces_a_newer_one(client, read_headers):
    now = datetime.now(UTC)
    services.store_quote("coingecko", RATES, fetched_at=now)
    services.store_quote("coinbase", {**RATES, "EUR": Decimal("1")}, fetched_at=now - timedelta(seconds=5))
    body = client.get("/api/v1/prices/btc", headers=read_headers).json
    assert body["source"] == "coingecko" and body["rates"]["EUR"] == "61234.12"


def test_refresh_is_on_the_beat_schedule(celery_app):
    entry = celery_app.conf.beat_schedule["btc-price-refresh"]
    assert entry["task"] == "prices.refresh_btc" and entry["options"]["queue"] == "default"
    assert "prices.refresh_btc" in celery_app.tasks


def test_flushed_cache_falls_back_to_the_newest_history(client, read_headers, app):
    services.store_quote("coinbase", RATES)
    app.extensions["redis"].delete(services.latest_key())  # Redis restarted or flushed since the refresh
    body = client.get("/api/v1/prices/btc", headers=read_headers).json
    assert body["source"] == "coinbase" and body["rates"]["EUR"] == "61234.12"


def test_rates_in_exponent_form_are_served_as_plain_decimals(client, read_headers):
    services.store_quote("coinbase", {"EUR": Decimal("7E+4"), "GBP": Decimal("6.1E4"), "USD": Decimal("67012.34")})
    body = client.get("/api/v1/prices/btc", headers=read_headers).json
    assert body["rates"] == {"EUR": "70000", "GBP": "61000", "USD": "67012.34"}
