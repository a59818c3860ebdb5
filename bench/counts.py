"""Deterministic per-request counts for the benchmarks: Redis round trips and commands, MongoDB
operations. Times vary with the machine; these do not, so they are compared across commits.

- Redis: `MONITOR` on the server while the requests run. A round trip is a command a client sent
  (the connection handshake, HELLO/SELECT/CLIENT/AUTH, excluded: it happens once per pooled
  connection, not per request); `commands` adds the ones a Lua script ran (what INFO commandstats
  counts). The monitor's own sentinel `ECHO` marks the end.
- MongoDB: the embedded database's operation counter (one per public collection call,
  `webapp.embedded_db.EmbeddedState.operations`), so only for `mongomock://`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import redis

HANDSHAKE = {"HELLO", "SELECT", "CLIENT", "AUTH"}
SENTINEL = "fido-bench-counts-end"


class RedisMonitor:
    """Collect every command the Redis server at `url` runs between `__enter__` and `__exit__`."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)
        self.sent: Counter = Counter()  # command name -> calls sent by clients
        self.scripted: Counter = Counter()  # command name -> calls run inside Lua scripts
        self._ready = threading.Event()

    def _listen(self, monitor) -> None:
        self._ready.set()
        for entry in monitor.listen():
            words = entry["command"].split(" ", 1)
            name = words[0].upper()
            if name == "ECHO" and SENTINEL in entry["command"]:
                return
            if entry.get("client_type") == "lua":
                self.scripted[name] += 1
            elif name not in HANDSHAKE:
                self.sent[name] += 1

    def __enter__(self):
        self._monitor = self.client.monitor().__enter__()
        self._thread = threading.Thread(target=self._listen, args=(self._monitor,), daemon=True)
        self._thread.start()
        self._ready.wait(5)
        self.client.ping()  # MONITOR is active once the server answered the next command
        return self

    def __exit__(self, *exc):
        self.client.echo(SENTINEL)
        self._thread.join(10)
        self._monitor.__exit__(*exc)
        self.sent["PING"] -= 1  # ours, from __enter__
        self.sent = +self.sent

    def per(self, requests: int) -> dict:
        return {
            "redis_round_trips": round(sum(self.sent.values()) / requests, 2),
            "redis_commands": round((sum(self.sent.values()) + sum(self.scripted.values())) / requests, 2),
            "redis_by_command": {
                name: round(calls / requests, 2) for name, calls in sorted((self.sent + self.scripted).items())
            },
        }


def mongo_operations() -> int | None:
    """The embedded database's operation counter (None when not embedded)."""
    try:
        from webapp.embedded_db import state

        return state().operations
    except (AttributeError, KeyError, ImportError):
        return None


def _quiet(timeout: float = 5.0) -> None:
    """Wait until the database counter stops moving (requests a load generator left in flight)."""
    deadline = time.monotonic() + timeout
    last = mongo_operations()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = mongo_operations()
        if now == last:
            return
        last = now


def per_request(url: str, requests: int, workload) -> dict:
    """Run `workload()` (which makes `requests` requests) under both counters; counts per request."""
    _quiet()
    before = mongo_operations()
    with RedisMonitor(url) as monitor:
        workload()
    after = mongo_operations()
    counts = monitor.per(requests)
    counts["mongo_operations"] = None if before is None else round((after - before) / requests, 2)
    return counts
