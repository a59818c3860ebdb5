"""Health checks (public). `/health/live`: the process answers. `/health/ready`: MongoDB, Redis and
at least one Celery worker answer, each with its latency; 503 with `"degraded"` otherwise."""

from __future__ import annotations

import time

import mongoengine
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from webapp.extensions import get_redis
from webapp.http import Blueprint

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness and readiness")

WORKER_PING_TIMEOUT = 1.0


class LiveSchema(Schema):
    status = fields.String(required=True)


class CheckSchema(Schema):
    ok = fields.Boolean(required=True)
    latency_ms = fields.Float(required=True)
    error = fields.String()
    count = fields.Integer()


class ReadySchema(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema), required=True)


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check() or {}
        ok = result.pop("ok", True)
    except Exception as exc:  # a failing dependency is a result here, not an error
        result, ok = {"error": f"{type(exc).__name__}: {exc}"[:200]}, False
    return {"ok": ok, "latency_ms": round((time.perf_counter() - started) * 1000, 2), **result}


def _mongo():
    mongoengine.get_db().command("ping")


def _redis():
    get_redis().ping()


def _workers():
    replies = current_app.extensions["celery"].control.ping(timeout=WORKER_PING_TIMEOUT) or []
    return {"ok": bool(replies), "count": len(replies)}


def readiness() -> dict:
    checks = {"mongo": _timed(_mongo), "redis": _timed(_redis), "workers": _timed(_workers)}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "degraded", "checks": checks}


@blp.route("/live")
class Live(MethodView):
    @blp.response(200, LiveSchema)
    def get(self):
        """The process is up."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, schema=ReadySchema, description="A dependency is down")
    def get(self):
        """MongoDB, Redis and the Celery workers answer."""
        report = readiness()
        return report, (200 if report["status"] == "ok" else 503)
