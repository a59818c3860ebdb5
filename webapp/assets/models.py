"""Documents of the assets domain.

- `IngestionRun`: one ingestion, its progress counters and the errors it recorded.
- `IngestionLock`: ONE document (`_id: "assets"`) whose `run_id` is the run holding the single
  ingestion slot; claimed and released with conditional updates, never check-then-write.
- `RankingStage` / `PriceStage`: page items stored by page tasks, keyed by run (deterministic `_id`
  so a redelivered page inserts nothing twice); removed when the run finishes.
- `AssetSnapshot` / `AssetItem`: a snapshot and its items. Items are written first; the snapshot
  becomes visible when its single `published_at` field is set (the atomic publish).
"""

from __future__ import annotations

import mongoengine as me

RUN_STATUSES = ("queued", "running", "succeeded", "failed")
TRIGGERS = ("api", "schedule", "cli")


class IngestionRun(me.Document):
    status = me.StringField(required=True, choices=RUN_STATUSES)
    trigger = me.StringField(required=True, choices=TRIGGERS)
    ranking_pages = me.IntField(default=0)
    price_pages = me.IntField(default=0)
    pages_total = me.IntField(default=0)
    pages_done = me.IntField(default=0)
    pages_completed = me.ListField(me.StringField())  # "ranking:0", "prices:2": each counted once
    failed_pages = me.ListField(me.StringField())  # pages that failed for good
    assets_ingested = me.IntField(default=0)
    prices_ingested = me.IntField(default=0)
    items_rejected = me.IntField(default=0)
    errors = me.ListField(me.DictField())  # {"source", "page", "item", "message"}, first 100 kept
    snapshot_id = me.ObjectIdField(null=True)
    created_at = me.DateTimeField(required=True)
    started_at = me.DateTimeField(null=True)
    finished_at = me.DateTimeField(null=True)
    duration_ms = me.IntField(null=True)
    fetched_at = me.DateTimeField(null=True)  # every page in, the join and publish begin

    meta = {"collection": "asset_ingestion_runs", "indexes": [{"fields": ["-created_at"]}]}


class IngestionLock(me.Document):
    id = me.StringField(primary_key=True)
    run_id = me.ObjectIdField(null=True)
    claimed_at = me.DateTimeField(null=True)

    meta = {"collection": "asset_ingestion_lock"}


class RankingStage(me.Document):
    id = me.StringField(primary_key=True)  # "<run>:<rank>"
    run_id = me.ObjectIdField(required=True)
    rank = me.IntField(required=True)
    symbol = me.StringField(required=True)
    name = me.StringField(required=True)

    meta = {"collection": "asset_ranking_stage", "indexes": [{"fields": ["run_id", "rank"]}]}


class PriceStage(me.Document):
    id = me.StringField(primary_key=True)  # "<run>:<page>:<position>"
    run_id = me.ObjectIdField(required=True)
    symbol = me.StringField(required=True)
    cmc_rank = me.IntField(required=True)
    price_usd = me.Decimal128Field(required=True)

    meta = {"collection": "asset_price_stage", "indexes": [{"fields": ["run_id"]}]}


class AssetSnapshot(me.Document):
    # Same ObjectId as the run that built it: one snapshot per run, so a rerun callback is idempotent.
    run_id = me.ObjectIdField(required=True)
    created_at = me.DateTimeField(required=True)
    published_at = me.DateTimeField(null=True)  # null until every item is written
    count = me.IntField(default=0)
    provider = me.StringField(null=True)  # "cryptocompare+coinmarketcap" (demo: "demo-..." each)

    meta = {"collection": "asset_snapshots", "indexes": [{"fields": ["-published_at", "-id"]}]}


class AssetItem(me.Document):
    id = me.StringField(primary_key=True)  # "<snapshot>:<rank>"
    snapshot_id = me.ObjectIdField(required=True)
    rank = me.IntField(required=True)
    symbol = me.StringField(required=True)
    name = me.StringField(required=True)
    price_usd = me.Decimal128Field(null=True)

    meta = {"collection": "asset_items", "indexes": [{"fields": ["snapshot_id", "rank"]}]}
