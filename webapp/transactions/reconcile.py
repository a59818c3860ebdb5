"""Reconciliation: recompute a user's figures from its transactions and repair any drift.

Runs periodically (`transactions.reconcile_stats`) and on demand (`manage.py reconcile-stats`). For
each user it first finishes statistics events left unapplied (a lost task, a crash, Redis down
during a write), then recomputes totals and day buckets from the live transactions and overwrites
whatever differs, logging each repair. This is the one place that scans a user's history.

Known window: a statistics task that is between its claim and its `$inc` while reconciliation
overwrites the same figures can leave a drift; the next reconciliation repairs it.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from bson import ObjectId

from webapp.transactions import stats
from webapp.transactions.models import DayBucket, Transaction, UserStats
from webapp.users.models import User

log = logging.getLogger(__name__)


def _expected(user_id: ObjectId) -> tuple[list[int], dict[str, list[int]]]:
    total = [0, 0, 0]
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    query = {"user_id": user_id, "deleted": {"$ne": True}}
    for doc in Transaction._get_collection().find(
        query, {"transaction_date": 1, "amount_cents": 1, "transaction_type": 1}
    ):
        vector = stats._vector(stats.snapshot(doc))
        day = days[stats.day_of(doc["transaction_date"])]
        for i in range(3):
            total[i] += vector[i]
            day[i] += vector[i]
    return total, days


def _figures(row: dict | None) -> list[int]:
    row = row or {}
    return [row.get("count", 0), row.get("credit_cents", 0), row.get("debit_cents", 0)]


def _set(values: list[int]) -> dict:
    return {"count": values[0], "credit_cents": values[1], "debit_cents": values[2]}


def reconcile_user(user_id: ObjectId) -> list[dict]:
    """Repair one user's figures; returns the repairs made (empty when none drifted)."""
    unapplied = Transaction._get_collection().find(
        {"user_id": user_id, "$or": [{"stats_pending": {"$ne": None}}, {"deleted": True}]}, {"_id": 1}
    )
    for doc in unapplied:
        stats.apply_transaction(str(doc["_id"]))
    for doc in Transaction._get_collection().find({"user_id": user_id}, {"_id": 1, "version": 1, "stats_version": 1}):
        if (doc.get("stats_version") or 0) < doc["version"]:
            stats.apply_transaction(str(doc["_id"]))

    total, days = _expected(user_id)
    repairs = []
    totals_coll, buckets = UserStats._get_collection(), DayBucket._get_collection()
    current = _figures(totals_coll.find_one({"_id": user_id}))
    if current != total:
        totals_coll.update_one({"_id": user_id}, {"$set": _set(total)}, upsert=True)
        repairs.append({"user_id": str(user_id), "figure": "totals", "was": current, "now": total})
    stored = {row["day"]: row for row in buckets.find({"user_id": user_id}, {"events": 0})}
    for day in sorted(set(stored) | set(days)):
        want, have = days.get(day, [0, 0, 0]), _figures(stored.get(day))
        if want != have:
            buckets.update_one(
                {"_id": f"{user_id}:{day}"}, {"$set": {**_set(want), "user_id": user_id, "day": day}}, upsert=True
            )
            repairs.append({"user_id": str(user_id), "figure": day, "was": have, "now": want})
    for repair in repairs:
        log.warning("statistics drift repaired: %s", repair)
    return repairs


def reconcile(user_id: str | None = None) -> dict:
    """Reconcile one user (by id) or every user. Unknown or malformed id: nothing checked."""
    if user_id is not None:
        try:
            ids = [ObjectId(user_id)] if User.objects(id=ObjectId(user_id)).count() else []
        except Exception:
            ids = []
    else:
        ids = [row["_id"] for row in User._get_collection().find({}, {"_id": 1})]
    repairs = []
    for oid in ids:
        repairs.extend(reconcile_user(oid))
    return {"users_checked": len(ids), "repairs": repairs}
