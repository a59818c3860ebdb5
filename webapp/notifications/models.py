"""The notification state lives in the transaction document (`Transaction.notification`), so the
transaction and its pending SMS are stored in one atomic insert (the outbox). Its fields:

- `status`: pending -> sending -> sent -> delivered | undelivered | failed; or failed / skipped.
- `attempts`: claims made (each claim is at most one call to Twilio).
- `message_sid`: Twilio's Message SID once known; `error_code`: Twilio's code, or "timeout",
  "connection", "max_attempts", "no_user".
- `updated_at`, `sending_since`: when the state last changed / when the current claim started.
- `retry_at`: when a transient failure may be retried (the sweeper leaves it alone until then).
- `due_at`: when the notification's live task is due to run (published, deferred to its pace slot,
  or retrying); the sweeper publishes again only past it plus the grace.
- `publishes`: how many times a task was published for it (the compare-and-set of every publish).

Indexes: `Transaction.meta` (status + due_at and status + updated_at for the sweeper, message_sid for receipts).
"""

from webapp.transactions.models import NOTIFICATION_STATUSES, Transaction

FINAL = ("delivered", "undelivered", "failed", "skipped")

# Twilio callback MessageStatus -> our status.
CALLBACK_STATUS = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}

__all__ = ["CALLBACK_STATUS", "FINAL", "NOTIFICATION_STATUSES", "Transaction"]
