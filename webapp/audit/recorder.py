"""The HTTP side of the audit trail: after the response is decided, record the request.

Contract: runs as the last `after_request` step of every request (so it sees the final status,
including 401/403 from the key check and errors rendered by the error envelope); records ids and
metadata only; never raises and never changes the response. A failing insert (database down) is
logged once per outage (warning), and its recovery once (info); the state lives in
`app.extensions["audit"]`, per app.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, g, request

from webapp.audit import services

log = logging.getLogger(__name__)


class RecorderState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failing = False

    def outcome(self, failed: bool, exc: Exception | None = None) -> None:
        with self.lock:
            changed, self.failing = self.failing != failed, failed
        if changed and failed:
            log.warning("audit records are not being written: %s", type(exc).__name__)
        elif changed:
            log.info("audit records are written again")


def _fields(response) -> dict:
    api_key = getattr(g, "api_key", None)
    rule = request.url_rule
    view_args = request.view_args or {}
    return {
        "api_key_id": str(api_key.id) if api_key is not None else None,
        "method": request.method,
        "route": rule.rule if rule is not None else None,
        "resource_id": "/".join(str(v) for v in view_args.values())[:300] or None,
        "status": response.status_code,
        "request_id": getattr(g, "request_id", None),
        "client_ip": request.remote_addr,
    }


def _record(response):
    if not services.should_record(request.path, request.method, response.status_code):
        return response
    state = current_app.extensions["audit"]
    try:
        services.record(_fields(response))
    except Exception as exc:  # an audit outage must never fail the request it describes
        state.outcome(True, exc)
    else:
        if state.failing:
            state.outcome(False)
    return response


def init_audit(app: Flask) -> None:
    """Register the recorder; call it first among after_request hooks so it runs last."""
    app.extensions["audit"] = RecorderState()
    app.after_request(_record)
