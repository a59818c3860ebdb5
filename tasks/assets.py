"""Asset ingestion tasks (all on the `ingestion` queue).

`assets.ingest` claims (or receives) a run and fans out one page task per source page as a chord
whose callback, `assets.publish_snapshot`, joins and publishes. Page tasks keep their (small)
results because the chord counts them in the result backend; the page items themselves go to
MongoDB staging, where the callback reads them. A page task never raises: a page that fails for
good is recorded on the run, so the chord always completes. `assets.abort_run` is the chord's
errback for anything unexpected, so a run never stays `running` with the slot held.
"""

from __future__ import annotations

import random

from bson import ObjectId
from celery import chord, shared_task

from webapp.assets import pipeline, progress, services, sources
from webapp.errors import Conflict, NotFound
from webapp.settings import current as current_settings

FETCHERS = {"ranking": sources.fetch_ranking_page, "prices": sources.fetch_price_page}


@shared_task(name="assets.ingest", queue="ingestion", ignore_result=False)
def ingest(trigger: str = "schedule", run_id: str | None = None) -> dict:
    """Start run `run_id` (claimed by the API), or claim a new one for `trigger` (beat, CLI).
    Returns `{"id", "status"}`, or `{"id": None, "status": "conflict", "running_run_id"}` when a run
    is in progress. Idempotent: a redelivered task finds the run already begun and fans out nothing.
    Never retried: if the fan-out cannot be sent the run is failed and the slot released."""
    if run_id is None:
        try:
            oid = pipeline.claim_run(trigger)
        except Conflict as exc:
            return {"id": None, "status": "conflict", "running_run_id": (exc.errors or {}).get("running_run_id")}
    else:
        oid = ObjectId(run_id)
    plan = pipeline.begin_run(oid)
    if plan is not None:
        try:
            header = [fetch_page.si(str(oid), source, page) for source, page in plan]
            chord(header)(publish_snapshot.si(str(oid)).on_error(abort_run.si(str(oid))))
        except Exception as exc:
            pipeline.fail_run(oid, f"could not start the page tasks: {exc}")
            progress.publish(oid)
            raise
    progress.publish(oid)
    try:
        run = services.get_run(oid)
    except NotFound:  # the run was deleted meanwhile (only tests do that)
        return {"id": str(oid), "status": "missing", "pages_total": 0}
    return {"id": str(run["_id"]), "status": run["status"], "pages_total": run.get("pages_total", 0)}


@shared_task(name="assets.fetch_page", queue="ingestion", bind=True, ignore_result=False)
def fetch_page(self, run_id: str, source: str, page: int) -> dict:
    """Fetch page `page` of `source` ("ranking": CryptoCompare, "prices": CoinMarketCap), validate it
    item by item and stage its items with one bulk insert. Retries transient failures (connection,
    timeout, 429, 5xx) up to ASSET_PAGE_MAX_RETRIES times, backoff ASSET_RETRY_BACKOFF_MS * 2^n with
    jitter; then, or at once for a permanent failure, records the page as failed. Idempotent: items
    have deterministic ids and the page is counted once."""
    oid = ObjectId(run_id)
    config = current_settings()
    try:
        items, rejected = FETCHERS[source](page)
    except sources.TransientSourceError as exc:
        cap = config.assets.ASSET_PAGE_MAX_RETRIES
        if self.request.retries < cap:
            base = config.assets.ASSET_RETRY_BACKOFF_MS / 1000 * 2**self.request.retries
            # The task's own cap must follow the setting: Celery's default (3) would otherwise end
            # the chord with MaxRetriesExceededError before the page is recorded as failed.
            raise self.retry(countdown=base * random.uniform(0.5, 1.5), max_retries=cap) from None
        pipeline.fail_page(oid, source, page, f"gave up after {self.request.retries + 1} attempts: {exc}")
        progress.publish(oid)
        return {"page": page, "source": source, "stored": 0, "failed": True}
    except sources.SourceError as exc:
        pipeline.fail_page(oid, source, page, str(exc))
        progress.publish(oid)
        return {"page": page, "source": source, "stored": 0, "failed": True}
    stored = pipeline.store_page(oid, source, page, items, rejected)
    progress.publish(oid)
    return {"page": page, "source": source, "stored": stored, "failed": False}


@shared_task(name="assets.publish_snapshot", queue="ingestion", ignore_result=True)
def publish_snapshot(run_id: str) -> dict:
    """The chord callback: join the staged pages and publish the snapshot, or fail the run when the
    ranking is unusable. Idempotent (only a `running` run is published, once). Not retried."""
    outcome = pipeline.publish_run(ObjectId(run_id))
    progress.publish(run_id)
    return outcome


@shared_task(name="assets.abort_run", queue="ingestion", ignore_result=True)
def abort_run(run_id: str) -> None:
    """Chord errback: fail the run and release the slot. Idempotent."""
    pipeline.fail_run(ObjectId(run_id), "the ingestion pipeline failed unexpectedly; see the worker logs")
    progress.publish(run_id)


@shared_task(name="assets.run_status", queue="default", ignore_result=False)
def run_status(run_id: str) -> dict:
    """A run's public state (for `manage.py ingest --wait` when no progress was published). Read-only.
    On the `default` queue: on `ingestion` it would wait behind the page tasks it reports on."""
    return progress.run_state(run_id)
