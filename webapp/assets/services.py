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

from webapp import outbox
from webapp.assets import store
from webapp.assets.pipeline import claim_run, fail_run
from webapp.assets.schemas import AssetListSchema
from webapp.errors import NotFound, Unavailable
from webapp.extensions import get_redis
from webapp.identity import namespaced
from webapp.ids import object_id_or_404
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
CSV_HEADER = ("rank", "symbol", "name", "price_usd")


# ---- assets ----------------------------------------------------------------------------------


def _resolve_snapshot(at: datetime | None) -> dict:
    snapshot = store.newest_published(at)
    if snapshot is not None:
        return snapshot
    if at is None or store.newest_published() is None:
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
    rows = store.snapshot_items(snapshot["_id"], limit)
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
    limit = limit or min(DEFAULT_LIMIT, current_settings().assets.ASSET_LIMIT)
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
        get_redis().set(key, body, ex=current_settings().assets.ASSET_CACHE_TTL_SECONDS)
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


def get_run(run_id) -> dict:
    """The stored run (without its per-page bookkeeping); IngestionRunSchema dumps it."""
    oid = run_id if isinstance(run_id, ObjectId) else parse_run_id(run_id)
    run = store.find_run(oid, public=True)
    if run is None:
        raise NotFound("Ingestion run not found.")
    return run


def list_runs(page: int, page_size: int) -> dict:
    """Offset list, newest first (the runs collection stays small: one run per interval)."""
    total, rows = store.runs_page((page - 1) * page_size, page_size)
    return {
        "items": rows,
        "total": total,
        "page": page,
        "page_size": page_size,
    }


def last_success_at() -> datetime | None:
    """When the newest successful ingestion run finished (None before the first)."""
    return store.last_success_finished_at()
