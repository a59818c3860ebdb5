"""The only code that touches the assets collections: ingestion runs, the ingestion lock, the
staging collections, snapshots and their items."""

from __future__ import annotations

import contextlib

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from webapp.assets.models import AssetItem, AssetSnapshot, IngestionLock, IngestionRun, PriceStage, RankingStage

LOCK_ID = "assets"
MAX_RECORDED_ERRORS = 100
_HIDDEN_RUN_FIELDS = ("pages_completed", "failed_pages")


def _runs():
    return IngestionRun._get_collection()


def _locks():
    return IngestionLock._get_collection()


def _insert_ignoring_duplicates(collection, docs: list[dict]) -> None:
    """Bulk insert (unordered) with deterministic ids; ids already present are skipped. Each insert is
    atomic; a duplicate `_id` (a redelivered page) fails alone with code 11000 and is ignored."""
    if not docs:
        return
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
            raise


# ---- the single ingestion slot -------------------------------------------------------------------


def acquire_ingestion_lock(run_id: ObjectId, now, stale_before) -> dict | None:
    """Take the slot for `run_id` if it is free or held since before `stale_before`; the lock as it was
    before (its `run_id` is the run taken over, if any), or None when another run holds it. Atomic: an
    upsert creates the lock once (a racing upsert's E11000 means it exists), then ONE conditional
    `find_one_and_update` lets exactly one claimer win."""
    with contextlib.suppress(DuplicateKeyError):
        _locks().update_one({"_id": LOCK_ID}, {"$setOnInsert": {"run_id": None, "claimed_at": None}}, upsert=True)
    return _locks().find_one_and_update(
        {"_id": LOCK_ID, "$or": [{"run_id": None}, {"claimed_at": {"$lt": stale_before}}]},
        {"$set": {"run_id": run_id, "claimed_at": now}},
        return_document=ReturnDocument.BEFORE,
    )


def lock_holder() -> ObjectId | None:
    return (_locks().find_one({"_id": LOCK_ID}) or {}).get("run_id")


def release_ingestion_lock(run_id: ObjectId) -> None:
    """Free the slot only if `run_id` still holds it. Atomic: one conditional update."""
    _locks().update_one({"_id": LOCK_ID, "run_id": run_id}, {"$set": {"run_id": None, "claimed_at": None}})


# ---- runs ----------------------------------------------------------------------------------------


def insert_run(doc: dict) -> None:
    _runs().insert_one(doc)


def find_run(run_id: ObjectId, public: bool = False) -> dict | None:
    """A run by id; `public` leaves out the per-page bookkeeping lists."""
    projection = dict.fromkeys(_HIDDEN_RUN_FIELDS, 0) if public else None
    return _runs().find_one({"_id": run_id}, projection)


def runs_page(skip: int, limit: int) -> tuple[int, list[dict]]:
    """(total, runs newest first) through the -created_at index (the collection stays small)."""
    rows = _runs().find({}, dict.fromkeys(_HIDDEN_RUN_FIELDS, 0)).sort("created_at", -1).skip(skip).limit(limit)
    return _runs().count_documents({}), list(rows)


def transition_run(run_id: ObjectId, from_statuses: list[str], update: dict) -> bool:
    """Apply `update` iff the run is in one of `from_statuses`; whether it did. Atomic: one conditional
    update, so of racing transitions exactly one applies."""
    return bool(_runs().update_one({"_id": run_id, "status": {"$in": from_statuses}}, update).modified_count)


def mark_run_fetched(run_id: ObjectId, now) -> None:
    """Stamp when every page was in (`fetched_at`, the end of the fetch stage) once: the
    `fetched_at: None` condition makes a redelivered callback change nothing."""
    _runs().update_one({"_id": run_id, "fetched_at": None}, {"$set": {"fetched_at": now}})


def last_success_finished_at():
    """`finished_at` of the newest succeeded run, or None; newest first on the -created_at index
    (runs are few: one per interval, plus the ones asked for)."""
    run = _runs().find_one({"status": "succeeded"}, {"finished_at": 1}, sort=[("created_at", -1)])
    return run.get("finished_at") if run else None


def count_page(run_id: ObjectId, key: str, update: dict) -> None:
    """Apply a page's counters once: the `pages_completed != key` guard and the `$addToSet` in `update`
    live in ONE conditional update, so a redelivered page changes nothing."""
    _runs().update_one({"_id": run_id, "status": "running", "pages_completed": {"$ne": key}}, update)


# ---- staging -------------------------------------------------------------------------------------


def stage_ranking(docs: list[dict]) -> None:
    _insert_ignoring_duplicates(RankingStage._get_collection(), docs)


def stage_prices(docs: list[dict]) -> None:
    _insert_ignoring_duplicates(PriceStage._get_collection(), docs)


def staged_ranking(run_id: ObjectId, limit: int) -> list[dict]:
    """The run's staged ranking up to `limit`, by rank (the (run_id, rank) index)."""
    query = {"run_id": run_id, "rank": {"$lte": limit}}
    return list(RankingStage._get_collection().find(query, {"rank": 1, "symbol": 1, "name": 1}).sort("rank", 1))


def staged_prices(run_id: ObjectId):
    return PriceStage._get_collection().find({"run_id": run_id}, {"symbol": 1, "cmc_rank": 1, "price_usd": 1})


def drop_staging(run_id: ObjectId) -> None:
    RankingStage._get_collection().delete_many({"run_id": run_id})
    PriceStage._get_collection().delete_many({"run_id": run_id})


# ---- snapshots -----------------------------------------------------------------------------------


def find_snapshot(snapshot_id: ObjectId) -> dict | None:
    return AssetSnapshot._get_collection().find_one({"_id": snapshot_id}, {"published_at": 1})


def prepare_snapshot(snapshot_id: ObjectId, fields: dict, items: list[dict]) -> None:
    """Create the unpublished snapshot (an upsert on `_id`: once) and (re)write its items. Nobody
    reads an unpublished snapshot, so rewriting its items is safe."""
    AssetSnapshot._get_collection().update_one({"_id": snapshot_id}, {"$setOnInsert": fields}, upsert=True)
    AssetItem._get_collection().delete_many({"snapshot_id": snapshot_id})
    _insert_ignoring_duplicates(AssetItem._get_collection(), items)


def publish_snapshot(snapshot_id: ObjectId, now) -> bool:
    """Make the snapshot visible; True when this call published it. Atomic: ONE conditional `$set` of
    `published_at` on one document, so readers see all of its items or none and it is published once."""
    result = AssetSnapshot._get_collection().update_one(
        {"_id": snapshot_id, "published_at": None}, {"$set": {"published_at": now}}
    )
    return bool(result.modified_count)


def newest_published(at=None) -> dict | None:
    """The newest snapshot published (at or before `at`), through the (-published_at, -_id) index."""
    published = {"$ne": None} if at is None else {"$ne": None, "$lte": at}
    return AssetSnapshot._get_collection().find_one(
        {"published_at": published}, {"published_at": 1, "provider": 1}, sort=[("published_at", -1), ("_id", -1)]
    )


def snapshot_items(snapshot_id: ObjectId, limit: int):
    """The first `limit` items by rank (the (snapshot_id, rank) index)."""
    projection = {"_id": 0, "rank": 1, "symbol": 1, "name": 1, "price_usd": 1}
    return AssetItem._get_collection().find({"snapshot_id": snapshot_id}, projection).sort("rank", 1).limit(limit)


def expired_snapshot_ids(cutoff, keep: list) -> list:
    """Published before `cutoff` (never the newest), plus unpublished ones not in `keep`."""
    snapshots = AssetSnapshot._get_collection()
    newest = newest_published()
    doomed = [
        row["_id"]
        for row in snapshots.find({"published_at": {"$ne": None, "$lt": cutoff}}, {"_id": 1})
        if newest is None or row["_id"] != newest["_id"]
    ]
    return doomed + [row["_id"] for row in snapshots.find({"published_at": None}, {"_id": 1}) if row["_id"] not in keep]


def delete_snapshots(ids: list) -> None:
    """The snapshots first, then their items, so no reader resolves a snapshot whose items are half
    gone. Each document is deleted once (concurrent deletes are harmless)."""
    if ids:
        AssetSnapshot._get_collection().delete_many({"_id": {"$in": ids}})
        AssetItem._get_collection().delete_many({"snapshot_id": {"$in": ids}})
