"""The database readings behind the state gauges: one function each, over the domains' services.
Each needs an app context and returns plain values (floats, dicts)."""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.assets.services import last_success_at
from webapp.money import CURRENCIES
from webapp.notifications.services import count_by_status
from webapp.orders.services import summary
from webapp.prices.services import latest_quote
from webapp.transactions.models import NOTIFICATION_STATUSES


def sms_counts() -> dict[str, int]:
    """Transactions per SMS state; every known state is present (0 when none)."""
    counts = count_by_status()
    return {status: counts.get(status, 0) for status in NOTIFICATION_STATUSES}


def latest_quote_time() -> tuple[datetime, tuple[str, ...]] | None:
    """When the latest BTC quote was fetched, and its currencies; None before the first refresh."""
    quote = latest_quote()
    if not quote:
        return None
    fetched_at = quote["fetched_at"]
    if isinstance(fetched_at, str):
        fetched_at = datetime.fromisoformat(fetched_at)
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    return fetched_at, tuple(c for c in CURRENCIES if c in quote.get("rates", {}))


def cap_remaining_btc() -> float:
    """BTC left under the cap (a gauge is a float; the exact figure is in /api/v1/orders/summary)."""
    return float(summary()["remaining_btc"])


def last_ingestion_success() -> float | None:
    finished = last_success_at()
    if finished is None:
        return None
    return (finished if finished.tzinfo else finished.replace(tzinfo=UTC)).timestamp()
