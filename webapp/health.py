"""Health checks (public). `/health/live`: the process answers. `/health/ready`: MongoDB, Redis and
at least one Celery worker answer, each with its latency; 503 with `"degraded"` otherwise. A failed
check says only `"error": "timeout"` or `"unreachable"`: the route is public, so no address and no
exception text (the log has the exception's type)."""

from __future__ import annotations

import logging
import socket
import time

import mongoengine
import redis
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from webapp.extensions import get_redis
from webapp.http import Blueprint

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness and readiness")

WORKER_PING_TIMEOUT = 1.0


class LiveSchema(Schema):
    status = fields.String(required=True)


class CheckSchema(Schema):
    ok = fields.Boolean(required=True)
    latency_ms = fields.Float(required=True)
    error = fields.String(metadata={"enum": ["timeout", "unreachable"]})
    count = fields.Integer()


class ReadySchema(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema), required=True)


def _failure(exc: Exception) -> str:
    from pymongo.errors import ExecutionTimeout, NetworkTimeout

    timeouts = (TimeoutError, socket.timeout, redis.TimeoutError, NetworkTimeout, ExecutionTimeout)
    return "timeout" if isinstance(exc, timeouts) else "unreachable"


def _timed(name: str, check) -> dict:
    started = time.perf_counter()
    try:
        result = check() or {}
        ok = result.pop("ok", True)
    except Exception as exc:  # a failing dependency is a result here, not an error
        result, ok = {"error": _failure(exc)}, False
        log.warning("readiness: %s check failed (%s)", name, type(exc).__name__)
    return {"ok": ok, "latency_ms": round((time.perf_counter() - started) * 1000, 2), **result}


def _mongo():
    mongoengine.get_db().command("ping")


def _redis():
    get_redis().ping()


def _workers():
    replies = current_app.extensions["celery"].control.ping(timeout=WORKER_PING_TIMEOUT) or []
    return {"ok": bool(replies), "count": len(replies)}


def readiness() -> dict:
    checks = {
        "mongo": _timed("mongo", _mongo),
        "redis": _timed("redis", _redis),
        "workers": _timed("workers", _workers),
    }
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
