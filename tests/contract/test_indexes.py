"""Indexes exist from the start of the process, not from the first use of a collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import mongoengine
from bson import ObjectId

from tests.contract.support import race
from webapp.orders import store
from webapp.orders.models import IdempotencyRecord


def test_unique_indexes_exist_before_the_first_concurrent_writes(app):
    """Relies on: a unique index guards only the inserts made after it exists. MongoEngine creates a
    document's indexes on its first use, AFTER publishing the collection to other threads, so a burst
    of first requests could insert two claims for one key (seen in this tier). `create_app` creates
    every declared index at start (`webapp.indexes.ensure_indexes`)."""
    from webapp.indexes import ensure_indexes

    db = mongoengine.get_db()
    IdempotencyRecord._disconnect()  # as in a process that has not used the collection yet
    db.drop_collection("idempotency_keys")
    ensure_indexes()  # what create_app does
    assert db["idempotency_keys"].index_information()["scope_1_key_1"]["unique"] is True
    now = datetime.now(UTC)
    results = race(
        lambda i: store.claim_idempotency_key("s", "k", "fp", now, now + timedelta(days=1), now - timedelta(minutes=1))
    )
    assert len([r for r in results if isinstance(r, ObjectId)]) == 1, results
