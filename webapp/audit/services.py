"""The audit trail's rules: what is recorded, how it is listed, how long it is kept.

`record(...)` takes request metadata that the HTTP layer (`webapp.audit.recorder`) collected after
the response was decided; it never raises (a database outage is the recorder's to log once).
Listing is newest first by record id, cursor-paged (the cursor is the last id, signed).
Retention: `purge_expired()` deletes what is older than AUDIT_RETENTION_DAYS (beat, `audit.purge`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId
from bson.errors import InvalidId

from webapp.audit import store
from webapp.errors import Invalid
from webapp.pagination import decode_cursor, encode_cursor
from webapp.settings import current as current_settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def should_record(path: str, method: str, status: int) -> bool:
    """Every /api/v1 request that is not a GET/HEAD/OPTIONS, and every 401/403."""
    if not (path == "/api/v1" or path.startswith("/api/v1/")):
        return False
    return method not in SAFE_METHODS or status in (401, 403)


def record(fields: dict) -> None:
    """Append the record of one request (fields: api_key_id, method, route, resource_id, status,
    request_id, client_ip), stamped now."""
    store.insert({"at": datetime.now(UTC), **fields})


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_records(args: dict) -> dict:
    before = None
    if args.get("cursor"):
        values = decode_cursor(args["cursor"])
        try:
            if len(values) != 1:
                raise ValueError
            before = ObjectId(values[0])
        except (InvalidId, TypeError, ValueError):
            raise Invalid("The cursor is malformed.", errors={"query": {"cursor": ["Invalid cursor."]}}) from None
    filters = {k: args[k] for k in ("api_key_id", "method", "status") if args.get(k) is not None}
    filters["at_from"], filters["at_to"] = args.get("since"), args.get("until")
    size = args["page_size"]
    rows = store.page(filters, before, size + 1)
    items = [{**row, "_id": str(row["_id"]), "at": _utc(row["at"])} for row in rows[:size]]
    next_cursor = encode_cursor([items[-1]["_id"]]) if len(rows) > size else None
    return {"items": items, "next_cursor": next_cursor}


def purge_expired(now: datetime | None = None) -> int:
    """Delete records older than AUDIT_RETENTION_DAYS; how many. Idempotent."""
    now = now or datetime.now(UTC)
    return store.purge_before(now - timedelta(days=int(current_settings().platform.AUDIT_RETENTION_DAYS)))
