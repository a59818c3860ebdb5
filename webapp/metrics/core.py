"""The metric objects of one app and where they live (`app.extensions`); imports no domain."""

from __future__ import annotations

from flask import Flask, current_app
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from webapp.metrics import series

STATE_INTERVAL_SECONDS = 10.0
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))
TASK_BUCKETS = (0.05, 0.25, 1.0, 5.0, 30.0, 120.0, 600.0, float("inf"))
EXTENSION = "fido_metrics"


class Metrics:
    """The metric objects of one app; thread-safe (each series object locks its own values).

    The labelled series that every request and task touches are `webapp.metrics.series` objects
    (prometheus_client's own in multiprocess mode); the rest live on `registry`."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.http_requests = series.counter(
            "fido_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry
        )
        self.http_duration = series.histogram(
            "fido_http_request_duration_seconds", "HTTP request duration", ["method", "route"], HTTP_BUCKETS, registry
        )
        self.tasks = series.counter(
            "fido_celery_tasks_total", "Celery task runs by outcome", ["task", "state"], registry
        )
        self.task_duration = series.histogram(
            "fido_celery_task_duration_seconds", "Celery task run duration", ["task"], TASK_BUCKETS, registry
        )
        self.ingestion_duration = Histogram(
            "fido_asset_ingestion_duration_seconds",
            "Duration of finished asset ingestion runs",
            buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, float("inf")),
            registry=registry,
        )

    def exposition(self) -> bytes:
        """This process's values in the text format (not multiprocess mode, where a scrape reads
        the processes' files instead)."""
        labelled = (self.http_requests, self.http_duration, self.tasks, self.task_duration)
        return "".join(m.render() for m in labelled).encode() + generate_latest(self.registry)


def metrics_of(app: Flask | None = None) -> Metrics | None:
    """The Metrics of `app` (default: the current app), or None where metrics are not set up."""
    return (app or current_app).extensions.get(EXTENSION)
