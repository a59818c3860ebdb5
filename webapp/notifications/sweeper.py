"""The SMS outbox sweeper (beat): publishes the task of every notification that has none live.

- `pending` with `due_at` older than NOTIFICATION_PENDING_GRACE_SECONDS (its task was never
  published, or was lost) and past any retry backoff (`retry_at`): published again.
- `sending` past NOTIFICATION_STUCK_SECONDS with no timeout recorded (the worker died before
  recording an outcome): put back to `pending` and published, bounded by the attempt limit.
  A send that timed out after reaching Twilio (`error_code` "timeout") is never put back: Twilio
  may have the message, so only a delivery receipt moves it on.

Each publish is a compare-and-set on `notification.publishes` (and stamps `due_at`), so two
sweepers, or a sweeper racing the statistics step, never publish two tasks for one notification.
The statistics outbox has its own sweeper (`webapp.transactions.stats.sweep_dirty`).
"""

from __future__ import annotations

from datetime import timedelta

from webapp import outbox
from webapp.clock import utcnow
from webapp.settings import current as current_settings
from webapp.transactions import store

TASK = "notifications.send_sms"


def sweep(limit: int = 500) -> dict:
    cfg = current_settings()
    now = utcnow()
    due_before = now - timedelta(seconds=int(cfg.transactions.NOTIFICATION_PENDING_GRACE_SECONDS))
    stuck_before = now - timedelta(seconds=int(cfg.transactions.NOTIFICATION_STUCK_SECONDS))
    chosen = [
        row["_id"]
        for row in store.lost_sms(due_before, now, limit)
        if store.republish_sms(row["_id"], row["publishes"], row["due_at"], now)
    ]
    reclaimed = [
        row["_id"]
        for row in store.stuck_sms(stuck_before, limit)
        if store.reclaim_stuck_sms(row["_id"], row["attempts"], now)
    ]
    enqueued = outbox.enqueue_many(TASK, [((str(oid),), {}) for oid in chosen + reclaimed])
    return {"enqueued": enqueued, "reclaimed": len(reclaimed)}
