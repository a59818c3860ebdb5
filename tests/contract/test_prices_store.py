"""Contract of `webapp.prices.store`: the history, its newest entry and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import Decimal128

from tests.contract.support import assert_indexed, race
from webapp.prices import store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _quote(at: datetime) -> dict:
    return {"source": "coingecko", "fetched_at": at, "rates": {c: Decimal128("60000.5") for c in ("EUR", "GBP", "USD")}}


def test_concurrent_appends_and_the_newest_quote(app):
    """Relies on: each insert is atomic and independent; the newest entry is the maximum fetched_at."""
    race(lambda i: store.append_quote(_quote(T0 + timedelta(minutes=i))))
    newest = store.newest_quote()
    assert newest["fetched_at"] == T0 + timedelta(minutes=15)
    assert newest["rates"]["EUR"].to_decimal() == Decimal128("60000.5").to_decimal()


def test_retention_deletes_exactly_the_old_quotes_once(app):
    """Relies on: `delete_many` removes each matching document once, so concurrent prunes together
    report every old quote exactly once and keep every newer one."""
    for day in range(30):
        store.append_quote(_quote(T0 + timedelta(days=day)))
    cutoff = T0 + timedelta(days=20)
    results = race(lambda i: store.delete_quotes_before(cutoff), threads=4)
    assert sum(results) == 20
    assert store.newest_quote()["fetched_at"] == T0 + timedelta(days=29)
    assert store.delete_quotes_before(cutoff) == 0


@pytest.mark.real_mongo
def test_price_queries_use_the_fetched_at_index(app):
    """Relies on: the -fetched_at index serving both the newest-first lookup (no SORT) and the range."""
    for minute in range(10):
        store.append_quote(_quote(T0 + timedelta(minutes=minute)))
    assert_indexed("btc_price_history", {}, [("fetched_at", -1)], limit=1)
    assert_indexed("btc_price_history", {"fetched_at": {"$lt": T0 + timedelta(minutes=5)}})
