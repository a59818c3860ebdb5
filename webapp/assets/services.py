"""What the API offers: asset snapshots (cached) and ingestion runs.

Reading: `asset_listing` resolves the snapshot (the newest published one, or the newest published
at or before `at`), then answers from the Redis cache keyed by (snapshot, limit, format). A newly
published snapshot is a new key, so publishing never needs an invalidation and a reader never gets
an older snapshot after a newer one is published. The ETag is derived from the same triple, so a
matching If-None-Match is answered (304) without touching the items.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime

import redis
from bson import ObjectId
from flask import current_app

from webapp import outbox
from webapp.assets.models import AssetItem, AssetSnapshot, IngestionRun
from webapp.assets.pipeline import claim_run, fail_run
from webapp.assets.schemas import AssetListSchema
from webapp.errors import NotFound, Unavailable
from webapp.extensions import get_redis
from webapp.identity import namespaced
from webapp.ids import object_id_or_404

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
CSV_HEADER = ("rank", "symbol", "name", "price_usd")


# ---- assets ----------------------------------------------------------------------------------


def _resolve_snapshot(at: datetime | None) -> dict:
    snapshots = AssetSnapshot._get_collection()
    published = {"$ne": None} if at is None else {"$ne": None, "$lte": at}
    snapshot = snapshots.find_one(
        {"published_at": published}, {"published_at": 1, "provider": 1}, sort=[("published_at", -1), ("_id", -1)]
    )
    if snapshot is not None:
        return snapshot
    if at is None or snapshots.find_one({"published_at": {"$ne": None}}, {"_id": 1}) is None:
        raise Unavailable("No asset snapshot has been published yet: the first ingestion has not succeeded.")
    raise NotFound(f"No asset snapshot was published at or before {at.isoformat()}.")


def _price(value) -> str | None:
    return None if value is None else format(value.to_decimal(), "f")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell safe to open in a spreadsheet (OWASP CSV injection): a cell starting with `=`,
    `+`, `-`, `@`, tab or carriage return gets a leading `'`, so it is never read as a formula.
    Only text columns pass through here; numbers (rank, price) are written as numbers."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _render(snapshot: dict, limit: int, fmt: str) -> bytes:
    rows = (
        AssetItem._get_collection()
        .find({"snapshot_id": snapshot["_id"]}, {"_id": 0, "rank": 1, "symbol": 1, "name": 1, "price_usd": 1})
        .sort("rank", 1)
        .limit(limit)
    )
    items = [
        {"rank": r["rank"], "symbol": r["symbol"], "name": r["name"], "price_usd": _price(r.get("price_usd"))}
        for r in rows
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        writer.writerows((i["rank"], csv_text(i["symbol"]), csv_text(i["name"]), i["price_usd"] or "") for i in items)
        return out.getvalue().encode()
    body = {
        "snapshot_id": str(snapshot["_id"]),
        "last_updated": snapshot["published_at"],
        "provider": snapshot.get("provider") or "cryptocompare+coinmarketcap",
        "items": items,
    }
    return json.dumps(AssetListSchema().dump(body), separators=(",", ":")).encode()


def asset_listing(limit: int | None, at: datetime | None, fmt: str, if_none_match=None) -> dict:
    """`{"status": 200|304, "body", "content_type", "etag"}` for the chosen snapshot. `if_none_match`
    is anything with `contains_weak(tag)` (werkzeug's ETags). Unavailable (503) before the first
    published snapshot; NotFound (404) when none was published at or before `at`."""
    limit = limit or min(DEFAULT_LIMIT, current_app.config["ASSET_LIMIT"])
    snapshot = _resolve_snapshot(at)
    tag = f"{snapshot['_id']}-{limit}-{fmt}"
    answer = {"status": 200, "body": b"", "content_type": CONTENT_TYPES[fmt], "etag": tag}
    if if_none_match is not None and if_none_match.contains_weak(tag):  # RFC 9110: weak comparison
        return answer | {"status": 304}
    key = namespaced(f"assets:listing:{tag}")
    try:
        cached = get_redis().get(key)
    except redis.RedisError as exc:
        log.warning("asset cache unavailable: %s", exc)
        cached = None
    if cached is not None:
        return answer | {"body": cached}
    body = _render(snapshot, limit, fmt)
    try:
        get_redis().set(key, body, ex=current_app.config["ASSET_CACHE_TTL_SECONDS"])
    except redis.RedisError as exc:
        log.warning("asset cache unavailable: %s", exc)
    return answer | {"body": body}


# ---- ingestion runs --------------------------------------------------------------------------


def request_ingestion(trigger: str = "api") -> dict:
    """Claim a run and enqueue `assets.ingest` for it. The `queued` run is the outbox record: if the
    broker refuses the task, the run is failed, the slot released, and Unavailable (503) raised.
    Conflict (409, with the running run's id) when a run is in progress."""
    run_id = claim_run(trigger)
    queued = get_run(run_id)  # read before enqueueing: the answer is the run as accepted
    try:  # fire-and-forget, one bounded connect attempt: a request never waits on the broker
        outbox.publish("assets.ingest", kwargs={"trigger": trigger, "run_id": str(run_id)})
    except Exception as exc:  # the broker is unreachable
        fail_run(run_id, f"could not enqueue the ingestion: {type(exc).__name__}")
        raise Unavailable("The task queue is unreachable; the ingestion was not started.") from None
    return queued


def parse_run_id(run_id) -> ObjectId:
    return object_id_or_404(run_id, "Ingestion run not found.")


def _public_run(run: dict) -> dict:
    return {
        **run,
        "id": str(run["_id"]),
        "snapshot_id": str(run["snapshot_id"]) if run.get("snapshot_id") else None,
        "pages_total": run.get("pages_total", 0),
        "assets_ingested": run.get("assets_ingested", 0),
        "prices_ingested": run.get("prices_ingested", 0),
        "items_rejected": run.get("items_rejected", 0),
        "errors": run.get("errors", []),
        "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"),
        "duration_ms": run.get("duration_ms"),
        "timings": _timings(run),
    }


def _timings(run: dict) -> dict:
    """Milliseconds per stage: waiting in the queue, fetching the pages, joining and publishing
    (null until the stage has ended, or when the run never reached it)."""

    def ms(start, end):
        if start is None or end is None:
            return None
        return int((end - start).total_seconds() * 1000)

    started, fetched, finished = run.get("started_at"), run.get("fetched_at"), run.get("finished_at")
    return {
        "queued_ms": ms(run.get("created_at"), started),
        "fetch_ms": ms(started, fetched),
        "publish_ms": ms(fetched, finished),
    }


def get_run(run_id) -> dict:
    oid = run_id if isinstance(run_id, ObjectId) else parse_run_id(run_id)
    run = IngestionRun._get_collection().find_one({"_id": oid}, {"pages_completed": 0, "failed_pages": 0})
    if run is None:
        raise NotFound("Ingestion run not found.")
    return _public_run(run)


def list_runs(page: int, page_size: int) -> dict:
    """Offset list, newest first (the runs collection stays small: one run per interval)."""
    runs = IngestionRun._get_collection()
    rows = (
        runs.find({}, {"pages_completed": 0, "failed_pages": 0})
        .sort("created_at", -1)
        .skip((page - 1) * page_size)
        .limit(page_size)
    )
    return {
        "items": [_public_run(r) for r in rows],
        "total": runs.count_documents({}),
        "page": page,
        "page_size": page_size,
    }


def last_success_at() -> datetime | None:
    """When the newest successful ingestion run finished (None before the first); newest-first on
    the `-created_at` index, and runs are few (one per interval, plus the ones asked for)."""
    run = IngestionRun._get_collection().find_one(
        {"status": "succeeded"}, {"finished_at": 1}, sort=[("created_at", -1)]
    )
    return run.get("finished_at") if run else None
