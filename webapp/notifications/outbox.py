"""Publishing follow-up work after a write, without ever failing or stalling the write for long.

`enqueue` publishes once (no publisher retries, no result subscription) and reports failure
instead of raising: the caller has already recorded the pending work in its document, and a
sweeper (SMS) or reconciliation (statistics) catches up. After a failure, publishing is skipped
for BROKER_RETRY_AFTER_SECONDS in this process, so while Redis is down only the first request
pays the broker's connect timeout and the rest answer at once.

`ignore_result=True` matters: without it Celery subscribes to the result backend for every sent
task, which, with Redis down, blocks for up to 20 s and then leaves the result consumer broken.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)
BROKER_RETRY_AFTER_SECONDS = 2.0
_lock = threading.Lock()
_skip_until = 0.0


def enqueue(task_name: str, *args) -> bool:
    """Publish `task_name(*args)`; False (logged) when the broker is unreachable."""
    global _skip_until
    if time.monotonic() < _skip_until:
        log.warning("broker recently unreachable; %s%s left to the sweeper", task_name, args)
        return False
    try:
        current_app.extensions["celery"].send_task(task_name, args=list(args), retry=False, ignore_result=True)
        return True
    except Exception as exc:  # kombu OperationalError and friends
        with _lock:
            _skip_until = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
        log.warning("could not enqueue %s%s (left to the sweeper): %s", task_name, args, exc)
        return False
