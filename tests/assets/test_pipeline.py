"""Service tier: the ingestion slot, retention, and the source parsers (no worker needed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from bson import ObjectId

from standins.server import Reply
from tests.support import override_settings
from webapp.assets import pipeline, sources
from webapp.assets.models import AssetItem, AssetSnapshot, IngestionLock, IngestionRun
from webapp.clock import utcnow_ms as utcnow
from webapp.errors import Conflict


def test_only_one_run_holds_the_slot(app):
    first = pipeline.claim_run("api")
    with pytest.raises(Conflict) as exc:
        pipeline.claim_run("cli")
    assert exc.value.errors == {"running_run_id": str(first)}
    pipeline.fail_run(first, "test")
    second = pipeline.claim_run("cli")
    assert IngestionLock.objects.get(id="assets").run_id == second
    assert IngestionRun.objects.get(id=first).status == "failed"


def test_a_stale_slot_is_taken_over_and_its_run_failed(app, monkeypatch):
    crashed = pipeline.claim_run("schedule")
    IngestionLock.objects(id="assets").update_one(set__claimed_at=utcnow() - timedelta(seconds=1801))
    taker = pipeline.claim_run("api")
    run = IngestionRun.objects.get(id=crashed)
    assert run.status == "failed" and "went stale" in run.errors[0]["message"]
    assert IngestionLock.objects.get(id="assets").run_id == taker
    # Finishing the abandoned run late must not release the new run's slot.
    pipeline.fail_run(crashed, "late")
    assert IngestionLock.objects.get(id="assets").run_id == taker


def test_a_page_is_counted_once_even_when_redelivered(app):
    run_id = pipeline.claim_run("api")
    pipeline.begin_run(run_id)
    assert pipeline.begin_run(run_id) is None  # a redelivered ingest does not fan out again
    items = [{"rank": 1, "symbol": "BTC", "name": "Bitcoin"}]
    pipeline.store_page(run_id, "ranking", 0, items, [])
    pipeline.store_page(run_id, "ranking", 0, items, [])
    run = IngestionRun.objects.get(id=run_id)
    assert (run.pages_done, run.assets_ingested) == (1, 1)


def test_a_redelivered_publish_never_touches_a_published_snapshot(app):
    run_id = pipeline.claim_run("api")
    pipeline.begin_run(run_id)
    items = [{"rank": 1, "symbol": "BTC", "name": "Bitcoin"}, {"rank": 2, "symbol": "ETH", "name": "Ether"}]
    pipeline.store_page(run_id, "ranking", 0, items, [])
    # The worker died after publishing but before marking the run finished: the callback comes again.
    AssetSnapshot._get_collection().insert_one(
        {"_id": run_id, "run_id": run_id, "created_at": utcnow(), "published_at": utcnow(), "count": 1}
    )
    AssetItem._get_collection().insert_one(
        {"_id": f"{run_id}:1", "snapshot_id": run_id, "rank": 1, "symbol": "BTC", "name": "Bitcoin"}
    )
    assert pipeline.publish_run(run_id) == {"published": True, "snapshot_id": str(run_id)}
    assert AssetItem.objects(snapshot_id=run_id).count() == 1  # what readers saw, untouched
    assert IngestionRun.objects.get(id=run_id).status == "succeeded"


def _snapshot(age: timedelta, published: bool = True) -> ObjectId:
    sid = ObjectId()
    at = utcnow() - age
    AssetSnapshot._get_collection().insert_one(
        {"_id": sid, "run_id": sid, "created_at": at, "published_at": at if published else None, "count": 1}
    )
    AssetItem._get_collection().insert_one(
        {"_id": f"{sid}:1", "snapshot_id": sid, "rank": 1, "symbol": "X", "name": "X"}
    )
    return sid


def test_retention_removes_old_snapshots_but_never_the_latest(app, monkeypatch):
    override_settings(app, monkeypatch, ASSET_SNAPSHOT_RETENTION_SECONDS=3600)
    old, older = _snapshot(timedelta(hours=2)), _snapshot(timedelta(hours=3))
    assert pipeline.remove_old_snapshots() == 1  # `old` is the latest: it stays
    assert [s.id for s in AssetSnapshot.objects] == [old]
    recent, orphan = _snapshot(timedelta(minutes=1)), _snapshot(timedelta(hours=1), published=False)
    assert pipeline.remove_old_snapshots() == 2  # `old` now, and the unpublished leftover
    assert [s.id for s in AssetSnapshot.objects] == [recent]
    assert AssetItem.objects(snapshot_id__in=[old, older, orphan]).count() == 0


def test_prices_are_parsed_exactly(app, cmc, monkeypatch):
    override_settings(app, monkeypatch, COINMARKETCAP_PAGE_SIZE=10)
    cmc.script(
        Reply(
            200,
            '{"status": {"error_code": 0}, "data": [{"symbol": "A", "cmc_rank": 1, '
            '"quote": {"USD": {"price": 0.1000000000000000055511151231257827}}}, '
            '{"symbol": "B", "cmc_rank": 2, "quote": {"USD": {"price": 12345678901234567.25}}}, '
            '{"symbol": "C", "cmc_rank": 3, "quote": {"USD": {"price": 1e7000}}}]}',
        )
    )
    items, rejected = sources.fetch_price_page(0)
    assert [i["price_usd"] for i in items] == [
        Decimal("0.1000000000000000055511151231257827"),
        Decimal("12345678901234567.25"),
    ]
    assert rejected == [(2, "C: quote.USD.price must be a positive number")]  # not storable exactly


@pytest.mark.parametrize(
    "reply, kind",
    [
        (Reply(502, "bad gateway"), sources.TransientSourceError),
        (Reply(429, {"status": {"error_code": 1008, "error_message": "rate"}}), sources.TransientSourceError),
        (Reply(403, {"status": {"error_code": 1006, "error_message": "plan"}}), sources.PermanentSourceError),
        (Reply(200, "<html>not json</html>"), sources.PermanentSourceError),
        (Reply(200, "[]"), sources.PermanentSourceError),
        (Reply(200, {"status": {"error_code": 0}, "data": {}}), sources.PermanentSourceError),
    ],
)
def test_failures_are_classified(app, cmc, reply, kind):
    cmc.script(reply)
    with pytest.raises(kind):
        sources.fetch_price_page(0)


def test_an_unreachable_source_is_transient(app, monkeypatch):
    override_settings(app, monkeypatch, CRYPTOCOMPARE_BASE_URL="http://127.0.0.1:9")
    with pytest.raises(sources.TransientSourceError):
        sources.fetch_ranking_page(0)


def test_page_counts(app):
    assert sources.ranking_page_count(500) == 5 and sources.ranking_page_count(250) == 3
    assert sources.price_page_count(500, 200) == 5 and sources.price_page_count(250, 200) == 3
