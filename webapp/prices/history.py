"""BTC price history as OHLC points per interval, from the stored quotes (`btc_price_history`).

Contract: `ohlc(currency, start, end, interval)` reads the quotes with `start <= fetched_at < end`
(one range scan on the `-fetched_at` index, only the time and the one rate projected) and returns
one point per interval bucket that holds a quote, oldest first: `at` is the bucket's start (aligned
to the Unix epoch, so 1h buckets start on the hour), `open`/`close` the first/last quote's rate,
`high`/`low` the extremes, all exact decimal strings. Empty buckets are left out. A range needing
more than MAX_POINTS buckets is refused (422) before anything is read.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from webapp.errors import Invalid
from webapp.prices import store

INTERVALS = {"1m": 60, "5m": 300, "1h": 3600, "1d": 86400}
MAX_POINTS = 2000
DEFAULT_SPAN = timedelta(hours=24)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def resolve_range(start: datetime | None, end: datetime | None, interval: str) -> tuple[datetime, datetime]:
    """The requested range with its defaults (the last 24 h, up to now); 422 when empty or too long."""
    end = end or (start + DEFAULT_SPAN if start else datetime.now(UTC))
    start = start or end - DEFAULT_SPAN
    if start >= end:
        raise Invalid("'from' must be before 'to'.", errors={"query": {"from": ["Must be before 'to'."]}})
    points = math.ceil((end - start).total_seconds() / INTERVALS[interval])
    if points > MAX_POINTS:
        raise Invalid(
            f"The range holds {points} intervals of {interval}; at most {MAX_POINTS} per request.",
            errors={"query": {"from": [f"At most {MAX_POINTS} points: move 'from' nearer 'to' or widen interval."]}},
        )
    return start, end


def ohlc(currency: str, start: datetime, end: datetime, interval: str) -> list[dict]:
    seconds = INTERVALS[interval]
    rows = store.quotes_between(start, end, currency)
    points: list[dict] = []
    current_bucket = None
    for row in rows:
        rate = (row.get("rates") or {}).get(currency)
        if rate is None:
            continue
        value = rate.to_decimal() if hasattr(rate, "to_decimal") else rate
        at = row["fetched_at"] if row["fetched_at"].tzinfo else row["fetched_at"].replace(tzinfo=UTC)
        bucket = int((at - _EPOCH).total_seconds() // seconds)
        if bucket != current_bucket:
            current_bucket = bucket
            points.append(
                {
                    "at": _EPOCH + timedelta(seconds=bucket * seconds),
                    "open": value,
                    "high": value,
                    "low": value,
                    "close": value,
                }
            )
            continue
        point = points[-1]
        point["high"] = max(point["high"], value)
        point["low"] = min(point["low"], value)
        point["close"] = value
    for point in points:
        for key in ("open", "high", "low", "close"):
            point[key] = format(point[key], "f")
    return points


def price_history(currency: str, start: datetime | None, end: datetime | None, interval: str) -> dict:
    start, end = resolve_range(start, end, interval)
    return {
        "currency": currency,
        "interval": interval,
        "start": start,
        "end": end,
        "points": ohlc(currency, start, end, interval),
    }
