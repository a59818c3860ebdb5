"""The only code that touches the rotation runs. One single-document operation each."""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId

from webapp.encryption.models import RUNNING, RotationRun


def _runs():
    return RotationRun._get_collection()


def fresh_running(since: datetime) -> dict | None:
    """A running run that checkpointed after `since` (index status, -updated_at)."""
    return _runs().find_one({"status": RUNNING, "updated_at": {"$gte": since}}, sort=[("updated_at", -1)])


def insert_run(fields: dict) -> dict:
    doc = {"_id": ObjectId(), **fields}
    _runs().insert_one(doc)
    return doc


def find(run_id: ObjectId) -> dict | None:
    return _runs().find_one({"_id": run_id})


def latest() -> dict | None:
    return _runs().find_one({}, sort=[("started_at", -1)])


def checkpoint(run_id: ObjectId, source: str | None, after, page: dict, now: datetime) -> None:
    """Record one page done: where the run is and what the page did. One update ($set + $inc)."""
    _runs().update_one(
        {"_id": run_id, "status": RUNNING},
        {
            "$set": {"source": source, "after": after, "updated_at": now},
            "$inc": {k: page[k] for k in ("scanned", "resealed", "unreadable")},
        },
    )


def finish(run_id: ObjectId, status: str, now: datetime) -> None:
    _runs().update_one(
        {"_id": run_id, "status": RUNNING},
        {"$set": {"status": status, "source": None, "after": None, "updated_at": now, "finished_at": now}},
    )
