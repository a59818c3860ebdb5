"""The only code that touches the audit collection: insert, keyset page, purge by age.

Every operation is one database call: an insert, one range query on an index ending in `_id`
(newest first, no skip), one `delete_many` on an `_id` range.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from webapp.audit.models import AuditRecord

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OBJECT_ID_END = datetime(2106, 2, 7, tzinfo=UTC)


def _records():
    return AuditRecord._get_collection()


def insert(record: dict) -> None:
    """Append one record (a new `_id`). Atomic: one insert."""
    _records().insert_one({"_id": ObjectId(), **record})


def page(filters: dict, before_id: ObjectId | None, limit: int) -> list[dict]:
    """Up to `limit` records matching `filters` (equality on api_key_id/method/status, `at_from`/
    `at_to` as inclusive/exclusive datetimes), `_id` below `before_id`, newest first."""
    query: dict = {k: filters[k] for k in ("api_key_id", "method", "status") if k in filters}
    ids: dict = {}
    at: dict = {}
    if filters.get("at_from") is not None:
        at["$gte"] = filters["at_from"]
        if _EPOCH <= filters["at_from"] < _OBJECT_ID_END:  # an ObjectId holds 32-bit seconds since 1970
            ids["$gte"] = ObjectId.from_datetime(filters["at_from"])  # floored to the second: a superset
    if filters.get("at_to") is not None:
        at["$lt"] = filters["at_to"]
    if before_id is not None:
        ids["$lt"] = before_id
    if ids:
        query["_id"] = ids
    if at:
        query["at"] = at
    return list(_records().find(query).sort([("_id", -1)]).limit(limit))


def purge_before(cutoff: datetime) -> int:
    """Delete records inserted before `cutoff` (by the time in their `_id`). One `delete_many`."""
    if cutoff <= _EPOCH:
        return 0
    return _records().delete_many({"_id": {"$lt": ObjectId.from_datetime(cutoff)}}).deleted_count
