"""The app's cache of authenticated keys: key hash -> `KeyIdentity` (id, scope), so a request whose
key was seen before needs no database read.

Contract:
- A change to the keys (revocation, a start-up key replaced) is seen by the very next request in
  every process. The change is written to the database first, then `announce_change()` sets
  `GENERATION_KEY` in the rate-limit Redis to a new random token. The rate limiter's one script
  per request reads that token (no extra round trip; `webapp.ratelimit`), and a request that took
  its key from the cache under another token is checked against the database again
  (`webapp.auth`), which also empties the cache.
- An entry is kept only when the cache saw the current token before the database read that found
  it (`add`), so a read that raced a revocation is never kept under the token announced after it.
- Without a token (RATELIMIT_STORAGE_URI=memory://, Redis unreachable) nothing is cached: every
  request reads its key from the database.
- Holds key hashes, key ids and scopes only: never a key, never personal data. At most
  `MAX_ENTRIES` entries (emptied when full). One per app (`app.extensions["apikey_cache"]`),
  thread-safe.
"""

from __future__ import annotations

import secrets
import threading

import redis
from flask import current_app

from webapp.apikeys.models import KeyIdentity
from webapp.errors import Unavailable

GENERATION_KEY = "fido-apikeys:generation"
MAX_ENTRIES = 1024


class KeyCache:
    """Key hash -> KeyIdentity, valid under `generation` (the token last read from Redis)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, KeyIdentity] = {}
        self._max_entries = max_entries
        self.generation: str | None = None

    def lookup(self, key_hash: str) -> tuple[KeyIdentity | None, str | None]:
        """(the cached identity or None, the generation it is valid under). The generation is read
        first: an entry present after it was added under it (`observe` empties before it moves)."""
        generation = self.generation
        return self._entries.get(key_hash), generation

    def add(self, identity: KeyIdentity, generation: str | None) -> None:
        """Keep `identity`, found by a database read that started when the cache's generation was
        `generation`; dropped when that is unknown or has changed since."""
        with self._lock:
            if generation is None or generation != self.generation:
                return
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[identity.key_hash] = identity

    def observe(self, generation: str | None) -> None:
        """The generation a request just read from Redis (None: not known); a change empties the cache."""
        if generation is not None and generation == self.generation:
            return
        with self._lock:
            if generation is None or generation != self.generation:
                self._entries.clear()
                self.generation = generation

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation = None

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> dict[str, KeyIdentity]:
        """A copy of what the cache holds (for tests and inspection)."""
        return dict(self._entries)


def announce_change() -> None:
    """Tell every process's cache that keys changed (call after the database write). Unavailable
    (503) when Redis cannot be reached: the change is stored, but the caller must retry the
    announcement (revoking again does) before it is sure other processes see it."""
    client = current_app.extensions["ratelimit"].client
    if client is None:  # memory:// limits: no cache anywhere
        return
    try:
        client.set(GENERATION_KEY, secrets.token_hex(16))
    except (redis.ConnectionError, redis.TimeoutError):
        raise Unavailable("The key change is stored but could not be announced to every process; retry.") from None
