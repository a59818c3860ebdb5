"""Notification tasks: send one transaction's SMS, and sweep the outbox."""

from celery import shared_task
from flask import current_app

from webapp.notifications import services
from webapp.transactions import stats


@shared_task(name="notifications.send_sms", queue="notifications", bind=True, max_retries=None)
def send_sms(self, transaction_id: str) -> dict:
    """Send the SMS of transaction `transaction_id` at most once (atomic claim in the database).

    Idempotent: a run that finds the notification not `pending` does nothing. Waits (re-queues
    itself) while the global SMS_RATE_LIMIT is used up. Retries 429/5xx/connection failures with
    exponential backoff and jitter; the attempt bound (SMS_MAX_RETRIES) is counted in the database,
    then the notification is `failed`. Permanent Twilio errors fail at once; ambiguous timeouts are
    not retried (see webapp.notifications.services)."""
    wait = services.rate_limit_delay()
    if wait:
        raise self.retry(countdown=wait)
    outcome = services.send_transaction_sms(transaction_id)
    if outcome["result"] == "retry":
        raise self.retry(countdown=outcome["countdown"])
    return outcome


@shared_task(name="notifications.sweep_pending", queue="default")
def sweep_pending() -> dict:
    """Beat job, the outbox sweeper: re-enqueue SMS left pending (enqueue failed) or stuck sending,
    and statistics tasks of writes whose enqueue failed. Idempotent: the send task's claim and the
    statistics events make extra enqueues harmless. Never retried; the next beat run follows."""
    outcome = services.sweep()
    outcome["stats_enqueued"] = stats.sweep_dirty(current_app.config["NOTIFICATION_PENDING_GRACE_SECONDS"])
    return outcome
