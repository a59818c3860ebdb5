"""`GET /metrics` (Prometheus text format; bearer `METRICS_TOKEN` when set) and
`GET /api/v1/queues` (queue lengths for the dashboard; read scope).

In one process (`manage.py run`, the tests) a scrape reads the app's registry. Under gunicorn or
the prefork worker (`PROMETHEUS_MULTIPROC_DIR` set) it sums every process's files through a fresh
`MultiProcessCollector`, plus this process's state gauges."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from webapp.errors import Unavailable, error_response
from webapp.http import Blueprint
from webapp.metrics.core import metrics_of
from webapp.metrics.series import multiprocess_mode
from webapp.openapi import answers
from webapp.settings import current as current_settings

metrics_blp = FlaskBlueprint("metrics", __name__)


def exposition() -> bytes:
    """The scrape's body: this process's values, or in multiprocess mode the sum over every
    process's files plus this process's state gauges."""
    if not multiprocess_mode():
        return metrics_of().exposition()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(current_app.extensions["fido_state_collector"])
    return generate_latest(registry)


def _authorized() -> bool:
    token = current_settings().platform.METRICS_TOKEN
    if not token:
        return True
    header = request.headers.get("Authorization", "")
    presented = header[7:].strip() if header[:7].lower() == "bearer " else ""
    return hmac.compare_digest(presented.encode(), token.encode())


@metrics_blp.route("/metrics", methods=["GET"])
def prometheus_metrics():
    if not _authorized():
        return error_response(
            401, "Send METRICS_TOKEN as 'Authorization: Bearer <token>'.", headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


queues_blp = Blueprint("queues", __name__, url_prefix="/api/v1", description="Celery queue lengths")


class QueueSchema(Schema):
    queue = fields.String(required=True, metadata={"example": "default"})
    length = fields.Integer(required=True)


class QueuesSchema(Schema):
    items = fields.List(fields.Nested(QueueSchema), required=True)
    as_of = fields.DateTime(required=True)


@queues_blp.route("/queues")
class Queues(MethodView):
    @answers(503)
    @queues_blp.response(200, QueuesSchema)
    def get(self):
        """Messages waiting in each Celery queue (read at most every 10 s, like the metrics)."""
        lengths = current_app.extensions["fido_state_collector"].readings().get("queues")
        if lengths is None:
            raise Unavailable("The broker is unreachable; queue lengths are unknown.")
        return {"items": [{"queue": q, "length": n} for q, n in lengths.items()], "as_of": datetime.now(UTC)}
