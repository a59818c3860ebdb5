"""The identity of the database this process uses, and Redis keys namespaced by it.

Redis outlives the database (a new embedded file, a restored backup, another MONGO_URI), so
anything the API serves from Redis that came from the database is keyed under the database's
identity: a random id created once in the `instance` collection. A different or fresh database has
another id and therefore never sees the first one's cached data.

Atomicity: the id is created by one upsert with `$setOnInsert`; two processes racing on a fresh
database both read the one document that won (a lost upsert race is retried as a read).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import mongoengine
from flask import current_app
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

COLLECTION = "instance"
_DOC_ID = "identity"


def database_id() -> str:
    """This database's id, read once per connection (cached on the app next to that connection)."""
    db = mongoengine.get_db()
    cached = current_app.extensions.get("database_id")
    if cached is not None and cached[0] is db:
        return cached[1]
    coll = db[COLLECTION]
    try:
        doc = coll.find_one_and_update(
            {"_id": _DOC_ID},
            {"$setOnInsert": {"value": secrets.token_hex(8), "created_at": datetime.now(UTC)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # another process created it first
        doc = coll.find_one({"_id": _DOC_ID})
    current_app.extensions["database_id"] = (db, doc["value"])
    return doc["value"]


def namespaced(key: str) -> str:
    """`key` under this database's namespace: `db:<id>:<key>`."""
    return f"db:{database_id()}:{key}"
