"""Transaction, per-user statistics totals and per-day buckets.

Amounts are integer minor units (cents, `*_cents`), exact. A transaction carries:
- `version`: bumped by every write (create = 1); `deleted` marks a soft delete that the statistics
  task turns into a hard delete once the removal is counted.
- `stats_version` / `stats_applied` / `stats_pending`: which version the statistics count, the
  snapshot they count, and the event being applied (see `webapp.transactions.stats`).
- `notification`: the SMS outbox state, owned here (one insert stores a transaction and its
  pending SMS) and written only through `webapp.transactions.store` (`N_*` field paths):
  - `status`: pending -> sending -> sent -> delivered | undelivered | failed; or failed / skipped.
  - `attempts`: claims made (each claim is at most one call to Twilio).
  - `message_sid`: Twilio's Message SID once known; `error_code`: Twilio's code, or "timeout",
    "connection", "max_attempts", "no_user"; `provider`: who sent it.
  - `updated_at`, `sending_since`: when the state last changed / the current claim started.
  - `retry_at`: when a transient failure may be retried (the sweeper leaves it alone until then).
  - `due_at`: when the notification's live task is due to run; the sweeper publishes again only
    past it plus the grace. `publishes`: tasks published for it (the compare-and-set of a publish).
The stores (`store`, `figures_store`) update these documents with atomic single-document
operations on the raw collections; the classes declare the shape and every index the queries use.
"""

from __future__ import annotations

import mongoengine as me

from webapp.crypto import EncryptedStringField

TYPES = ("credit", "debit")
NOTIFICATION_STATUSES = ("pending", "sending", "sent", "delivered", "undelivered", "failed", "skipped")


class Transaction(me.Document):
    user_id = me.ObjectIdField(required=True)
    full_name = EncryptedStringField(required=True, max_length=200)  # sealed (webapp.crypto)
    transaction_date = me.DateTimeField(required=True)
    amount_cents = me.LongField(required=True, min_value=1)
    transaction_type = me.StringField(required=True, choices=TYPES)
    currency = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    version = me.IntField(required=True, default=1)
    deleted = me.BooleanField(default=False)
    stats_version = me.IntField(default=0)
    stats_applied = me.DictField(null=True)
    stats_pending = me.DictField(null=True)
    stats_dirty_at = me.DateTimeField(null=True)  # set by writes, removed once counted (outbox)
    notification = me.DictField()

    meta = {
        "collection": "transactions",
        "indexes": [
            # A user's list, newest first (the _id suffix serves the tie-break sort), reconcile, delete.
            {"fields": ["user_id", "-transaction_date", "-id"]},
            {"fields": ["notification.status", "notification.due_at"]},  # SMS sweeper (pending, no live task)
            {"fields": ["notification.status", "notification.updated_at"]},  # SMS sweeper (stuck sending)
            {"fields": ["notification.message_sid"], "sparse": True},  # delivery receipts
            {"fields": ["stats_dirty_at"], "sparse": True},  # statistics outbox sweep
        ],
    }


class UserStats(me.Document):
    """All-time totals of one user; `events` holds the last applied event ids (idempotency)."""

    user_id = me.ObjectIdField(primary_key=True)
    count = me.LongField(default=0)
    credit_cents = me.LongField(default=0)
    debit_cents = me.LongField(default=0)
    events = me.ListField(me.StringField())

    meta = {"collection": "user_stats"}


class DayBucket(me.Document):
    """One user's figures for one UTC day; `_id` is "<user_id>:<YYYY-MM-DD>"."""

    id = me.StringField(primary_key=True)
    user_id = me.ObjectIdField(required=True)
    day = me.StringField(required=True)  # YYYY-MM-DD, sorts as a date
    count = me.LongField(default=0)
    credit_cents = me.LongField(default=0)
    debit_cents = me.LongField(default=0)
    events = me.ListField(me.StringField())

    meta = {
        "collection": "user_day_stats",
        "indexes": [
            {"fields": ["user_id", "day"]},  # range reads
            {"fields": ["user_id", "-count", "day"]},  # busiest day of all time
        ],
    }
