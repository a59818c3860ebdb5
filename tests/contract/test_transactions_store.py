"""Contract of the transactions store (`webapp.transactions.store`, `figures_store`): each atomic
operation raced by many threads does its work exactly once. Each test names the MongoDB guarantee
it relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from tests.contract.support import THREADS, assert_indexed, race
from webapp.clock import utcnow
from webapp.transactions import figures_store, stats, store
from webapp.transactions.models import DayBucket, Transaction, UserStats


@pytest.fixture
def account(app):
    user_id = ObjectId()
    figures_store.open_totals(user_id)
    return user_id


def done(results: list) -> list:
    """The racers' results, none of them an exception."""
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


def new_txn(user_id, cents: int = 1000, kind: str = "credit") -> dict:
    fields = {
        "user_id": user_id,
        "full_name": "Contract",
        "transaction_date": datetime(2026, 11, 21, 10, tzinfo=UTC),
        "amount_cents": cents,
        "transaction_type": kind,
        "currency": "GHS",
    }
    return store.insert_transaction(fields, utcnow())


def test_claim_sms_has_one_winner(account):
    """Relies on: `findAndModify` (find_one_and_update) matches and updates one document
    atomically, so of N claims with the filter `status: pending` exactly one sees it pending."""
    oid = new_txn(account)["_id"]
    won = [doc for doc in race(lambda i: store.claim_sms(oid, utcnow())) if doc is not None]
    assert len(won) == 1 and won[0]["notification"]["attempts"] == 1
    note = Transaction._get_collection().find_one({"_id": oid})["notification"]
    assert note["status"] == "sending" and note["attempts"] == 1


def test_only_the_claimed_attempt_records_its_outcome(account):
    """Relies on: a single-document update with a filter is atomic (filter and write together), so
    an outcome conditional on (sending, attempt n) lands once, and never after another outcome."""
    oid = new_txn(account)["_id"]
    assert store.claim_sms(oid, utcnow())
    outcomes = race(lambda i: store.record_sid(oid, 1, "sent", utcnow(), message_sid=f"SM{i:032x}"))
    assert outcomes.count(True) == 1
    assert not store.record_sid(oid, 0, "failed", utcnow())  # a stale attempt changes nothing


def test_first_sms_publish_and_republish_are_compare_and_set(account):
    """Relies on: conditional single-document updates are atomic, so a compare-and-set on
    `publishes` (and `due_at`) lets exactly one of N racing publishers through."""
    oid = new_txn(account)["_id"]
    assert race(lambda i: store.claim_first_sms_publish(oid, utcnow())).count(True) == 1
    row = store.lost_sms(utcnow() + timedelta(seconds=1), utcnow(), 10)[0]
    assert row["publishes"] == 1
    assert race(lambda i: store.republish_sms(oid, row["publishes"], row["due_at"], utcnow())).count(True) == 1


def test_stuck_sms_is_reclaimed_once(account):
    """Relies on: a conditional update on (sending, attempts) is atomic: one reclaimer wins."""
    oid = new_txn(account)["_id"]
    assert store.claim_sms(oid, utcnow())
    stuck = store.stuck_sms(utcnow() + timedelta(seconds=1), 10)
    assert [row["_id"] for row in stuck] == [oid]
    assert race(lambda i: store.reclaim_stuck_sms(oid, 1, utcnow())).count(True) == 1


def test_receipts_only_move_forward(account):
    """Relies on: the status filter and the `$set` of one update are applied atomically, so a late
    "sent" racing "delivered" never overwrites it."""
    oid = new_txn(account)["_id"]
    sid = "SM" + "a" * 32
    assert store.claim_sms(oid, utcnow()) and store.record_sid(oid, 1, "sent", utcnow(), message_sid=sid)
    done(
        race(
            lambda i: store.record_receipt(sid, None, ("delivered", "sent")[i % 2], ("sending", "sent"), None, utcnow())
        )
    )
    # Each "sent" may land only before the "delivered"; once delivered, nothing moves it back.
    final = Transaction._get_collection().find_one({"_id": oid})["notification"]["status"]
    assert final == "delivered"


def test_stats_event_claim_has_one_winner(account):
    """Relies on: a conditional update (`stats_version` unchanged, nothing pending) is atomic, so
    two workers never claim two different events for one change."""
    oid = new_txn(account)["_id"]
    claims = race(lambda i: store.claim_stats_event(oid, 0, {"event": f"event-{i}"}))
    assert claims.count(True) == 1
    assert store.stats_state(oid)["stats_pending"] == {"event": f"event-{claims.index(True)}"}
    # Through the service: every racer either claims the change or reads back the pending event.
    other = new_txn(account)["_id"]
    states = race(lambda i: stats.claim_event(other)[0])
    assert set(states) <= {"pending", "raced"} and "pending" in states
    assert store.stats_state(other)["stats_pending"]["event"] == f"{other}:0>1"


def test_apply_transaction_counts_each_change_once(account):
    """Relies on: `$inc` guarded by `events: {$ne: event}` in one update is atomic per document, so
    N workers applying the same event move every figure once."""
    oid = new_txn(account, 2500)["_id"]
    done(race(lambda i: stats.apply_transaction(str(oid))))
    assert figures_store.totals(account) == {"count": 1, "credit_cents": 2500, "debit_cents": 0}
    assert [(b["day"], b["count"]) for b in figures_store.buckets(account)] == [("2026-11-21", 1)]


def test_stats_event_guard_on_racing_upserts_of_a_new_bucket(account):
    """Relies on: an upsert is atomic per document, and on a unique `_id` two racing upserts of one
    new document cannot both insert: one gets a duplicate-key error, which the store resolves with
    one more guarded update. N different events on one new bucket: every one counted once."""
    done(race(lambda i: figures_store.apply_stats_event(account, "2026-11-22", f"event-{i}", (1, 100, 0))))
    bucket = DayBucket._get_collection().find_one({"_id": f"{account}:2026-11-22"})
    assert (bucket["count"], bucket["credit_cents"]) == (THREADS, THREADS * 100)
    assert sorted(bucket["events"]) == sorted(f"event-{i}" for i in range(THREADS))


def test_stats_event_guard_duplicate_key_branch_is_a_no_op_for_an_applied_event(account):
    """Relies on: an upsert whose filter (`_id`, `events: {$ne: e}`) matches nothing tries an insert
    with that `_id`; on an existing document this is a duplicate-key error (unique `_id`). The
    store's duplicate-key branch then applies without upsert, guarded, so a redelivered event is
    counted once, on mongomock and on MongoDB alike."""
    figures_store.apply_stats_event(account, "2026-11-23", "event-a", (1, 100, 0))
    done(race(lambda i: figures_store.apply_stats_event(account, "2026-11-23", "event-a", (1, 100, 0))))
    bucket = DayBucket._get_collection().find_one({"_id": f"{account}:2026-11-23"})
    assert (bucket["count"], bucket["events"]) == (1, ["event-a"])


def test_totals_event_never_recreates_deleted_totals(account):
    """Relies on: an update without upsert never creates a document."""
    figures_store.close_totals(account)
    assert race(lambda i: figures_store.apply_totals_event(account, "event-x", (1, 1, 0))) == [False] * THREADS
    assert UserStats._get_collection().count_documents({"_id": account}) == 0


@pytest.mark.real_mongo
def test_queries_use_their_indexes(account):
    """Real MongoDB only (`explain`): every list and lookup reads an index; the user's page and the
    busiest day need no in-memory SORT."""
    new_txn(account)
    now = utcnow()
    assert_indexed("transactions", {"user_id": account, "deleted": False}, [("transaction_date", -1), ("_id", -1)], 20)
    assert_indexed("user_day_stats", {"user_id": account, "count": {"$gt": 0}}, [("count", -1), ("day", 1)], 1)
    assert_indexed("user_day_stats", {"user_id": account, "day": {"$gte": "2026-01-01"}}, [("day", 1)])
    assert_indexed("transactions", {"notification.status": "pending", "notification.due_at": {"$lte": now}})
    assert_indexed("transactions", {"notification.status": "sending", "notification.updated_at": {"$lte": now}})
    assert_indexed("transactions", {"notification.message_sid": "SM" + "0" * 32})
    assert_indexed("transactions", {"stats_dirty_at": {"$lte": now}})
