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

from flask import Flask
from prometheus_client import CollectorRegistry, disable_created_metrics

from webapp.assets.events import run_finished
from webapp.metrics import http, routes, state, tasks
from webapp.metrics.core import EXTENSION, STATE_INTERVAL_SECONDS, Metrics, metrics_of

__all__ = ["Metrics", "init_metrics", "metrics_of"]


def _observe_ingestion(sender: Flask, duration_seconds: float, **_) -> None:
    metrics = metrics_of(sender)
    if metrics is not None:
        metrics.ingestion_duration.observe(duration_seconds)


def init_metrics(app: Flask, celery_app) -> Metrics:
    # No `*_created` series: Prometheus does not need them, and they would add a line per series.
    disable_created_metrics()
    metrics = Metrics(CollectorRegistry(auto_describe=True))
    app.extensions[EXTENSION] = metrics
    app.extensions["fido_state_collector"] = state.StateCollector(app, STATE_INTERVAL_SECONDS)
    metrics.registry.register(app.extensions["fido_state_collector"])
    celery_app.conf.fido_metrics = metrics  # the task signal handlers find it through the task's app
    tasks.connect()
    # Idempotent (one receiver per function); weak=False as the function lives as long as the module.
    run_finished.connect(_observe_ingestion, weak=False)
    http.init_http_metrics(app)
    app.register_blueprint(routes.metrics_blp)
    return metrics
