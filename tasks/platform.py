"""Platform tasks."""

from celery import shared_task

from webapp.logs import current_request_id


@shared_task(name="platform.ping", queue="default", ignore_result=False)
def ping() -> dict:
    """No-op round trip: returns the request id it ran under. Idempotent, never retried."""
    return {"pong": True, "request_id": current_request_id()}
