"""Prometheus metrics of one Flask app (issue 13).

`init_metrics(app)` creates the app's metric objects on a registry of its own (several apps in one
process, as in the tests, never collide), hooks the HTTP timing pair, connects the Celery task
signals and registers `GET /metrics`. Series (all prefixed `fido_`):

- `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`:
  `route` is the URL rule (`/api/v1/users/<user_id>`), never the raw path; `<unmatched>` for a path
  no rule serves.
- `celery_tasks_total{task,state}` (succeeded, failed, retried), `celery_task_duration_seconds{task}`:
  recorded in the process that ran the task.
- `asset_ingestion_duration_seconds`: one observation per finished ingestion run.
- Gauges read from Redis and the database (`webapp.metrics.state`), computed at most every
  `STATE_INTERVAL_SECONDS` per process, never per scrape.

With `PROMETHEUS_MULTIPROC_DIR` set (gunicorn and the prefork Celery worker, set by `manage.py`),
prometheus_client writes every value to files there and a scrape sums them over the processes.
"""

from __future__ import annotations

from flask import Flask, current_app
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

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


def init_metrics(app: Flask, celery_app) -> Metrics:
    from webapp.metrics import http, routes, state, tasks

    # No `*_created` series: Prometheus does not need them, and they would add a line per series.
    disable_created_metrics()
    metrics = Metrics(CollectorRegistry(auto_describe=True))
    app.extensions[EXTENSION] = metrics
    app.extensions["fido_state_collector"] = state.StateCollector(app, STATE_INTERVAL_SECONDS)
    metrics.registry.register(app.extensions["fido_state_collector"])
    celery_app.conf.fido_metrics = metrics  # the task signal handlers find it through the task's app
    tasks.connect()
    http.init_http_metrics(app)
    app.register_blueprint(routes.metrics_blp)
    return metrics
