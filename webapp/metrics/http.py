"""The HTTP metrics pair: `before_request` stamps a start time, `after_request` counts the answer
and observes its duration under the URL rule (bounded label values: never the raw path)."""

from __future__ import annotations

import time

from flask import Flask, g, request

from webapp.metrics.core import metrics_of

UNMATCHED = "<unmatched>"


def _start():
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    metrics = metrics_of()
    if started is None or metrics is None:
        return response
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method = request.method
    metrics.http_requests.inc(method, route, str(response.status_code))
    metrics.http_duration.observe(method, route, value=time.perf_counter() - started)
    return response


def init_http_metrics(app: Flask) -> None:
    # First before_request (before authentication can refuse) so every answer is timed.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)
