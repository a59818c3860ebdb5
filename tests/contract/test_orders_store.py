"""Contract of `webapp.orders.store`: the cap ledger, idempotency claims and keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import Decimal128, ObjectId

from tests.contract.support import THREADS, assert_indexed, race
from webapp.orders import store
from webapp.orders.models import CapLedger


def test_reservations_racing_never_pass_the_cap(app):
    """Relies on: a single-document update with a filter (`sold_sat <= cap - n`, `$inc`) is atomic, and
    an upsert on `_id` creates one document (the first reservation creates the ledger)."""
    results = race(lambda i: store.reserve_satoshis(30, 100))
    assert results.count(True) == 3 and results.count(False) == THREADS - 3, results
    assert store.ledger()["sold_sat"] == 90 and store.ledger()["orders"] == 3


def test_reservations_and_releases_racing_keep_the_ledger_exact(app):
    """Relies on: `$inc` is applied atomically, so concurrent increments and decrements never lose one."""
    store.ensure_ledger()

    def reserve_then_release(i):
        taken = store.reserve_satoshis(7, 10_000)
        if i % 2:
            store.release_satoshis(7)
        return taken

    assert all(result is True for result in race(reserve_then_release))
    assert store.ledger()["sold_sat"] == 7 * (THREADS // 2)


def test_ensure_ledger_racing_creates_one_ledger(app):
    """Relies on: the unique `_id` index; a losing concurrent upsert fails with a duplicate key error,
    which the store treats as "exists"."""
    results = race(lambda i: store.ensure_ledger())
    assert results == [None] * THREADS
    assert CapLedger.objects.count() == 1


def _claim(key: str, now: datetime):
    return store.claim_idempotency_key("scope-1", key, "fp", now, now + timedelta(days=1), now - timedelta(seconds=60))


def test_one_idempotency_claim_wins_a_race(app):
    """Relies on: a unique index (scope, key) lets exactly one of concurrent inserts succeed; the others
    get a duplicate key error (E11000)."""
    now = datetime.now(UTC)
    results = race(lambda i: _claim("same-key", now))
    winners = [r for r in results if isinstance(r, ObjectId)]
    assert len(winners) == 1 and results.count(None) == THREADS - 1, results
    assert store.find_idempotency_record("scope-1", "same-key")["_id"] == winners[0]


def test_an_abandoned_claim_is_taken_over_once(app):
    """Relies on: a conditional `delete_one` removes a matching document at most once across
    concurrent callers, then the unique index admits one new claim."""
    old = datetime.now(UTC) - timedelta(hours=1)
    assert _claim("abandoned", old) is not None
    now = datetime.now(UTC)
    results = race(lambda i: _claim("abandoned", now))
    assert len([r for r in results if isinstance(r, ObjectId)]) == 1, results


def _orders(count: int) -> list[dict]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    docs = []
    for n in range(count):
        docs.append(
            {
                "_id": ObjectId(),
                "amount": Decimal128("1.00"),
                "currency": "EUR",
                "exchange_rate": Decimal128("50000"),
                "btc_amount": Decimal128("0.00002000"),
                "btc_sat": 2000,
                "rate_source": "coingecko",
                "rate_fetched_at": base,
                "api_key_id": "k",
                "created_at": base + timedelta(seconds=n // 3),  # three orders per instant: ties
            }
        )
    return docs


def test_keyset_pages_cover_every_order_once_in_order(app):
    """Relies on: a range on the compound (created_at, _id) key is exact under ties, so consecutive
    pages neither skip nor repeat an order."""
    docs = _orders(25)
    for doc in docs:
        store.insert_order(doc)
    seen, after = [], None
    while True:
        page = store.orders_page(after, 7)
        if not page:
            break
        seen += page
        after = (page[-1]["created_at"], page[-1]["_id"])
    expected = sorted(docs, key=lambda d: (d["created_at"], d["_id"]), reverse=True)
    assert [d["_id"] for d in seen] == [d["_id"] for d in expected]


@pytest.mark.real_mongo
def test_order_queries_use_indexes_without_a_sort_stage(app):
    """Relies on: the (-created_at, -_id) index serving the keyset range and its order (no SORT stage),
    the `_id` index for one order and the unique (scope, key) index for idempotency records."""
    for doc in _orders(30):
        store.insert_order(doc)
    created_at, oid = datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC), ObjectId()
    keyset = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": oid}}]}
    newest = [("created_at", -1), ("_id", -1)]
    assert_indexed("btc_orders", {}, newest, limit=8)
    assert_indexed("btc_orders", keyset, newest, limit=8)
    assert_indexed("btc_orders", {"_id": oid})
    _claim("plan", datetime.now(UTC))
    assert_indexed("idempotency_keys", {"scope": "scope-1", "key": "plan"})
