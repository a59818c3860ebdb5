"""A user's day-by-day figures from the per-day statistics buckets (never a scan of transactions).

Contract: `user_daily(user_id, from_day, to_day)` returns one item per UTC day of the inclusive
range, days without a transaction included (zeros): the day's transaction count, credit and debit
totals and the end-of-day balance. The balance is the all-time balance (the totals document) less
the net of the buckets after each day, so one index range read (`user_id, day >= from`) serves any
range, however long the user's history before it. At most MAX_DAYS days per request (422 beyond);
default: the 30 days ending today. Figures lag writes by the statistics task's delay.
"""

from __future__ import annotations

from datetime import date, timedelta

from webapp.clock import utcnow
from webapp.errors import Invalid
from webapp.money import format_cents
from webapp.transactions import figures_store

MAX_DAYS = 366
DEFAULT_DAYS = 30


def resolve_days(from_day: date | None, to_day: date | None) -> tuple[date, date]:
    today = utcnow().date()
    to_day = to_day or (from_day + timedelta(days=DEFAULT_DAYS - 1) if from_day else today)
    from_day = from_day or to_day - timedelta(days=DEFAULT_DAYS - 1)
    if from_day > to_day:
        raise Invalid("'from' must not be after 'to'.", errors={"query": {"from": ["Must not be after 'to'."]}})
    days = (to_day - from_day).days + 1
    if days > MAX_DAYS:
        raise Invalid(
            f"The range holds {days} days; at most {MAX_DAYS} per request.",
            errors={"query": {"from": [f"At most {MAX_DAYS} days before 'to'."]}},
        )
    return from_day, to_day


def user_daily(user_id, from_day: date | None, to_day: date | None) -> dict:
    from_day, to_day = resolve_days(from_day, to_day)
    by_day = {row["day"]: row for row in figures_store.buckets(user_id, from_day.isoformat())}
    totals = figures_store.totals(user_id)
    later_net = sum(r.get("credit_cents", 0) - r.get("debit_cents", 0) for r in by_day.values())
    balance = totals["credit_cents"] - totals["debit_cents"] - later_net  # at the end of the day before
    items = []
    day = from_day
    while day <= to_day:
        row = by_day.get(day.isoformat(), {})
        credit, debit = row.get("credit_cents", 0), row.get("debit_cents", 0)
        balance += credit - debit
        items.append(
            {
                "date": day,
                "transactions": row.get("count", 0),
                "credit": format_cents(credit),
                "debit": format_cents(debit),
                "balance": format_cents(balance),
            }
        )
        day += timedelta(days=1)
    return {"user_id": str(user_id), "from_day": from_day, "to_day": to_day, "items": items}
