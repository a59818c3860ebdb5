"""The metric objects of one app and where they live (`app.extensions`); imports no domain."""

from __future__ import annotations

from flask import Flask, current_app
from prometheus_client import CollectorRegistry, Counter, Histogram

STATE_INTERVAL_SECONDS = 10.0
# Few buckets keep a scrape cheap (its cost grows with routes x buckets; see bench/bench_metrics.py).
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))
TASK_BUCKETS = (0.05, 0.25, 1.0, 5.0, 30.0, 120.0, 600.0, float("inf"))
EXTENSION = "fido_metrics"


class Metrics:
    """The metric objects of one app; thread-safe (prometheus_client locks each value)."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.http_requests = Counter(
            "fido_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=registry
        )
        self.http_duration = Histogram(
            "fido_http_request_duration_seconds",
            "HTTP request duration",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.tasks = Counter(
            "fido_celery_tasks_total", "Celery task runs by outcome", ["task", "state"], registry=registry
        )
        self.task_duration = Histogram(
            "fido_celery_task_duration_seconds",
            "Celery task run duration",
            ["task"],
            buckets=TASK_BUCKETS,
            registry=registry,
        )
        self.ingestion_duration = Histogram(
            "fido_asset_ingestion_duration_seconds",
            "Duration of finished asset ingestion runs",
            buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, float("inf")),
            registry=registry,
        )


def metrics_of(app: Flask | None = None) -> Metrics | None:
    """The Metrics of `app` (default: the current app), or None where metrics are not set up."""
    return (app or current_app).extensions.get(EXTENSION)
