"""Analytics: read only precomputed figures (totals, or the requested range's day buckets).

Without a range: the all-time totals document plus one index-backed lookup of the busiest bucket
(`user_id, -count, day`). With a range: only that range's buckets (`user_id, day`). The credit score
always uses all-time figures. Figures lag writes by the statistics task's delay.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from webapp.transactions import stats
from webapp.transactions.credit_score import credit_score
from webapp.transactions.models import DayBucket
from webapp.transactions.money import format_cents, mean_cents


def _busiest(rows) -> dict | None:
    best = None
    for row in rows:  # ascending days, so a tie keeps the earliest
        if row.get("count", 0) > 0 and (best is None or row["count"] > best["count"]):
            best = {"date": row["day"], "count": row["count"]}
    return best


def user_analytics(user_id, from_day: date | None, to_day: date | None) -> dict:
    buckets = DayBucket._get_collection()
    all_time = stats.totals(user_id)
    active_days = buckets.count_documents({"user_id": user_id, "count": {"$gt": 0}})
    if from_day is None and to_day is None:
        figures = all_time
        top = list(
            buckets.find({"user_id": user_id, "count": {"$gt": 0}}, {"day": 1, "count": 1})
            .sort([("count", -1), ("day", 1)])
            .limit(1)
        )
        busiest = _busiest(top)
    else:
        day_range = {}
        if from_day is not None:
            day_range["$gte"] = from_day.isoformat()
        if to_day is not None:
            day_range["$lte"] = to_day.isoformat()
        rows = list(
            buckets.find(
                {"user_id": user_id, "day": day_range}, {"day": 1, "count": 1, "credit_cents": 1, "debit_cents": 1}
            ).sort("day", 1)
        )
        figures = {k: sum(r.get(k, 0) for r in rows) for k in ("count", "credit_cents", "debit_cents")}
        busiest = _busiest(rows)
    count, credit, debit = figures["count"], figures["credit_cents"], figures["debit_cents"]
    return {
        "user_id": str(user_id),
        "from_day": from_day,
        "to_day": to_day,
        "transaction_count": count,
        "total_credit": format_cents(credit),
        "total_debit": format_cents(debit),
        "balance": format_cents(credit - debit),
        "average_transaction_value": format(mean_cents(credit + debit, count), "f"),
        "day_with_most_transactions": busiest,
        "credit_score": credit_score(all_time["count"], all_time["credit_cents"], all_time["debit_cents"], active_days),
        "as_of": datetime.now(UTC),
    }
