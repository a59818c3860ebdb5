"""The HTTP metrics hook: `after_request` counts the answer and observes its duration under the URL
rule (bounded label values: never the raw path). The start is `g.started`, stamped by
`webapp.http` before anything else runs (authentication included), so the access log and the
metrics time a request alike."""

from __future__ import annotations

from time import perf_counter

from flask import Flask, g, request

from webapp.metrics.core import metrics_of

UNMATCHED = "<unmatched>"


def _observe(response):
    started = g.get("started")
    metrics = metrics_of()
    if started is None or metrics is None:
        return response
    req = request._get_current_object()  # one proxy lookup, not one per attribute
    rule = req.url_rule
    route = rule.rule if rule is not None else UNMATCHED
    metrics.http_requests.inc(req.method, route, str(response.status_code))
    metrics.http_duration.observe(req.method, route, value=perf_counter() - started)
    return response


def init_http_metrics(app: Flask) -> None:
    app.after_request(_observe)
