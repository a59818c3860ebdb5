"""The refresh task on the real worker against the provider stand-ins: first usable answer wins,
failures fall through and never replace the last good quote, history is exact and pruned."""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from bson import Decimal128

from standins.server import Reply
from tasks.prices import refresh_btc
from tests.support import override_settings
from webapp.extensions import get_redis
from webapp.prices import services
from webapp.prices.models import PriceQuote


def run_refresh() -> dict:
    return refresh_btc.delay().get(timeout=15)


def test_first_provider_answer_is_stored_exactly(worker, providers):
    coingecko, coinbase = providers
    report = run_refresh()
    assert report["ok"] is True and report["errors"] == {}
    assert report["quote"]["source"] == "coingecko"
    assert report["quote"]["rates"] == {"EUR": "61234.12", "GBP": "52100.5", "USD": "67012.34"}
    assert coinbase.requests == []
    request = coingecko.requests[0]
    assert request.query == {"ids": "bitcoin", "vs_currencies": "eur,gbp,usd", "include_last_updated_at": "true"}
    cached = json.loads(get_redis().get(services.latest_key()))
    assert cached["rates"]["GBP"] == "52100.5" and cached["source"] == "coingecko"
    (doc,) = PriceQuote._get_collection().find()
    assert doc["rates"]["EUR"] == Decimal128("61234.12")


def test_many_digit_rates_survive_without_float_rounding(worker, providers):
    coingecko, _ = providers
    coingecko.rates = {"EUR": "61234.123456789012345678", "GBP": "0.1", "USD": "67012.30"}
    report = run_refresh()
    assert report["quote"]["rates"] == {"EUR": "61234.123456789012345678", "GBP": "0.1", "USD": "67012.30"}
    assert services.latest_quote()["rates"]["EUR"] == Decimal("61234.123456789012345678")


@pytest.mark.parametrize("kind", ["500", "429", "garbage", "timeout"])
def test_failover_to_the_next_provider(worker, providers, kind, caplog):
    coingecko, coinbase = providers
    coingecko.script(coingecko.failure(kind, delay=1.5))
    with caplog.at_level(logging.WARNING, logger="webapp.prices.services"):
        report = run_refresh()
    assert report["ok"] is True
    assert report["quote"]["source"] == "coinbase"
    assert report["quote"]["rates"] == {"EUR": "61240.00", "GBP": "52110.25", "USD": "67020.99"}
    assert "coingecko" in report["errors"]
    assert any("coingecko" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "rates",
    [
        {"EUR": "61234.12", "USD": "67012.34"},  # GBP missing
        {"EUR": "0", "GBP": "1", "USD": "1"},
        {"EUR": "-5", "GBP": "1", "USD": "1"},
    ],
)
def test_unusable_coingecko_rates_fall_through(worker, providers, rates):
    coingecko, _ = providers
    coingecko.rates = rates
    report = run_refresh()
    assert report["quote"]["source"] == "coinbase"
    assert "rate" in report["errors"]["coingecko"]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "", "abc", None, "1" * 40])
def test_unusable_coinbase_rates_are_refused(worker, providers, monkeypatch, app, bad):
    _, coinbase = providers
    override_settings(app, monkeypatch, BTC_PRICE_PROVIDERS="coinbase")
    coinbase.script(Reply(200, {"data": {"currency": "BTC", "rates": {"EUR": bad, "GBP": "1", "USD": "1"}}}))
    report = run_refresh()
    assert report["ok"] is False and "EUR" in report["errors"]["coinbase"]


def test_all_failing_keeps_the_last_good_quote(worker, providers):
    coingecko, coinbase = providers
    good = run_refresh()["quote"]
    coingecko.script(coingecko.failure("500"))
    coinbase.script(coinbase.failure("garbage"))
    report = run_refresh()
    assert report["ok"] is False and report["quote"] is None
    assert set(report["errors"]) == {"coingecko", "coinbase"}
    assert "HTTP 500" in report["errors"]["coingecko"]
    assert json.loads(get_redis().get(services.latest_key())) == good
    assert PriceQuote.objects.count() == 1


def test_provider_order_and_unknown_names(worker, providers, monkeypatch, app):
    coingecko, coinbase = providers
    override_settings(app, monkeypatch, BTC_PRICE_PROVIDERS=" nosuch , Coinbase,coingecko")
    report = run_refresh()
    assert report["quote"]["source"] == "coinbase"
    assert "unknown provider" in report["errors"]["nosuch"]
    assert coingecko.requests == [] and len(coinbase.requests) == 1


def test_connection_refused_falls_through(worker, providers, monkeypatch, app):
    override_settings(app, monkeypatch, COINGECKO_BASE_URL="http://127.0.0.1:9")
    report = run_refresh()
    assert report["quote"]["source"] == "coinbase"
    assert "ConnectionError" in report["errors"]["coingecko"]


def test_history_older_than_retention_is_pruned(worker, providers, monkeypatch, app):
    override_settings(app, monkeypatch, PRICE_HISTORY_RETENTION_DAYS=30)
    rates = {"EUR": Decimal("1"), "GBP": Decimal("1"), "USD": Decimal("1")}
    now = datetime.now(UTC)
    services.store_quote("coinbase", rates, fetched_at=now - timedelta(days=31))
    services.store_quote("coinbase", rates, fetched_at=now - timedelta(days=29))
    report = run_refresh()
    assert report["pruned"] == 1
    kept = sorted(d["fetched_at"] for d in PriceQuote._get_collection().find())
    assert len(kept) == 2 and kept[0] > now - timedelta(days=30)


def test_a_lasting_failure_is_logged_once_and_its_end_once(worker, providers, caplog):
    """Offline, every refresh fails alike: ERROR when it starts (or its cause changes), DEBUG while
    it lasts, INFO when a provider answers again."""
    coingecko, coinbase = providers
    coingecko.script(*[coingecko.failure("500")] * 3)
    coinbase.script(*[coinbase.failure("garbage")] * 2, coinbase.failure("500"))
    with caplog.at_level(logging.DEBUG, logger="webapp.prices.services"):
        for _ in range(3):
            assert run_refresh()["ok"] is False
        assert run_refresh()["ok"] is True

    def lines(level):
        return [r.getMessage() for r in caplog.records if r.levelno == level and r.name == "webapp.prices.services"]

    errors = lines(logging.ERROR)
    assert len(errors) == 2  # the start, then the changed cause (coinbase's 500)
    assert "garbage" not in errors[1] and "HTTP 500" in errors[1]
    assert sum("no BTC price provider" in m for m in lines(logging.DEBUG)) == 1  # the repeat
    assert lines(logging.INFO) == ["BTC price refresh recovered: coingecko answered"]
