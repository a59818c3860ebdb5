"""The gauges read from Redis and the database: their values, and that they are read at most once
per interval (a scrape in between serves the readings already taken)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from prometheus_client import CollectorRegistry, generate_latest

from tests.metrics.conftest import scrape, value
from tests.transactions.helpers import make_txn, make_user
from webapp.metrics.state import StateCollector
from webapp.prices.services import store_quote


def exposition(app, interval: float = 0.0) -> str:
    registry = CollectorRegistry()
    registry.register(StateCollector(app, interval))
    return generate_latest(registry).decode()


def test_queue_lengths_count_waiting_messages(app, celery_app, paused_worker):
    for _ in range(3):
        celery_app.send_task("platform.ping", queue="default")
    celery_app.send_task("platform.ping", queue="ingestion")
    text = exposition(app)
    assert value(text, "fido_celery_queue_length", queue="default") == 3
    assert value(text, "fido_celery_queue_length", queue="ingestion") == 1
    assert value(text, "fido_celery_queue_length", queue="notifications") == 0


def test_sms_states_price_age_and_cap(app, client, write_headers, paused_worker):
    user = make_user(client, write_headers)
    for _ in range(2):
        make_txn(client, write_headers, user["id"])  # no worker: their SMS stay pending
    rates = {c: Decimal("61234.12") for c in ("EUR", "GBP", "USD")}
    store_quote("coingecko", rates, datetime.now(UTC) - timedelta(seconds=90))
    text = exposition(app)
    assert value(text, "fido_sms_notifications", state="pending") == 2
    assert value(text, "fido_sms_notifications", state="sent") == 0
    for currency in ("EUR", "GBP", "USD"):
        assert 90 <= value(text, "fido_btc_price_age_seconds", currency=currency) < 3600
    assert value(text, "fido_btc_cap_remaining_btc") == float(app.config["BTC_ORDER_CAP"])
    assert value(text, "fido_asset_ingestion_last_success_timestamp_seconds") is None  # no run yet


def test_readings_are_taken_at_most_once_per_interval(app, client, write_headers, paused_worker):
    collector = StateCollector(app, 10.0)
    registry = CollectorRegistry()
    registry.register(collector)
    first = generate_latest(registry).decode()
    user = make_user(client, write_headers)
    make_txn(client, write_headers, user["id"])
    again = generate_latest(registry).decode()
    assert value(first, "fido_sms_notifications", state="pending") == 0
    assert value(again, "fido_sms_notifications", state="pending") == 0  # the same readings, not re-read
    assert value(exposition(app), "fido_sms_notifications", state="pending") == 1  # a fresh reading sees it


def test_every_series_is_in_a_scrape(client):
    text = scrape(client)
    for name in (
        "fido_http_requests_total",
        "fido_http_request_duration_seconds",
        "fido_celery_tasks_total",
        "fido_celery_task_duration_seconds",
        "fido_celery_queue_length",
        "fido_sms_notifications",
        "fido_btc_cap_remaining_btc",
        "fido_asset_ingestion_duration_seconds",
    ):
        assert f"# TYPE {name} " in text, name
