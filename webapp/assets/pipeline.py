"""The ingestion pipeline: runs, pages, the join and the atomic publish.

Run lifecycle: `claim_run` takes the single ingestion slot (the lock document) and records the run
as `queued`; `begin_run` moves it to `running` and returns the pages to fetch; every page ends once
in `store_page` or `fail_page` (counted exactly once, even when a task is redelivered);
`publish_run` joins the staged pages and publishes the snapshot atomically, or fails the run when
the ranking is unusable. Finishing either way releases the slot. A slot older than
ASSET_LOCK_STALE_SECONDS is taken over (its run is marked failed), so a crashed run cannot block
ingestion forever.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta

from bson import Decimal128, ObjectId
from flask import current_app

from webapp.assets import events, sources, store
from webapp.clock import utcnow_ms
from webapp.errors import Conflict
from webapp.provenance import source_label
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)

MAX_RECORDED_ERRORS = store.MAX_RECORDED_ERRORS


# ---- the single ingestion slot ---------------------------------------------------------------


def claim_run(trigger: str) -> ObjectId:
    """Atomically take the ingestion slot and create the run (`queued`). Conflict (409) carrying the
    running run's id when another run holds the slot."""
    now = utcnow_ms()
    run_id = ObjectId()
    stale_before = now - timedelta(seconds=current_settings().assets.ASSET_LOCK_STALE_SECONDS)
    before = store.acquire_ingestion_lock(run_id, now, stale_before)
    if before is None:
        holder = store.lock_holder()
        raise Conflict(
            f"An ingestion is already in progress (run {holder}); wait for it to finish.",
            errors={"running_run_id": str(holder) if holder else None},
        )
    store.insert_run(
        {"_id": run_id, "status": "queued", "trigger": trigger, "created_at": now, "errors": [], "pages_done": 0}
    )
    if before.get("run_id"):
        _finish(before["run_id"], "failed", error="abandoned: its ingestion slot went stale and was taken over")
    return run_id


def _finish(run_id: ObjectId, status: str, error: str | None = None, **fields) -> bool:
    """Move an unfinished run to `status` (once), drop its staging, release the slot if it holds it."""
    now = utcnow_ms()
    run = store.find_run(run_id)
    began = (run or {}).get("started_at") or (run or {}).get("created_at") or now
    update = {"$set": {"status": status, "finished_at": now, "duration_ms": _ms(now - _aware(began)), **fields}}
    if error:
        update["$push"] = {"errors": {"$each": [{"source": "run", "message": error}], "$slice": MAX_RECORDED_ERRORS}}
    # Staging goes first and the slot last: whoever sees the final status sees a finished run.
    store.drop_staging(run_id)
    changed = store.transition_run(run_id, ["queued", "running"], update)
    store.release_ingestion_lock(run_id)
    if changed:
        duration = max(0.0, (now - _aware(began)).total_seconds())
        events.run_finished.send(current_app._get_current_object(), duration_seconds=duration)
    return changed


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def begin_run(run_id: ObjectId) -> list[tuple[str, int]] | None:
    """`queued` -> `running` with its page plan; the pages to fetch, or None when the run had already
    begun or ended (a redelivered task must not fan out twice)."""
    config = current_settings()
    ranking = sources.ranking_page_count(config.assets.ASSET_LIMIT)
    prices = sources.price_page_count(config.assets.ASSET_LIMIT, config.assets.COINMARKETCAP_PAGE_SIZE)
    changed = store.transition_run(
        run_id,
        ["queued"],
        {
            "$set": {
                "status": "running",
                "started_at": utcnow_ms(),
                "ranking_pages": ranking,
                "price_pages": prices,
                "pages_total": ranking + prices,
                "pages_done": 0,
            }
        },
    )
    if not changed:
        return None
    return [("ranking", page) for page in range(ranking)] + [("prices", page) for page in range(prices)]


def fail_run(run_id: ObjectId, reason: str) -> bool:
    return _finish(run_id, "failed", error=reason)


# ---- pages -----------------------------------------------------------------------------------


def _page_done(run_id: ObjectId, key: str, inc: dict, errors: list[dict], failed: bool) -> None:
    """Count page `key` once: the `$ne` guard makes a redelivered page a no-op."""
    update = {"$inc": {"pages_done": 1, **inc}, "$addToSet": {"pages_completed": key}}
    if failed:
        update["$addToSet"] = {"pages_completed": key, "failed_pages": key}
    if errors:
        update["$push"] = {"errors": {"$each": errors, "$slice": MAX_RECORDED_ERRORS}}
    store.count_page(run_id, key, update)


def store_page(run_id: ObjectId, source: str, page: int, items: list[dict], rejected: list) -> int:
    """Stage a fetched page's valid items (one bulk insert) and count the page. Returns items stored."""
    name = "cryptocompare" if source == "ranking" else "coinmarketcap"
    if source == "ranking":
        limit = current_settings().assets.ASSET_LIMIT  # the last page may reach past the snapshot size
        docs = [
            {"_id": f"{run_id}:{item['rank']}", "run_id": run_id, **item} for item in items if item["rank"] <= limit
        ]
        store.stage_ranking(docs)
        inc = {"assets_ingested": len(docs)}
    else:
        docs = [
            {
                "_id": f"{run_id}:{page}:{n}",
                "run_id": run_id,
                "symbol": item["symbol"],
                "cmc_rank": item["cmc_rank"],
                "price_usd": Decimal128(item["price_usd"]),
            }
            for n, item in enumerate(items)
        ]
        store.stage_prices(docs)
        inc = {"prices_ingested": len(docs)}
    inc["items_rejected"] = len(rejected)
    errors = [{"source": name, "page": page, "item": pos, "message": why} for pos, why in rejected]
    _page_done(run_id, f"{source}:{page}", inc, errors, failed=False)
    return len(docs)


def fail_page(run_id: ObjectId, source: str, page: int, reason: str) -> None:
    """Record a page that failed for good; the run goes on without it."""
    name = "cryptocompare" if source == "ranking" else "coinmarketcap"
    error = {"source": name, "page": page, "item": None, "message": reason}
    _page_done(run_id, f"{source}:{page}", {}, [error], failed=True)


# ---- join and publish ------------------------------------------------------------------------


def publish_run(run_id: ObjectId) -> dict:
    """Join the staged ranking and prices by symbol (lowest cmc_rank wins; no price -> null), write
    the snapshot's items, then publish it with ONE update. The ranking must be complete (every
    ranking page fetched) and non-empty, else the run fails and the current snapshot stays."""
    run = store.find_run(run_id)
    if run is None or run["status"] != "running":
        return {"published": False, "reason": "the run is not running"}
    # Every page is in: the fetch stage ends here (per-stage timings of the run; first call wins).
    store.mark_run_fetched(run_id, utcnow_ms())
    if any(key.startswith("ranking:") for key in run.get("failed_pages", [])):
        fail_run(run_id, "no usable ranking: a ranking page failed; the current snapshot stays published")
        return {"published": False, "reason": "ranking incomplete"}
    limit = current_settings().assets.ASSET_LIMIT
    ranking = store.staged_ranking(run_id, limit)
    if not ranking:
        fail_run(run_id, "no usable ranking: no valid ranked asset; the current snapshot stays published")
        return {"published": False, "reason": "ranking empty"}
    best: dict = {}
    for row in store.staged_prices(run_id):
        held = best.get(row["symbol"])
        if held is None or row["cmc_rank"] < held[0]:
            best[row["symbol"]] = (row["cmc_rank"], row["price_usd"])

    now = utcnow_ms()
    existing = store.find_snapshot(run_id)
    if existing is not None and existing.get("published_at") is not None:
        # A redelivered callback after the publish: readers may hold this snapshot; only finish.
        _finish(run_id, "succeeded", snapshot_id=run_id)
        return {"published": True, "snapshot_id": str(run_id)}
    fields = {
        "run_id": run_id,
        "created_at": now,
        "published_at": None,
        "count": len(ranking),
        "provider": "+".join(source_label(n) for n in ("cryptocompare", "coinmarketcap")),
    }
    items = [
        {
            "_id": f"{run_id}:{row['rank']}",
            "snapshot_id": run_id,
            "rank": row["rank"],
            "symbol": row["symbol"],
            "name": row["name"],
            "price_usd": best[row["symbol"]][1] if row["symbol"] in best else None,
        }
        for row in ranking
    ]
    store.prepare_snapshot(run_id, fields, items)
    store.publish_snapshot(run_id, now)
    remove_old_snapshots(keep=run_id)
    _finish(run_id, "succeeded", snapshot_id=run_id)
    return {"published": True, "snapshot_id": str(run_id)}


def remove_old_snapshots(keep: ObjectId | None = None) -> int:
    """Delete published snapshots older than the retention (never the newest) and unpublished ones
    of finished runs. Returns how many snapshots went."""
    cutoff = utcnow_ms() - timedelta(seconds=current_settings().assets.ASSET_SNAPSHOT_RETENTION_SECONDS)
    doomed = store.expired_snapshot_ids(cutoff, keep=[store.lock_holder(), keep])
    store.delete_snapshots(doomed)
    return len(doomed)
