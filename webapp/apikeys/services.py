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
from dataclasses import dataclass

from webapp.apikeys import store
from webapp.apikeys.models import ApiKey
from webapp.errors import NotFound
from webapp.ids import object_id_or_404

KEY_PREFIX = "fido_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class IssuedKey:
    """A key just created: its document and the plain key, shown once (dumped by ApiKeyCreatedSchema)."""

    record: ApiKey
    key: str


def create_key(name: str, scope: str, key: str | None = None) -> tuple[ApiKey, str]:
    """Create a key (random unless `key` is given) and return the document and the plain key."""
    key = key or generate_key()
    return store.insert_key(name, scope, hash_key(key), key[:9]), key


def issue_key(name: str, scope: str) -> IssuedKey:
    """Create a random key; the result is the only place its secret appears."""
    return IssuedKey(*create_key(name, scope))


def register_hashed_key(name: str, scope: str, key_hash: str, prefix: str) -> ApiKey:
    """Store a key the caller generated, given only its SHA-256 hash and display prefix (the
    `create-api-key` CLI: the plaintext never leaves its process). Not idempotent."""
    return store.insert_key(name, scope, key_hash, prefix)


def ensure_key(name: str, scope: str, key: str) -> ApiKey:
    """Make sure a key with exactly this value exists, active, with this scope (idempotent upsert)."""
    return store.upsert_key(name, scope, hash_key(key), key[:9])


def authenticate(key: str) -> ApiKey | None:
    """The active key document for `key`, or None."""
    if not key or len(key) > 200:
        return None
    digest = hash_key(key)
    doc = store.find_active_by_hash(digest)
    if doc is None or not hmac.compare_digest(doc.key_hash, digest):
        return None
    return doc


def list_keys() -> list[ApiKey]:
    return store.active_keys()


def revoke_key(key_id: str) -> None:
    oid = object_id_or_404(key_id, "API key not found.")
    if not store.revoke(oid):
        raise NotFound("API key not found.")
