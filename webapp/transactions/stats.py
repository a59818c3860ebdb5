"""Per-user statistics, maintained incrementally, exactly once per event, and reconciled.

Figures: `user_stats` (all-time count, credit and debit cents per user) and `user_day_stats` (the
same per UTC day). Every write to a transaction bumps its `version`; `apply_transaction` then moves
the statistics from the snapshot they count (`stats_applied`, version `stats_version`) to the
current one, as an *event* `"<txn>:<from>><to>"`:

1. claim: record the event in `stats_pending` with a conditional update (`stats_version` unchanged
   and nothing pending), so two workers never build two different events for one change;
2. apply the event's deltas with one atomic `$inc` per figure document (totals, and each touched
   day), each guarded by `events != <event>` and pushing the event id (the last `KEEP_EVENTS`), so a
   redelivered or resumed event changes every figure once;
3. finalize: `stats_version`, `stats_applied` := the event's target, `stats_pending` := null,
   `stats_dirty_at` (set by every write) removed unless a newer write came in; a soft-deleted
   transaction is removed for good.

A crash anywhere leaves either nothing claimed or a pending event that the next run (redelivery,
another write's task, or reconciliation) resumes at step 2. The work per event is a fixed handful
of single-document operations, independent of the user's history. Writes whose task could not be
enqueued keep `stats_dirty_at`; the outbox sweeper re-enqueues them (`sweep_dirty`).
Reconciliation recomputes from the transactions, repairs drift and logs it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from webapp.ids import object_id
from webapp.transactions.models import DayBucket, Transaction, UserStats
from webapp.transactions.money import format_cents  # noqa: F401  (re-exported for users)

log = logging.getLogger(__name__)

KEEP_EVENTS = 200  # event ids remembered per figure document
_FIELDS = ("user_id", "transaction_date", "amount_cents", "transaction_type", "version")
_STATE = ("deleted", "stats_version", "stats_applied", "stats_pending")


def _projection() -> dict:
    """A new projection per query: a driver may mutate it (never share one between threads)."""
    return dict.fromkeys(_FIELDS + _STATE, 1)


def day_of(moment: datetime) -> str:
    return moment.date().isoformat()  # always YYYY-MM-DD (strftime drops zero padding before year 1000)


def snapshot(doc: dict) -> dict | None:
    """What a transaction contributes to the figures (None once deleted)."""
    if doc.get("deleted"):
        return None
    return {"day": day_of(doc["transaction_date"]), "type": doc["transaction_type"], "cents": doc["amount_cents"]}


def _vector(snap: dict | None, sign: int = 1) -> tuple[int, int, int]:
    if snap is None:
        return (0, 0, 0)
    credit = snap["cents"] if snap["type"] == "credit" else 0
    return (sign, sign * credit, sign * (snap["cents"] - credit))


def deltas(old: dict | None, new: dict | None) -> tuple[tuple, dict]:
    """(totals delta, {day: delta}) moving the figures from `old` to `new`; zero deltas dropped."""
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for snap, sign in ((old, -1), (new, 1)):
        if snap is not None:
            days[snap["day"]] = [a + b for a, b in zip(days[snap["day"]], _vector(snap, sign), strict=True)]
    totals = tuple(sum(d[i] for d in days.values()) for i in range(3))
    return totals, {day: tuple(d) for day, d in days.items() if any(d)}


def _update(event: str, delta: tuple) -> dict:
    return {
        "$inc": {"count": delta[0], "credit_cents": delta[1], "debit_cents": delta[2]},
        "$push": {"events": {"$each": [event], "$slice": -KEEP_EVENTS}},
    }


def _inc(collection, key, event: str, delta: tuple, on_insert: dict) -> None:
    guard = {"_id": key, "events": {"$ne": event}}
    try:
        collection.update_one(guard, {**_update(event, delta), "$setOnInsert": on_insert}, upsert=True)
    except DuplicateKeyError:
        # The document exists: either it already holds this event (applied before), or another
        # event's upsert created it a moment ago (MongoDB does not retry upserts on a `$ne` filter).
        # Apply once more without upsert; the guard makes it a no-op in the first case.
        collection.update_one(guard, _update(event, delta))


def init_user(user_id: ObjectId) -> None:
    """Create a new user's (zero) totals. Events never create totals, so a statistics task still
    running when its user is deleted cannot bring the deleted figures back."""
    UserStats._get_collection().update_one(
        {"_id": user_id},
        {"$setOnInsert": {"count": 0, "credit_cents": 0, "debit_cents": 0, "events": []}},
        upsert=True,
    )


def apply_event(pending: dict) -> None:
    """Step 2: the event's deltas, one guarded atomic `$inc` per figure document."""
    user_id, event = pending["user_id"], pending["event"]
    totals, days = deltas(pending["old"], pending["new"])
    if any(totals):
        coll = UserStats._get_collection()
        done = coll.update_one({"_id": user_id, "events": {"$ne": event}}, _update(event, totals))
        if not done.matched_count and coll.count_documents({"_id": user_id}, limit=1) == 0:
            return  # the user was deleted meanwhile (rare path: one extra read)
    buckets = DayBucket._get_collection()
    for day, delta in sorted(days.items()):
        _inc(buckets, f"{user_id}:{day}", event, delta, {"user_id": user_id, "day": day})


def claim_event(oid: ObjectId) -> tuple[str, dict | None]:
    """Step 1: the pending event of transaction `oid` (claimed now, or left by an earlier run).
    Returns (state, event): ("pending", event), ("current", None), ("gone", None), ("raced", None)."""
    coll = Transaction._get_collection()
    doc = coll.find_one({"_id": oid}, _projection())
    if doc is None:
        return "gone", None
    if doc.get("stats_pending") is not None:
        return "pending", doc["stats_pending"]
    applied_version = doc.get("stats_version") or 0
    if applied_version >= doc["version"]:
        return "current", None
    pending = {
        "event": f"{oid}:{applied_version}>{doc['version']}",
        "user_id": doc["user_id"],
        "to": doc["version"],
        "old": doc.get("stats_applied"),
        "new": snapshot(doc),
    }
    claim = coll.update_one(
        {"_id": oid, "stats_version": doc.get("stats_version"), "stats_pending": None},
        {"$set": {"stats_pending": pending}},
    )
    if not claim.modified_count:
        return "raced", None  # another run claimed this change; it (or its redelivery) applies it
    return "pending", pending


def finalize_event(oid: ObjectId, pending: dict) -> None:
    """Step 3: record the event as counted (a counted deletion removes the document for good)."""
    coll = Transaction._get_collection()
    done = {"$set": {"stats_version": pending["to"], "stats_applied": pending["new"], "stats_pending": None}}
    # Clear the outbox marker only when no newer write came in meanwhile (one operation normally).
    cleared = coll.update_one(
        {"_id": oid, "stats_pending.event": pending["event"], "version": pending["to"]},
        {**done, "$unset": {"stats_dirty_at": ""}},
    )
    if not cleared.matched_count:
        coll.update_one({"_id": oid, "stats_pending.event": pending["event"]}, done)
    if pending["new"] is None:
        coll.delete_one({"_id": oid, "deleted": True, "version": pending["to"]})


def apply_transaction(transaction_id: str) -> str:
    """Bring the figures up to date with transaction `transaction_id`. Idempotent; returns what it
    did: "applied", "current" (nothing to do) or "gone" (no such transaction). When another run
    claimed the change a moment ago, the claim is read back and applied here too (applying is
    guarded per event, so the figures move once), so on return the figures include this change."""
    oid = object_id(transaction_id)
    if oid is None:
        return "gone"
    state, pending = claim_event(oid)
    if state == "raced":
        state, pending = claim_event(oid)  # now sees the other run's pending event (or "current")
    if pending is None:
        return state
    apply_event(pending)
    finalize_event(oid, pending)
    return "applied"


def sweep_dirty(grace_seconds: int, limit: int = 500) -> int:
    """Re-publish the statistics task of transactions written more than `grace_seconds` ago whose
    change is still not counted (its publish failed, e.g. Redis down), over one broker connection.
    Returns how many were published."""
    from webapp import outbox

    before = datetime.now(UTC) - timedelta(seconds=grace_seconds)
    rows = Transaction._get_collection().find({"stats_dirty_at": {"$lte": before}}, {"_id": 1}).limit(limit)
    return outbox.enqueue_many("transactions.apply_stats", [((str(row["_id"]),), {}) for row in rows])


def balances(user_ids: list) -> dict:
    """{user_id: balance cents} for the given users, one query (absent users: 0)."""
    if not user_ids:
        return {}
    rows = UserStats._get_collection().find({"_id": {"$in": list(user_ids)}}, {"credit_cents": 1, "debit_cents": 1})
    return {row["_id"]: row.get("credit_cents", 0) - row.get("debit_cents", 0) for row in rows}


def totals(user_id: ObjectId) -> dict:
    row = UserStats._get_collection().find_one({"_id": user_id}, {"events": 0}) or {}
    return {k: row.get(k, 0) for k in ("count", "credit_cents", "debit_cents")}
