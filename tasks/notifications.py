"""Notification tasks: send one transaction's SMS, and sweep the SMS outbox."""

from celery import shared_task

from webapp.notifications import services, sweeper


@shared_task(name="notifications.send_sms", queue="notifications", bind=True, max_retries=None)
def send_sms(self, transaction_id: str, slot_booked: bool = False) -> dict:
    """Send the SMS of transaction `transaction_id` at most once (atomic claim in the database).

    Idempotent: a run that finds the notification not `pending` does nothing (and books no slot).
    Paced by the global SMS_RATE_LIMIT: when the booked slot is ahead, the task re-queues itself
    once, to that slot (`slot_booked`), and then sends. Retries 429/5xx/connection failures with
    exponential backoff and jitter; the attempt bound (SMS_MAX_RETRIES) is counted in the database,
    then the notification is `failed`. Permanent Twilio errors fail at once; ambiguous timeouts are
    not retried (see webapp.notifications.services)."""
    outcome = services.deliver(transaction_id, slot_booked)
    if outcome["result"] in ("deferred", "retry"):
        booked = outcome["result"] == "deferred"
        raise self.retry(args=[transaction_id], kwargs={"slot_booked": booked}, countdown=outcome["countdown"])
    return outcome


@shared_task(name="notifications.sweep_pending", queue="default")
def sweep_pending() -> dict:
    """Beat job, the SMS outbox sweeper: publish the task of every notification with none live
    (see webapp.notifications.sweeper). Idempotent (compare-and-set per notification); never
    retried, the next beat run follows."""
    return sweeper.sweep()
