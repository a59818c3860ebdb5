"""Dialog tasks: the scheduled stale-dialog cleanup."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from webapp.dialogs import services


@shared_task(name="dialogs.cleanup_stale", queue="default", ignore_result=False)
def cleanup_stale(now: str | None = None, older_than: int | None = None, dry_run: bool = False) -> dict:
    """Delete dialogs still pending whose last message is older than `older_than` seconds
    (default DIALOG_CONSENT_TTL_SECONDS) before `now` (ISO 8601, default the current time).

    Idempotent and safe to run concurrently: every delete re-checks `pending AND stale` per
    document, so a run deletes only what no other run deleted and never a dialog consented
    meanwhile. Not retried: the next scheduled run picks up whatever a failed run left.
    Returns `{"deleted": n}`, or `{"would_delete": n}` with `dry_run`.
    """
    at = datetime.fromisoformat(now) if now else None
    count = services.cleanup_stale(now=at, older_than=older_than, dry_run=dry_run)
    return {"would_delete": count} if dry_run else {"deleted": count}
