"""Contract of `webapp.assets.store`: the ingestion lock, page counting, publish and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from tests.contract.support import THREADS, assert_indexed, race
from webapp.assets import store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_one_run_takes_the_free_ingestion_lock(app):
    """Relies on: an upsert on `_id` creates the lock once (a losing concurrent upsert may fail with
    E11000, which the store treats as "exists"), and ONE conditional `find_one_and_update`
    (run_id == null) succeeds for exactly one of the racing claimers."""
    runs = [ObjectId() for _ in range(THREADS)]
    results = race(lambda i: store.acquire_ingestion_lock(runs[i], T0, T0 - timedelta(hours=1)))
    winners = [i for i, r in enumerate(results) if isinstance(r, dict)]
    assert len(winners) == 1 and results.count(None) == THREADS - 1, results
    assert store.lock_holder() == runs[winners[0]]


def test_a_stale_lock_is_taken_over_once(app):
    """Relies on: the conditional update (claimed_at < stale_before) matches for one claimer only:
    after the first `$set` the document no longer satisfies the filter."""
    crashed = ObjectId()
    assert store.acquire_ingestion_lock(crashed, T0, T0 - timedelta(hours=1)) is not None
    later = T0 + timedelta(hours=2)
    runs = [ObjectId() for _ in range(THREADS)]
    results = race(lambda i: store.acquire_ingestion_lock(runs[i], later, later - timedelta(hours=1)))
    taken = [r for r in results if isinstance(r, dict)]
    assert len(taken) == 1 and taken[0]["run_id"] == crashed


def test_release_frees_the_lock_only_for_its_holder(app):
    """Relies on: a conditional update on (`_id`, run_id) does nothing when another run holds the lock."""
    holder = ObjectId()
    store.acquire_ingestion_lock(holder, T0, T0)
    store.release_ingestion_lock(ObjectId())
    assert store.lock_holder() == holder
    store.release_ingestion_lock(holder)
    assert store.lock_holder() is None


def _running_run() -> ObjectId:
    run_id = ObjectId()
    store.insert_run({"_id": run_id, "status": "running", "trigger": "api", "created_at": T0, "pages_done": 0})
    return run_id


def test_a_redelivered_page_is_counted_once(app):
    """Relies on: the guard `pages_completed != key` and the `$addToSet`/`$inc` are one atomic update."""
    run_id = _running_run()
    update = {"$inc": {"pages_done": 1, "assets_ingested": 10}, "$addToSet": {"pages_completed": "ranking:0"}}
    race(lambda i: store.count_page(run_id, "ranking:0", update))
    run = store.find_run(run_id)
    assert run["pages_done"] == 1 and run["assets_ingested"] == 10


def test_one_status_transition_wins(app):
    """Relies on: a conditional update on `status` applies once among concurrent finishers."""
    run_id = _running_run()
    results = race(lambda i: store.transition_run(run_id, ["running"], {"$set": {"status": "succeeded", "n": i}}))
    assert results.count(True) == 1


def _snapshot(snapshot_id: ObjectId, ranks: int = 5) -> None:
    items = [
        {"_id": f"{snapshot_id}:{r}", "snapshot_id": snapshot_id, "rank": r, "symbol": f"S{r}", "name": f"N{r}"}
        for r in range(1, ranks + 1)
    ]
    fields = {"run_id": snapshot_id, "created_at": T0, "published_at": None, "count": ranks, "provider": "p"}
    store.prepare_snapshot(snapshot_id, fields, items)


def test_publish_happens_once_and_shows_every_item(app):
    """Relies on: ONE conditional `$set` of published_at (== null) on one document: exactly one
    publisher succeeds, and the items written before it are all visible once it is published."""
    snapshot_id = ObjectId()
    assert store.newest_published() is None
    _snapshot(snapshot_id, ranks=7)
    results = race(lambda i: store.publish_snapshot(snapshot_id, T0 + timedelta(seconds=i)))
    assert results.count(True) == 1
    assert store.newest_published()["_id"] == snapshot_id
    assert [row["rank"] for row in store.snapshot_items(snapshot_id, 100)] == list(range(1, 8))


def test_retention_keeps_the_newest_and_drops_expired_and_orphaned_snapshots(app):
    """Relies on: `delete_many` on `_id $in` removes each snapshot once; items go after their snapshot,
    so no reader resolves a snapshot whose items are half gone."""
    old, newest, orphan, active = ObjectId(), ObjectId(), ObjectId(), ObjectId()
    for n, snapshot_id in enumerate((old, newest)):
        _snapshot(snapshot_id)
        store.publish_snapshot(snapshot_id, T0 + timedelta(hours=n))
    _snapshot(orphan)
    _snapshot(active)
    doomed = store.expired_snapshot_ids(T0 + timedelta(days=1), keep=[active])
    assert set(doomed) == {old, orphan}
    race(lambda i: store.delete_snapshots(doomed), threads=4)
    assert store.newest_published()["_id"] == newest
    assert list(store.snapshot_items(old, 10)) == [] and len(list(store.snapshot_items(active, 10))) == 5


@pytest.mark.real_mongo
def test_asset_queries_use_indexes_without_a_sort_stage(app):
    """Relies on: the (-published_at, -_id) index for the newest snapshot (also `at or before`), the
    (snapshot_id, rank) index for items, (run_id, rank) for staging and -created_at for runs."""
    for n in range(3):
        snapshot_id = ObjectId()
        _snapshot(snapshot_id)
        store.publish_snapshot(snapshot_id, T0 + timedelta(hours=n))
    newest = [("published_at", -1), ("_id", -1)]
    assert_indexed("asset_snapshots", {"published_at": {"$ne": None}}, newest, limit=1)
    assert_indexed("asset_snapshots", {"published_at": {"$ne": None, "$lte": T0}}, newest, limit=1)
    assert_indexed("asset_items", {"snapshot_id": snapshot_id}, [("rank", 1)], limit=3)
    assert_indexed("asset_ranking_stage", {"run_id": snapshot_id, "rank": {"$lte": 10}}, [("rank", 1)])
    _running_run()
    assert_indexed("asset_ingestion_runs", {}, [("created_at", -1)], limit=10)
