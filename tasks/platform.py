"""Platform tasks."""

import logging

from celery import shared_task

from webapp.logs import current_request_id

log = logging.getLogger(__name__)


@shared_task(name="platform.ping", queue="default", ignore_result=False)
def ping() -> dict:
    """No-op round trip: returns the request id it ran under. Idempotent, never retried."""
    log.info("ping")
    return {"pong": True, "request_id": current_request_id()}
