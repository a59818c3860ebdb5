"""Publishing follow-up work after a write, without ever failing or stalling the write for long.

`enqueue` is fire-and-forget: one publish attempt (no publisher retries), connecting within
BROKER_CONNECT_TIMEOUT_SECONDS, no result subscription (`ignore_result`: otherwise Celery
subscribes to the result backend for every sent task, which with Redis down blocks for up to 20 s).
It reports failure instead of raising: the caller has already recorded the pending work in its
document, and a sweeper re-enqueues it. After a failure, publishing is skipped for
BROKER_RETRY_AFTER_SECONDS in this app (state kept on the app, not the module), so while Redis is
down only the first request pays the connect timeout and the rest answer at once.

`enqueue_many` publishes a batch over one producer connection (the sweepers).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app

from webapp.settings import current as current_settings

log = logging.getLogger(__name__)
BROKER_RETRY_AFTER_SECONDS = 2.0


class _Gate:
    """Per-app memory of the last publish failure (shared by the app's threads, under a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.skip_until = 0.0

    def closed(self) -> bool:
        return time.monotonic() < self.skip_until

    def failed(self) -> None:
        with self.lock:
            self.skip_until = time.monotonic() + BROKER_RETRY_AFTER_SECONDS


def _gate() -> _Gate:
    return current_app.extensions.setdefault("outbox_gate", _Gate())


def publish(task_name: str, args=(), kwargs=None, producer=None, **options) -> None:
    """Publish one task once, fire-and-forget; raises on a broker failure (see `enqueue`).

    The pooled connection is (re)opened with exactly one attempt bounded by
    BROKER_CONNECT_TIMEOUT_SECONDS: left to itself, kombu retries a failed connect with pauses
    until its own timeout, which held a request for seconds while Redis was down."""
    celery_app = current_app.extensions["celery"]
    with celery_app.producer_or_acquire(producer) as chosen:
        chosen.connection.ensure_connection(
            max_retries=0, timeout=current_settings().platform.BROKER_CONNECT_TIMEOUT_SECONDS, interval_start=0
        )
        celery_app.send_task(
            task_name, args=list(args), kwargs=kwargs or {}, retry=False, ignore_result=True, producer=chosen, **options
        )


def enqueue(task_name: str, *args, **kwargs) -> bool:
    """Publish `task_name(*args, **kwargs)`; False (logged with the task name only) when the broker
    is unreachable or was a moment ago."""
    gate = _gate()
    if gate.closed():
        log.warning("broker recently unreachable; %s left to the sweeper", task_name)
        return False
    try:
        publish(task_name, args, kwargs)
        return True
    except Exception as exc:  # kombu OperationalError and friends
        gate.failed()
        log.warning("could not enqueue %s (left to the sweeper): %s", task_name, type(exc).__name__)
        return False


def enqueue_many(task_name: str, calls: list[tuple[tuple, dict]]) -> int:
    """Publish `task_name` once per (args, kwargs) over one broker connection; returns how many were
    published (stops at the first broker failure)."""
    if not calls or _gate().closed():
        return 0
    sent = 0
    try:
        with current_app.extensions["celery"].producer_or_acquire() as producer:
            for args, kwargs in calls:
                publish(task_name, args, kwargs, producer=producer)
                sent += 1
    except Exception as exc:
        _gate().failed()
        log.warning(
            "could not enqueue %s x%d (left to the sweeper): %s", task_name, len(calls) - sent, type(exc).__name__
        )
    return sent
