"""The only code that touches the BTC price history (`btc_price_history`)."""

from __future__ import annotations

from datetime import datetime

from webapp.prices.models import PriceQuote


def append_quote(doc: dict) -> None:
    """Append one quote (`source`, `fetched_at`, `rates` as Decimal128). Atomic: one insert."""
    PriceQuote._get_collection().insert_one(doc)


def delete_quotes_before(cutoff: datetime) -> int:
    """Delete every quote fetched before `cutoff`; how many went. Each document is deleted at most
    once (one `delete_many`, a range on the fetched_at index), so concurrent prunes never double count."""
    return PriceQuote._get_collection().delete_many({"fetched_at": {"$lt": cutoff}}).deleted_count


def newest_quote() -> dict | None:
    """The most recent quote, or None. The first entry of the -fetched_at index."""
    return PriceQuote._get_collection().find_one({}, sort=[("fetched_at", -1)])


def quotes_between(start: datetime, end: datetime, currency: str):
    """Quotes with `start <= fetched_at < end`, oldest first, projecting the time and one rate
    (`currency` is one of the validated codes, never user text as a field name); a range scan on the
    fetched_at index."""
    return (
        PriceQuote._get_collection()
        .find({"fetched_at": {"$gte": start, "$lt": end}}, {"fetched_at": 1, f"rates.{currency}": 1, "_id": 0})
        .sort("fetched_at", 1)
    )
