"""Celery task metrics: one `task_postrun` handler counts each run by outcome and observes its
duration; the start time rides on the task's request context (per execution, never shared)."""

from __future__ import annotations

import time

from celery.signals import task_postrun, task_prerun

STATES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}


def _metrics(task):
    app = getattr(task, "app", None)
    return app.conf.get("fido_metrics") if app is not None else None


def _started(task=None, **_):
    if task is not None and _metrics(task) is not None:
        task.request.fido_started = time.perf_counter()


def _finished(task=None, state=None, **_):
    metrics = _metrics(task) if task is not None else None
    if metrics is None:
        return
    started = getattr(task.request, "fido_started", None)
    if state in STATES:
        metrics.tasks.inc(task.name, STATES[state])
    if started is not None:
        metrics.task_duration.observe(task.name, value=time.perf_counter() - started)


def connect() -> None:
    """Idempotent: celery's signals keep one receiver per function (weak=False, same id)."""
    task_prerun.connect(_started, weak=False, dispatch_uid="fido-metrics-prerun")
    task_postrun.connect(_finished, weak=False, dispatch_uid="fido-metrics-postrun")
