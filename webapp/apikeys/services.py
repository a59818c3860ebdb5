"""API key management and lookup.

Keys are 256-bit random tokens, so a fast hash (SHA-256) is the right storage form: it cannot be
brute-forced, and it lets a request find its key in O(1) through the unique `key_hash` index. The
found hash is compared again in constant time. Revocation deletes nothing but is seen by the very
next request, because keys are not cached.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from webapp.apikeys.models import ApiKey, utcnow
from webapp.errors import NotFound
from webapp.ids import object_id_or_404

KEY_PREFIX = "fido_"
_SCOPE_RANK = {"read": 0, "write": 1, "admin": 2}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def scope_allows(scope: str, required: str) -> bool:
    return _SCOPE_RANK.get(scope, -1) >= _SCOPE_RANK[required]


def create_key(name: str, scope: str, key: str | None = None) -> tuple[ApiKey, str]:
    """Create a key (random unless `key` is given) and return the document and the plain key."""
    key = key or generate_key()
    doc = ApiKey(name=name, scope=scope, key_hash=hash_key(key), prefix=key[:9]).save()
    return doc, key


def register_hashed_key(name: str, scope: str, key_hash: str, prefix: str) -> ApiKey:
    """Store a key the caller generated, given only its SHA-256 hash and display prefix (the
    `create-api-key` CLI: the plaintext never leaves its process). Not idempotent."""
    return ApiKey(name=name, scope=scope, key_hash=key_hash, prefix=prefix).save()


def ensure_key(name: str, scope: str, key: str) -> ApiKey:
    """Make sure a key with exactly this value exists, active, with this scope (idempotent upsert)."""
    digest = hash_key(key)
    ApiKey.objects(key_hash=digest).update_one(
        upsert=True,
        set__name=name,
        set__scope=scope,
        set__revoked_at=None,
        set_on_insert__prefix=key[:9],
        set_on_insert__created_at=utcnow(),
    )
    return ApiKey.objects.get(key_hash=digest)


def authenticate(key: str) -> ApiKey | None:
    """The active key document for `key`, or None."""
    if not key or len(key) > 200:
        return None
    digest = hash_key(key)
    doc = ApiKey.objects(key_hash=digest, revoked_at=None).first()
    if doc is None or not hmac.compare_digest(doc.key_hash, digest):
        return None
    return doc


def list_keys() -> list[ApiKey]:
    return list(ApiKey.objects(revoked_at=None).order_by("-created_at"))


def revoke_key(key_id: str) -> None:
    oid = object_id_or_404(key_id, "API key not found.")
    updated = ApiKey.objects(id=oid, revoked_at=None).update_one(set__revoked_at=utcnow())
    if not updated:
        raise NotFound("API key not found.")
