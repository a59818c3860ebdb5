"""Gauges read from Redis and the database, computed at most once per interval per process.

A scrape calls `collect()`; the readings (queue lengths, SMS states, the latest BTC quote's time,
the cap left, the last successful ingestion) are taken again only when the previous ones are older
than the interval, so a scrape costs no query in between. `fido_btc_price_age_seconds` is worked
out at each scrape from the quote's stored time, so it keeps growing between readings. A reading
that fails (Redis or MongoDB down) is left out of that scrape and logged; the scrape still answers.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import redis
from flask import Flask, has_app_context
from prometheus_client.core import GaugeMetricFamily

from config.celery import QUEUES
from webapp.metrics import readings
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)

# kombu's Redis transport keeps priorities 3, 6 and 9 of a queue in keys of their own.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class StateCollector:
    """A prometheus_client custom collector bound to one app."""

    def __init__(self, app: Flask, interval: float):
        self._app = app
        self._interval = interval
        self._lock = threading.Lock()
        self._taken_at: float | None = None
        self._readings: dict = {}
        self._broker = redis.Redis.from_url(
            current_settings(app).platform.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=2
        )

    def describe(self):
        return []  # computed lazily: registering must not query anything

    def readings(self) -> dict:
        """The current readings, taken again when older than the interval (one thread at a time)."""
        with self._lock:
            now = time.monotonic()
            if self._taken_at is None or now - self._taken_at >= self._interval:
                self._readings = self._take()
                self._taken_at = now
            return self._readings

    def _take(self) -> dict:
        taken = {}
        steps = {
            "queues": self._queue_lengths,
            "sms": readings.sms_counts,
            "quote_at": readings.latest_quote_time,
            "cap_remaining": readings.cap_remaining_btc,
            "ingestion_success": readings.last_ingestion_success,
        }
        for name, step in steps.items():
            try:
                if name == "queues" or has_app_context():
                    taken[name] = step()
                else:
                    with self._app.app_context():
                        taken[name] = step()
            except Exception as exc:  # a dependency is down: leave this reading out
                log.warning("metrics reading %s failed: %s", name, type(exc).__name__)
        return taken

    def _queue_lengths(self) -> dict:
        pipe = self._broker.pipeline(transaction=False)
        for queue in QUEUES:
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(queue + suffix)
        lengths = pipe.execute()
        per = len(_PRIORITY_SUFFIXES)
        return {queue: sum(lengths[i * per : (i + 1) * per]) for i, queue in enumerate(QUEUES)}

    def collect(self):
        state = self.readings()
        if "queues" in state:
            gauge = GaugeMetricFamily("fido_celery_queue_length", "Messages waiting per queue", labels=["queue"])
            for queue, length in state["queues"].items():
                gauge.add_metric([queue], length)
            yield gauge
        if "sms" in state:
            gauge = GaugeMetricFamily("fido_sms_notifications", "Transaction SMS by state", labels=["state"])
            for status, count in state["sms"].items():
                gauge.add_metric([status], count)
            yield gauge
        if state.get("quote_at") is not None:
            gauge = GaugeMetricFamily("fido_btc_price_age_seconds", "Age of the latest BTC quote", labels=["currency"])
            fetched_at, currencies = state["quote_at"]
            age = max(0.0, (datetime.now(UTC) - fetched_at).total_seconds())
            for currency in currencies:
                gauge.add_metric([currency], age)
            yield gauge
        if "cap_remaining" in state:
            yield GaugeMetricFamily(
                "fido_btc_cap_remaining_btc", "BTC still sellable under BTC_ORDER_CAP", value=state["cap_remaining"]
            )
        if state.get("ingestion_success") is not None:
            yield GaugeMetricFamily(
                "fido_asset_ingestion_last_success_timestamp_seconds",
                "Unix time the last successful asset ingestion finished",
                value=state["ingestion_success"],
            )
