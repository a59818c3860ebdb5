"""The store of a transaction's derived figures: the only code that touches `user_stats` (a user's
all-time totals) and `user_day_stats` (a user's per-day buckets). Part of the transactions
aggregate's store (`webapp.transactions.store` holds the transactions themselves); split only to
keep each module small.

Every operation is one atomic single-document operation unless its docstring says otherwise.
Statistics events are applied with a guard on `events` (the last KEEP_EVENTS event ids), so a
redelivered event changes each figure document once.
"""

from __future__ import annotations

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from webapp.transactions.models import DayBucket, UserStats

KEEP_EVENTS = 200  # statistics event ids remembered per figure document


def _totals():
    return UserStats._get_collection()


def _buckets():
    return DayBucket._get_collection()


def _event_update(event: str, delta: tuple) -> dict:
    return {
        "$inc": {"count": delta[0], "credit_cents": delta[1], "debit_cents": delta[2]},
        "$push": {"events": {"$each": [event], "$slice": -KEEP_EVENTS}},
    }


def open_totals(user_id: ObjectId) -> None:
    """Create a user's zero totals if absent. Atomic (upsert with $setOnInsert)."""
    _totals().update_one(
        {"_id": user_id},
        {"$setOnInsert": {"count": 0, "credit_cents": 0, "debit_cents": 0, "events": []}},
        upsert=True,
    )


def apply_totals_event(user_id: ObjectId, event: str, delta: tuple) -> bool:
    """Add `delta` to the user's totals once per `event`; False when the user has no totals (deleted).
    Atomic (conditional $inc guarded by `events != event`); never creates totals."""
    done = _totals().update_one({"_id": user_id, "events": {"$ne": event}}, _event_update(event, delta))
    return bool(done.matched_count) or _totals().count_documents({"_id": user_id}, limit=1) == 1


def apply_stats_event(user_id: ObjectId, day: str, event: str, delta: tuple) -> None:
    """Add `delta` to the user's bucket of `day` once per `event`, creating the bucket. Atomic
    (guarded upsert); a duplicate-key error of two racing upserts is resolved by one more guarded
    update, a no-op when the bucket already holds the event."""
    guard = {"_id": f"{user_id}:{day}", "events": {"$ne": event}}
    try:
        _buckets().update_one(
            guard, {**_event_update(event, delta), "$setOnInsert": {"user_id": user_id, "day": day}}, upsert=True
        )
    except DuplicateKeyError:
        # The bucket exists: it holds this event already, or another event's upsert created it a
        # moment ago (MongoDB does not retry an upsert whose filter has `$ne`). Apply without upsert.
        _buckets().update_one(guard, _event_update(event, delta))


def totals(user_id: ObjectId) -> dict:
    """All-time {count, credit_cents, debit_cents} of a user (zeros when absent). One read."""
    row = _totals().find_one({"_id": user_id}, {"events": 0}) or {}
    return {k: row.get(k, 0) for k in ("count", "credit_cents", "debit_cents")}


def has_totals(user_id: ObjectId) -> bool:
    """Whether the user has totals, i.e. an open account. One read (by _id)."""
    return _totals().count_documents({"_id": user_id}, limit=1) == 1


def balances(user_ids: list) -> dict:
    """{user_id: credit - debit cents} for the given users, one read (absent users omitted)."""
    if not user_ids:
        return {}
    rows = _totals().find({"_id": {"$in": list(user_ids)}}, {"credit_cents": 1, "debit_cents": 1})
    return {row["_id"]: row.get("credit_cents", 0) - row.get("debit_cents", 0) for row in rows}


def set_totals(user_id: ObjectId, figures: dict) -> None:
    """Overwrite a user's totals (reconciliation). Atomic (upsert)."""
    _totals().update_one({"_id": user_id}, {"$set": figures}, upsert=True)


def set_bucket(user_id: ObjectId, day: str, figures: dict) -> None:
    """Overwrite a user's bucket of `day` (reconciliation). Atomic (upsert)."""
    _buckets().update_one(
        {"_id": f"{user_id}:{day}"}, {"$set": {**figures, "user_id": user_id, "day": day}}, upsert=True
    )


def buckets(user_id: ObjectId, first: str | None = None, last: str | None = None) -> list[dict]:
    """A user's day buckets, ascending days, optionally within [first, last] (YYYY-MM-DD). One read
    (index `user_id, day`)."""
    query: dict = {"user_id": user_id}
    if first is not None or last is not None:
        query["day"] = {k: v for k, v in (("$gte", first), ("$lte", last)) if v is not None}
    fields = {"day": 1, "count": 1, "credit_cents": 1, "debit_cents": 1}
    return list(_buckets().find(query, fields).sort("day", 1))


def active_days(user_id: ObjectId) -> int:
    """How many days the user has transactions on. One count (index `user_id, -count, day`)."""
    return _buckets().count_documents({"user_id": user_id, "count": {"$gt": 0}})


def busiest_bucket(user_id: ObjectId) -> dict | None:
    """The user's day with most transactions (earliest on a tie). One read (index `user_id, -count, day`)."""
    rows = _buckets().find({"user_id": user_id, "count": {"$gt": 0}}, {"day": 1, "count": 1})
    return next(iter(rows.sort([("count", -1), ("day", 1)]).limit(1)), None)


def close_totals(user_id: ObjectId) -> None:
    """Remove a user's totals and day buckets. Not atomic (two deletes)."""
    _totals().delete_one({"_id": user_id})
    _buckets().delete_many({"user_id": user_id})


def account_ids() -> list[ObjectId]:
    """Every user with totals (an open account). One read (by _id)."""
    return [row["_id"] for row in _totals().find({}, {"_id": 1})]
