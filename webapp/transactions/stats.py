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
of single-document operations (store operations `claim_stats_event`, `apply_totals_event`,
`apply_stats_event`, `finish_stats_event`), independent of the user's history. Writes whose task could not be
enqueued keep `stats_dirty_at`; the outbox sweeper re-enqueues them (`sweep_dirty`).
Reconciliation recomputes from the transactions, repairs drift and logs it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from bson import ObjectId

from webapp import outbox
from webapp.clock import utcnow
from webapp.ids import object_id
from webapp.transactions import figures_store, store

log = logging.getLogger(__name__)


def day_of(moment: datetime) -> str:
    return moment.date().isoformat()  # always YYYY-MM-DD (strftime drops zero padding before year 1000)


def snapshot(doc: dict) -> dict | None:
    """What a transaction contributes to the figures (None once deleted)."""
    if doc.get("deleted"):
        return None
    return {"day": day_of(doc["transaction_date"]), "type": doc["transaction_type"], "cents": doc["amount_cents"]}


def vector(snap: dict | None, sign: int = 1) -> tuple[int, int, int]:
    """(count, credit cents, debit cents) that snapshot `snap` adds (`sign` 1) or removes (-1)."""
    if snap is None:
        return (0, 0, 0)
    credit = snap["cents"] if snap["type"] == "credit" else 0
    return (sign, sign * credit, sign * (snap["cents"] - credit))


def deltas(old: dict | None, new: dict | None) -> tuple[tuple, dict]:
    """(totals delta, {day: delta}) moving the figures from `old` to `new`; zero deltas dropped."""
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for snap, sign in ((old, -1), (new, 1)):
        if snap is not None:
            days[snap["day"]] = [a + b for a, b in zip(days[snap["day"]], vector(snap, sign), strict=True)]
    totals = tuple(sum(d[i] for d in days.values()) for i in range(3))
    return totals, {day: tuple(d) for day, d in days.items() if any(d)}


def apply_event(pending: dict) -> None:
    """Step 2: the event's deltas, one guarded atomic `$inc` per figure document."""
    user_id, event = pending["user_id"], pending["event"]
    totals, days = deltas(pending["old"], pending["new"])
    if any(totals) and not figures_store.apply_totals_event(user_id, event, totals):
        return  # the user was deleted meanwhile
    for day, delta in sorted(days.items()):
        figures_store.apply_stats_event(user_id, day, event, delta)


def claim_event(oid: ObjectId) -> tuple[str, dict | None]:
    """Step 1: the pending event of transaction `oid` (claimed now, or left by an earlier run).
    Returns (state, event): ("pending", event), ("current", None), ("gone", None), ("raced", None)."""
    doc = store.stats_state(oid)
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
    if not store.claim_stats_event(oid, doc.get("stats_version"), pending):
        return "raced", None  # another run claimed this change; it (or its redelivery) applies it
    return "pending", pending


def finalize_event(oid: ObjectId, pending: dict) -> None:
    """Step 3: record the event as counted (a counted deletion removes the document for good)."""
    store.finish_stats_event(oid, pending)


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
    ids = store.dirty_ids(utcnow() - timedelta(seconds=grace_seconds), limit)
    return outbox.enqueue_many("transactions.apply_stats", [((str(oid),), {}) for oid in ids])
