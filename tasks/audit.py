"""Audit tasks: the scheduled retention purge."""

from __future__ import annotations

from celery import shared_task

from webapp.audit import services


@shared_task(name="audit.purge", queue="default", ignore_result=False)
def purge() -> dict:
    """Delete audit records older than AUDIT_RETENTION_DAYS. Idempotent (a second run finds
    nothing older); not retried: the next scheduled run does what a failed one left.
    Returns `{"deleted": n}`."""
    return {"deleted": services.purge_expired()}
