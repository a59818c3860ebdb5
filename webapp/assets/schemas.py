"""Request and response schemas of the assets API and of ingestion runs."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates

from webapp.assets.models import RUN_STATUSES, TRIGGERS
from webapp.fields import Integer, UtcDateTime
from webapp.pagination import page_schema
from webapp.settings import current as current_settings

FORMATS = ("json", "csv")


class AssetQuerySchema(Schema):
    """`?limit=&datetime=&format=`; undocumented parameters are ignored (the API's convention)."""

    limit = Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "1..ASSET_LIMIT, default 50", "x-maximum-setting": "ASSET_LIMIT"},
    )
    at = UtcDateTime(
        data_key="datetime",
        load_default=None,
        metadata={"description": "ISO 8601; the newest snapshot published at or before it (UTC if no offset)"},
    )
    fmt = fields.String(data_key="format", load_default="json", validate=validate.OneOf(FORMATS))

    @validates("limit")
    def _limit_in_range(self, value, **_):
        top = current_settings().assets.ASSET_LIMIT
        if value is not None and value > top:
            raise ValidationError(f"Must be between 1 and {top}.")


class AssetItemSchema(Schema):
    rank = fields.Integer(required=True)
    symbol = fields.String(required=True)
    name = fields.String(required=True)
    price_usd = fields.String(required=True, allow_none=True, metadata={"description": "exact decimal string"})


class AssetListSchema(Schema):
    snapshot_id = fields.String(required=True)
    last_updated = fields.DateTime(required=True, metadata={"description": "when the snapshot was published"})
    provider = fields.String(metadata={"description": '"cryptocompare+coinmarketcap" (demo: "demo-" before each)'})
    items = fields.List(fields.Nested(AssetItemSchema), required=True)


class RunErrorSchema(Schema):
    source = fields.String(required=True, metadata={"description": "cryptocompare, coinmarketcap or run"})
    page = fields.Integer(allow_none=True)
    item = fields.Integer(allow_none=True, metadata={"description": "position in the page, null for a page"})
    message = fields.String(required=True)


def stage_timings(run: dict) -> dict:
    """Milliseconds per stage of a stored run: waiting in the queue, fetching the pages, joining and
    publishing (null until the stage has ended, or when the run never reached it)."""

    def ms(start, end):
        return None if start is None or end is None else int((end - start).total_seconds() * 1000)

    started, fetched, finished = run.get("started_at"), run.get("fetched_at"), run.get("finished_at")
    return {
        "queued_ms": ms(run.get("created_at"), started),
        "fetch_ms": ms(started, fetched),
        "publish_ms": ms(fetched, finished),
    }


class RunTimingsSchema(Schema):
    queued_ms = fields.Integer(allow_none=True, metadata={"description": "created_at -> started_at"})
    fetch_ms = fields.Integer(allow_none=True, metadata={"description": "started_at -> every page fetched"})
    publish_ms = fields.Integer(allow_none=True, metadata={"description": "join and publish -> finished_at"})


class IngestionRunSchema(Schema):
    """Dumps a stored run document; counters a queued run has not set yet dump as 0, times as null."""

    id = fields.String(attribute="_id", required=True)
    status = fields.String(required=True, validate=validate.OneOf(RUN_STATUSES))
    trigger = fields.String(required=True, validate=validate.OneOf(TRIGGERS))
    pages_total = fields.Integer(required=True, dump_default=0)
    pages_done = fields.Integer(required=True, dump_default=0)
    assets_ingested = fields.Integer(required=True, dump_default=0)
    prices_ingested = fields.Integer(required=True, dump_default=0)
    items_rejected = fields.Integer(dump_default=0)
    errors = fields.List(fields.Nested(RunErrorSchema), dump_default=list)
    snapshot_id = fields.String(allow_none=True, dump_default=None)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True, dump_default=None)
    finished_at = fields.DateTime(allow_none=True, dump_default=None)
    duration_ms = fields.Integer(
        allow_none=True, dump_default=None, metadata={"description": "finished_at - started_at"}
    )
    timings = fields.Nested(RunTimingsSchema, required=True)

    @pre_dump
    def _with_timings(self, run, **kwargs):
        return {**run, "timings": stage_timings(run)}


IngestionRunPageSchema = page_schema(IngestionRunSchema, "IngestionRunPage")
