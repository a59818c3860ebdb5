"""The SMS outbox sweeper (beat): publishes the task of every notification that has none live.

- `pending` with `due_at` older than NOTIFICATION_PENDING_GRACE_SECONDS (its task was never
  published, or was lost) and past any retry backoff (`retry_at`): published again.
- `sending` past NOTIFICATION_STUCK_SECONDS with no timeout recorded (the worker died before
  recording an outcome): put back to `pending` and published, bounded by the attempt limit.
  A send that timed out after reaching Twilio (`error_code` "timeout") is never put back: Twilio
  may have the message, so only a delivery receipt moves it on.

Each publish is a compare-and-set on `notification.publishes` (and stamps `due_at`), so two
sweepers, or a sweeper racing the statistics step, never publish two tasks for one notification.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from webapp import outbox
from webapp.notifications.models import Transaction

TASK = "notifications.send_sms"


def sweep(limit: int = 500) -> dict:
    cfg = current_app.config
    coll = Transaction._get_collection()
    now = datetime.now(UTC)
    due_before = now - timedelta(seconds=int(cfg["NOTIFICATION_PENDING_GRACE_SECONDS"]))
    stuck_before = now - timedelta(seconds=int(cfg["NOTIFICATION_STUCK_SECONDS"]))
    chosen = []
    lost = coll.find(
        {
            "notification.status": "pending",
            "notification.due_at": {"$not": {"$gt": due_before}},
            "notification.retry_at": {"$not": {"$gt": now}},
            "deleted": False,
        },
        {"_id": 1, "notification.publishes": 1, "notification.due_at": 1},
    ).limit(limit)
    for doc in lost:
        note = doc.get("notification") or {}
        taken = coll.update_one(
            {
                "_id": doc["_id"],
                "notification.status": "pending",
                "notification.publishes": note.get("publishes"),
                "notification.due_at": note.get("due_at"),
            },
            {"$set": {"notification.due_at": now}, "$inc": {"notification.publishes": 1}},
        )
        if taken.modified_count:
            chosen.append(doc["_id"])
    reclaimed = 0
    stuck = coll.find(
        {
            "notification.status": "sending",
            "notification.updated_at": {"$lte": stuck_before},
            "notification.error_code": {"$ne": "timeout"},
        },
        {"_id": 1, "notification.attempts": 1},
    ).limit(limit)
    for doc in stuck:
        back = coll.update_one(
            {
                "_id": doc["_id"],
                "notification.status": "sending",
                "notification.attempts": doc["notification"]["attempts"],
            },
            {
                "$set": {"notification.status": "pending", "notification.updated_at": now, "notification.due_at": now},
                "$inc": {"notification.publishes": 1},
            },
        )
        if back.modified_count:
            reclaimed += 1
            chosen.append(doc["_id"])
    enqueued = outbox.enqueue_many(TASK, [((str(oid),), {}) for oid in chosen])
    return {"enqueued": enqueued, "reclaimed": reclaimed}
