"""Contract of the API keys store (`webapp.apikeys.store`): lookups, revocation and upserts under
racing requests. Each test names the MongoDB guarantee it relies on."""

from __future__ import annotations

import pytest

from tests.contract.support import THREADS, assert_indexed, race
from webapp.apikeys import store
from webapp.apikeys.models import ApiKey
from webapp.apikeys.services import generate_key, hash_key


@pytest.fixture
def key(app):
    plain = generate_key()
    return store.insert_key("contract", "write", hash_key(plain), plain[:9])


def test_racing_revokes_succeed_once(key):
    """Relies on: a conditional update (`revoked_at: null`) is atomic: one of N revokes wins."""
    assert race(lambda i: store.revoke(key.id)).count(True) == 1
    assert store.find_active_by_hash(key.key_hash) is None


def test_lookup_racing_a_revoke_finds_the_key_or_nothing_and_nothing_after(key):
    """Relies on: a single-document update is durable and visible to every read that starts after
    it returned, so once `revoke` returned no lookup finds the key; a lookup racing the revoke
    finds the key or nothing. (It may show `revoked_at` already set: mongomock matches a filter
    outside the embedded write serialization, so a read can return the document as written just
    after it matched; MongoDB returns a document as it matched. Authentication only needs the
    key's presence.)"""
    results = race(lambda i: store.revoke(key.id) if i == 0 else store.find_active_by_hash(key.key_hash))
    assert results[0] is True
    assert all(r is None or r.id == key.id for r in results[1:])
    assert race(lambda i: store.find_active_by_hash(key.key_hash)) == [None] * THREADS


def test_racing_upserts_of_one_key_make_one_document(app):
    """Relies on: an upsert on a field with a unique index makes one document; a racing upsert
    that loses with a duplicate-key error is retried by MongoDB as an update (equality filter on
    the unique field), so every caller gets the key."""
    plain = generate_key()
    docs = race(lambda i: store.upsert_key("ops", "admin", hash_key(plain), plain[:9]))
    assert all(doc is not None and doc.scope == "admin" for doc in docs)
    assert ApiKey.objects(key_hash=hash_key(plain)).count() == 1
    assert len({doc.id for doc in docs}) == 1


@pytest.mark.real_mongo
def test_lookup_uses_the_hash_index(key):
    """Real MongoDB only (`explain`): a request finds its key through the unique `key_hash` index,
    and the listing of active keys through `-created_at`."""
    assert_indexed("api_keys", {"key_hash": key.key_hash, "revoked_at": None})
    assert_indexed("api_keys", {"revoked_at": None}, [("created_at", -1)])
