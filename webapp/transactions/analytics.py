"""Analytics: read only precomputed figures (totals, or the requested range's day buckets).

Without a range: the all-time totals document plus one index-backed lookup of the busiest bucket
(`user_id, -count, day`). With a range: only that range's buckets (`user_id, day`). The credit score
always uses all-time figures. Figures lag writes by the statistics task's delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bson import ObjectId

from webapp.clock import utcnow
from webapp.money import mean_cents
from webapp.transactions import figures_store
from webapp.transactions.credit_score import credit_score

_FIGURES = ("count", "credit_cents", "debit_cents")


@dataclass(frozen=True)
class Analytics:
    """A user's figures over a day range (or all time); amounts in cents, dumped by AnalyticsSchema."""

    user_id: ObjectId
    from_day: date | None
    to_day: date | None
    transaction_count: int
    credit_cents: int
    debit_cents: int
    average_transaction_value: Decimal
    day_with_most_transactions: dict | None
    credit_score: dict
    as_of: datetime

    @property
    def balance_cents(self) -> int:
        return self.credit_cents - self.debit_cents


def _busiest(rows) -> dict | None:
    best = None
    for row in rows:  # ascending days, so a tie keeps the earliest
        if row.get("count", 0) > 0 and (best is None or row["count"] > best["count"]):
            best = {"date": row["day"], "count": row["count"]}
    return best


def user_analytics(user_id: ObjectId, from_day: date | None, to_day: date | None) -> Analytics:
    all_time = figures_store.totals(user_id)
    active_days = figures_store.active_days(user_id)
    if from_day is None and to_day is None:
        figures = all_time
        top = figures_store.busiest_bucket(user_id)
        busiest = _busiest([top] if top else [])
    else:
        rows = figures_store.buckets(
            user_id, from_day.isoformat() if from_day else None, to_day.isoformat() if to_day else None
        )
        figures = {k: sum(r.get(k, 0) for r in rows) for k in _FIGURES}
        busiest = _busiest(rows)
    count, credit, debit = figures["count"], figures["credit_cents"], figures["debit_cents"]
    return Analytics(
        user_id=user_id,
        from_day=from_day,
        to_day=to_day,
        transaction_count=count,
        credit_cents=credit,
        debit_cents=debit,
        average_transaction_value=mean_cents(credit + debit, count),
        day_with_most_transactions=busiest,
        credit_score=credit_score(all_time["count"], all_time["credit_cents"], all_time["debit_cents"], active_days),
        as_of=utcnow(),
    )
