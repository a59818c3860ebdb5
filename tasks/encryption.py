"""Encryption tasks: key rotation (started by `manage.py rotate-encryption-keys`)."""

from __future__ import annotations

from celery import shared_task

from webapp.encryption import services


@shared_task(name="encryption.start_rotation", queue="default", ignore_result=False)
def start_rotation() -> dict:
    """Create a rotation run and publish `encryption.rotate` for it; returns its state (ids and
    counts), or `{"status": "conflict", "running_run_id"}` while another run is alive. Not retried."""
    return services.start_rotation()


@shared_task(name="encryption.rotate", queue="default", ignore_result=False, acks_late=True)
def rotate(run_id: str) -> dict:
    """Re-seal every sealed value under the primary key, page by page from the run's checkpoint.
    Idempotent and resumable: a redelivered task continues from the last checkpoint; values already
    under the primary key are skipped. Not retried: an error marks the run failed and a new run
    finishes the job. Returns the run's final state (counts only)."""
    return services.rotate(run_id)


@shared_task(name="encryption.rotation_state", queue="default", ignore_result=False)
def rotation_state(run_id: str) -> dict:
    """The run's state (counts only). Read-only."""
    return services.rotation_state(run_id)
