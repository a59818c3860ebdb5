"""The per-app cache of authenticated keys (`webapp.apikeys.cache`): a revocation is seen by the
very next request, whichever process made it; nothing is cached without a key generation; the
cache holds key ids, scopes and hashes only."""

import dataclasses

import pytest
import redis

from tests.platform.test_processes import free_port
from tests.support import make_key
from webapp.apikeys import store
from webapp.apikeys.cache import GENERATION_KEY, KeyCache
from webapp.apikeys.models import KeyIdentity
from webapp.apikeys.services import hash_key, revoke_key
from webapp.errors import Unavailable
from webapp.ratelimit import Counters


def _cache(app) -> KeyCache:
    return app.extensions["apikey_cache"]


def _cached(app, client, key: str) -> None:
    """Requests with `key` until the cache holds it (the first requests learn the generation)."""
    for _ in range(3):
        assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 200
    assert hash_key(key) in _cache(app).entries()


def test_a_cached_key_revoked_over_http_is_refused_on_the_next_request(app, client):
    admin, other = make_key("admin"), make_key("admin")
    _cached(app, client, other)
    key_id = str(store.find_active_by_hash(hash_key(other)).id)
    assert client.delete(f"/api/v1/api-keys/{key_id}", headers={"X-API-Key": admin}).status_code == 204
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": other}).status_code == 401
    assert hash_key(other) not in _cache(app).entries()


def test_a_revocation_by_another_process_is_seen_on_the_next_request(app, client):
    """Another process writes the revocation to the database and announces it in Redis (what
    `revoke_key` does there); this process's cache only learns it from the generation its rate
    limiter's script reads."""
    key = make_key("admin")
    _cached(app, client, key)
    identity = store.find_active_by_hash(hash_key(key))
    assert store.revoke(identity.id)
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 200  # not announced yet
    redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"]).set(GENERATION_KEY, "another-process")
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 401


def test_a_scope_change_is_seen_on_the_next_request(app, client):
    from webapp.apikeys.services import ensure_key

    ensure_key("ops", "admin", "fido_ops-key-for-the-cache-test")
    headers = {"X-API-Key": "fido_ops-key-for-the-cache-test"}
    _cached(app, client, headers["X-API-Key"])
    ensure_key("ops", "read", "fido_ops-key-for-the-cache-test")
    assert client.get("/api/v1/api-keys", headers=headers).status_code == 403
    assert client.get("/api/v1/users", headers=headers).status_code == 200


def test_without_redis_nothing_is_cached_and_revocation_still_holds(app, client, monkeypatch):
    key = make_key("admin")
    _cached(app, client, key)
    unreachable = Counters(redis.Redis(port=free_port(), socket_connect_timeout=0.2))
    monkeypatch.setitem(app.extensions, "ratelimit", unreachable)
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 200
    assert _cache(app).entries() == {} and _cache(app).generation is None
    for _ in range(2):
        assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 200
    assert _cache(app).entries() == {}
    assert store.revoke(store.find_active_by_hash(hash_key(key)).id)
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 401


def test_a_revocation_that_cannot_be_announced_is_503_and_a_retry_announces_it(app, monkeypatch):
    key = make_key("admin")
    key_id = str(store.find_active_by_hash(hash_key(key)).id)
    watcher = redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"])
    watcher.set(GENERATION_KEY, "before")
    with monkeypatch.context() as patch:
        patch.setitem(app.extensions, "ratelimit", Counters(redis.Redis(port=free_port(), socket_connect_timeout=0.2)))
        with pytest.raises(Unavailable):
            revoke_key(key_id)
    assert store.find_active_by_hash(hash_key(key)) is None  # stored
    with pytest.raises(Exception, match="not found"):
        revoke_key(key_id)  # already revoked: still announced
    assert watcher.get(GENERATION_KEY) not in (None, b"before")


def test_the_cache_holds_key_ids_scopes_and_hashes_only(app, client):
    keys = [make_key(scope) for scope in ("read", "write", "admin")]
    created = client.post(
        "/api/v1/users",
        headers={"X-API-Key": keys[1]},
        json={"name": "Ama Mensah", "email": "ama@example.com", "phone_number": "+233241234567"},
    )
    assert created.status_code == 201
    for key in keys:
        for path in ("/api/v1/users", f"/api/v1/users/{created.get_json()['id']}"):
            for _ in range(3):
                assert client.get(path, headers={"X-API-Key": key}).status_code == 200
    entries = _cache(app).entries()
    assert set(entries) == {hash_key(key) for key in keys}
    for key_hash, identity in entries.items():
        assert type(identity) is KeyIdentity
        assert [f.name for f in dataclasses.fields(identity)] == ["id", "scope", "key_hash"]
        assert identity.key_hash == key_hash
    text = repr(entries)
    assert not any(secret in text for secret in keys)
    assert not any(value in text for value in ("Ama", "ama@example.com", "+233241234567"))


def test_an_entry_read_before_a_generation_change_is_not_kept():
    cache = KeyCache()
    identity = KeyIdentity("id-1", "read", "h1")
    cache.add(identity, None)  # no generation known: nothing is kept
    assert cache.entries() == {}
    cache.observe("g1")
    _, seen = cache.lookup("h1")  # a request notes g1, then reads the database...
    cache.observe("g2")  # ...while another request learns of a change
    cache.add(identity, seen)
    assert cache.entries() == {}
    _, seen = cache.lookup("h1")
    cache.add(identity, seen)
    assert cache.lookup("h1") == (identity, "g2")
    cache.observe(None)  # Redis unreachable
    assert cache.entries() == {} and cache.generation is None


def test_the_cache_is_bounded():
    cache = KeyCache(max_entries=2)
    cache.observe("g")
    for i in range(3):
        cache.add(KeyIdentity(i, "read", f"h{i}"), "g")
    assert len(cache) <= 2 and "h2" in cache.entries()
