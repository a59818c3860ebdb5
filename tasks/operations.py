"""The operator task: how `manage.py` commands reach the running embedded (`run`) process."""

from celery import shared_task

from webapp import operations


@shared_task(name="operator.call", queue="default", ignore_result=False)
def call(operation: str, kwargs: dict | None = None):
    """Run operator operation `operation` (webapp.operations.OPERATIONS) and return its JSON result,
    read once by the waiting command and forgotten. Never retried; idempotent as the operation is.
    Arguments and result hold no secret (see webapp.operations)."""
    return operations.call(operation, kwargs)
