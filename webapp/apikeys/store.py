"""The API keys aggregate's store: the only code that touches the `api_keys` collection.

Keys are found by the SHA-256 of the key through the unique `key_hash` index. Every operation is
one atomic single-document operation.
"""

from __future__ import annotations

from bson import ObjectId

from webapp.apikeys.models import ApiKey, KeyIdentity
from webapp.clock import utcnow

# The listing's fields (never `key_hash`); the projection is a new dict per call (drivers may mutate it).
_LISTED = ("name", "scope", "prefix", "created_at")


def insert_key(name: str, scope: str, key_hash: str, prefix: str) -> ApiKey:
    """Insert a new key. Atomic (one insert; a second key with the same hash is a duplicate-key error)."""
    return ApiKey(name=name, scope=scope, key_hash=key_hash, prefix=prefix).save(force_insert=True)


def upsert_key(name: str, scope: str, key_hash: str, prefix: str) -> ApiKey:
    """Make the key with `key_hash` exist, active, named `name` with `scope`; the key after.
    Atomic (one upsert on the unique `key_hash` index)."""
    return ApiKey.objects(key_hash=key_hash).modify(
        upsert=True,
        new=True,
        set__name=name,
        set__scope=scope,
        set__revoked_at=None,
        set_on_insert__prefix=prefix,
        set_on_insert__created_at=utcnow(),
    )


def find_active_by_hash(key_hash: str) -> KeyIdentity | None:
    """The active (not revoked) key with `key_hash`, or None. One read on the unique `key_hash` index.
    Runs on every authenticated request whose key is not in the app's key cache: a raw read of
    three fields, no document built."""
    row = ApiKey._get_collection().find_one(
        {"key_hash": key_hash, "revoked_at": None}, {"_id": 1, "scope": 1, "key_hash": 1}
    )
    return None if row is None else KeyIdentity(row["_id"], row["scope"], row["key_hash"])


def active_keys() -> list[dict]:
    """Active keys, newest first, as dicts of `id` and the listed fields (never the hash). One
    read (index `-created_at`), raw: no document built."""
    rows = ApiKey._get_collection().find({"revoked_at": None}, dict.fromkeys(_LISTED, 1), sort=[("created_at", -1)])
    return [{"id": row["_id"], **{name: row.get(name) for name in _LISTED}} for row in rows]


def revoke(oid: ObjectId) -> bool:
    """Revoke active key `oid`; False when there is none (unknown or already revoked). Atomic
    (conditional update: of two racing revokes exactly one succeeds)."""
    return bool(ApiKey.objects(id=oid, revoked_at=None).update_one(set__revoked_at=utcnow()))


def revoke_others_named(name: str, keep_hash: str) -> int:
    """Revoke every active key named `name` except the one with `keep_hash`; how many. Atomic per
    document (one conditional multi-update on the `name` index)."""
    return ApiKey.objects(name=name, revoked_at=None, key_hash__ne=keep_hash).update(set__revoked_at=utcnow())
