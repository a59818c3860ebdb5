"""Document ids from untrusted input. A malformed id names no document: callers answer 404."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from webapp.errors import NotFound


def object_id(value) -> ObjectId | None:
    """`value` as an ObjectId, or None when it is not a well-formed one (wrong type or text)."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def object_id_or_404(value, message: str) -> ObjectId:
    oid = object_id(value)
    if oid is None:
        raise NotFound(message)
    return oid
