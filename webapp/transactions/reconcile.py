"""Reconciliation: recompute a user's figures from its transactions and repair any drift.

Runs periodically (`transactions.reconcile_stats`) and on demand (`manage.py reconcile-stats`). For
each account it first finishes statistics events left unapplied (a lost task, a crash, Redis down
during a write), then recomputes totals and day buckets from the live transactions and overwrites
whatever differs, logging each repair. This is the one place that scans a user's history.

Known window: a statistics task that is between its claim and its `$inc` while reconciliation
overwrites the same figures can leave a drift; the next reconciliation repairs it.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from bson import ObjectId

from webapp.ids import object_id
from webapp.transactions import figures_store, stats, store

log = logging.getLogger(__name__)


def _expected(user_id: ObjectId) -> tuple[list[int], dict[str, list[int]]]:
    total = [0, 0, 0]
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for doc in store.live_figures(user_id):
        vector = stats.vector(stats.snapshot(doc))
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
    for oid in store.uncounted_ids(user_id):
        stats.apply_transaction(str(oid))

    total, days = _expected(user_id)
    repairs = []
    current = _figures(figures_store.totals(user_id))
    if current != total:
        figures_store.set_totals(user_id, _set(total))
        repairs.append({"user_id": str(user_id), "figure": "totals", "was": current, "now": total})
    stored = {row["day"]: row for row in figures_store.buckets(user_id)}
    for day in sorted(set(stored) | set(days)):
        want, have = days.get(day, [0, 0, 0]), _figures(stored.get(day))
        if want != have:
            figures_store.set_bucket(user_id, day, _set(want))
            repairs.append({"user_id": str(user_id), "figure": day, "was": have, "now": want})
    for repair in repairs:
        log.warning("statistics drift repaired: %s", repair)
    return repairs


def reconcile(user_id: str | None = None) -> dict:
    """Reconcile one account (by user id) or every account. Unknown or malformed id: nothing checked."""
    if user_id is not None:
        oid = object_id(user_id)
        ids = [oid] if oid is not None and figures_store.has_totals(oid) else []
    else:
        ids = figures_store.account_ids()
    repairs = []
    for oid in ids:
        repairs.extend(reconcile_user(oid))
    return {"users_checked": len(ids), "repairs": repairs}
