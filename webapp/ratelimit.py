"""Rate limits on `/api/v1`: one Redis round trip per request, whatever the number of limits.

Contract:
- `RATE_LIMIT_DEFAULT` is ONE budget per API key shared by every `/api/v1` route (per client
  address for public routes); a view marked `@limited("SETTING")` adds that setting's limit, per
  key and per view, on top. Every limited response carries `X-RateLimit-Limit/Remaining/Reset`
  describing the shared budget (`Reset`: Unix time in seconds when the window ends).
- Failed authentication is counted per client address (`RATE_LIMIT_AUTH_FAILURES`). Past it, every
  request from that address is a 429, a correct key included, until its window passes.
- A 429 carries `Retry-After` (seconds until the window that refused it ends); nothing else here
  sets `Retry-After`.
- Windows are fixed: the first hit creates the counter with the window as its TTL. One Lua script
  (EVALSHA on the request thread's own connection; EVAL when Redis lacks it)
  checks the address's failure count and increments every counter of the request, and returns each
  count with its TTL, so the headers need no further read. Health, docs and the spec cost nothing.
- Limit strings ("600 per minute", several joined by ";") are parsed once per distinct value
  (`limits.parse_many`, cached); each rate of a setting is a counter of its own. The headers
  describe the shared budget's rate with the least left.
- The same script reads the API key generation (`webapp.apikeys.cache.GENERATION_KEY`, created
  when missing) and hands it to the key cache through `g.key_generation`; nothing else is read.
- If Redis cannot be reached, counting falls back to per-process memory (same semantics, per
  process); the switch is logged once, and Redis is tried again after `RETRY_REDIS_SECONDS`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field

import redis
from flask import Flask, current_app, g, request
from flask_smorest import abort
from limits import RateLimitItem, parse_many

from webapp.apikeys.cache import GENERATION_KEY
from webapp.http import view_marker
from webapp.settings import current as current_settings
from webapp.settings import value as settings_value

log = logging.getLogger(__name__)

PREFIX = "fido-rl"
RETRY_REDIS_SECONDS = 5.0

# KEYS[1]: the API key generation (`webapp.apikeys.cache`), read for the key cache and returned;
# made from Redis's clock when missing (a restarted Redis never repeats an earlier one). ARGV[1]: n,
# the number of blockers. KEYS[2..n+1]: the address's auth-failure counters, ARGV[2..n+1] their
# limits (checked, not incremented). KEYS[n+2..]: counters to increment, ARGV[n+2..] their windows
# in seconds (KEYS[i] goes with ARGV[i]).
# Returns {ttl, i} when blocker i is past its limit, else {-1, generation, count, ttl, count, ttl...}.
_SCRIPT = """
local n = tonumber(ARGV[1])
for i = 2, n + 1 do
  local failures = tonumber(redis.call('GET', KEYS[i]) or '0')
  if failures > tonumber(ARGV[i]) then
    return {redis.call('TTL', KEYS[i]), i - 1}
  end
end
local generation = redis.call('GET', KEYS[1])
if not generation then
  local now = redis.call('TIME')
  generation = 'time-' .. now[1] .. '.' .. now[2]
  redis.call('SET', KEYS[1], generation)
end
local out = {-1, generation}
for i = n + 2, #KEYS do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[i]) end
  out[#out + 1] = count
  out[#out + 1] = redis.call('TTL', KEYS[i])
end
return out
"""
_SCRIPT_SHA = hashlib.sha1(_SCRIPT.encode()).hexdigest()  # noqa: S324  (Redis names scripts by SHA-1)


@functools.lru_cache(maxsize=64)
def parse_limits(text: str) -> tuple[RateLimitItem, ...]:
    """`text` ("600 per minute", "10/second; 600/minute") parsed once per distinct value."""
    return tuple(parse_many(text))


def _evalsha(connection: redis.Connection, keys: list, args: list):
    """The script's reply: EVALSHA (its body is not sent); EVAL when Redis does not hold the script
    yet (a new or restarted Redis), which also stores it."""
    try:
        connection.send_command("EVALSHA", _SCRIPT_SHA, len(keys), *keys, *args)
        return connection.read_response()
    except redis.exceptions.NoScriptError:
        connection.send_command("EVAL", _SCRIPT, len(keys), *keys, *args)
        return connection.read_response()


@dataclass
class Answer:
    """The script's answer: `values` is {ttl, i} (blocked by blocker i) or {-1, count, ttl, ...};
    `generation` is the API key generation read on the way (None when blocked or counted in memory)."""

    values: list[int]
    generation: str | None = None


@dataclass
class Counters:
    """Redis counters with a per-process memory fallback. One instance per app."""

    client: redis.Redis | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    memory: dict = field(default_factory=dict)  # key -> [count, expires_at]
    redis_down_until: float = 0.0
    local: threading.local = field(default_factory=threading.local)  # each thread's own connection

    def _connection(self) -> redis.Connection:
        """This thread's connection to the limiter's Redis (made on first use, again after a fork or
        an error). The script runs on it directly: the client's pool would add a lock, a
        readiness poll and bookkeeping to every request (~50 us of CPU here)."""
        held = getattr(self.local, "held", None)
        if held is None or held[0] != os.getpid():
            pool = self.client.connection_pool
            held = self.local.held = (os.getpid(), pool.connection_class(**pool.connection_kwargs))
        return held[1]

    def _script(self, keys: list, args: list):
        """One round trip. A connection Redis closed (a restart, an idle timeout) is replaced once
        before Redis counts as unreachable."""
        connection = self._connection()
        try:
            try:
                return _evalsha(connection, keys, args)
            except redis.ConnectionError:
                connection.disconnect()  # sending again connects again
                return _evalsha(connection, keys, args)
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()
            raise

    def run(self, blockers: list[tuple[str, int]], counters: list[tuple[str, int]]) -> Answer:
        """The script's answer (see `_SCRIPT`), from Redis or, if unreachable, from memory."""
        now = time.monotonic()
        if self.client is not None and now >= self.redis_down_until:
            keys = [GENERATION_KEY] + [key for key, _ in blockers] + [key for key, _ in counters]
            args = [len(blockers)] + [limit for _, limit in blockers] + [window for _, window in counters]
            try:
                raw = self._script(keys, args)
            except (redis.ConnectionError, redis.TimeoutError):
                with self.lock:
                    if self.redis_down_until == 0.0:
                        log.warning("rate limits: Redis unreachable; counting in process memory")
                    self.redis_down_until = now + RETRY_REDIS_SECONDS
            else:
                if self.redis_down_until:
                    with self.lock:
                        self.redis_down_until = 0.0
                    log.warning("rate limits: Redis reachable again")
                if raw[0] != -1:
                    return Answer([int(x) for x in raw])
                return Answer([-1, *(int(x) for x in raw[2:])], raw[1].decode("ascii"))
        return Answer(self._in_memory(now, blockers, counters))

    def _in_memory(self, now, blockers, counters) -> list[int]:
        with self.lock:
            for key in [k for k, (_, expires) in self.memory.items() if expires <= now]:
                del self.memory[key]
            for index, (key, limit) in enumerate(blockers, start=1):
                failures = self.memory.get(key)
                if failures and failures[0] > limit:
                    return [max(1, round(failures[1] - now)), index]
            out = [-1]
            for key, window in counters:
                entry = self.memory.setdefault(key, [0, now + window])
                entry[0] += 1
                out += [entry[0], max(1, round(entry[1] - now))]
            return out


def limited(setting: str):
    """Mark a view: the limit named by config `setting` applies to it, per key, on top of the default."""

    def mark(view):
        view._rate_limit_setting = setting
        return view

    return mark


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _counters() -> Counters:
    return current_app.extensions["ratelimit"]


def _failure_counters() -> list[tuple[RateLimitItem, str]]:
    """The address's auth-failure counters, one per rate of RATE_LIMIT_AUTH_FAILURES."""
    items = parse_limits(current_settings().platform.RATE_LIMIT_AUTH_FAILURES)
    address = _client_address()
    return [(item, f"{PREFIX}:authfail:{address}:{item.amount}/{item.get_expiry()}") for item in items]


def _too_many(item: RateLimitItem, retry_after: int, headers: dict | None = None):
    abort(
        429,
        message=f"Too many requests: limit is {item}; retry later.",
        headers={**(headers or {}), "Retry-After": str(max(1, retry_after))},
    )


def _counted(limits: list[tuple[RateLimitItem, str]], answer: list[int]) -> list[tuple[RateLimitItem, int, int]]:
    """(item, count, ttl) per counter, from the script's answer."""
    return [(item, answer[1 + 2 * i], answer[2 + 2 * i]) for i, (item, _key) in enumerate(limits)]


def _refuse_if_over(counted: list[tuple[RateLimitItem, int, int]], headers: dict) -> None:
    over = [(ttl, item) for item, count, ttl in counted if count > item.amount]
    if over:
        ttl, item = max(over, key=lambda pair: pair[0])  # free again when the longest wait ends
        _too_many(item, ttl, headers)


def _left(counted: tuple[RateLimitItem, int, int]) -> int:
    item, count, _ttl = counted
    return item.amount - count


def record_auth_failure() -> None:
    """Count a failed authentication for the client address; 429 once past a limit."""
    failures = _failure_counters()
    answer = _counters().run([], [(key, item.get_expiry()) for item, key in failures]).values
    counted = _counted(failures, answer)
    _refuse_if_over(counted, _headers(*min(counted, key=_left)))


def _headers(item: RateLimitItem, count: int, ttl: int) -> dict:
    return {
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": str(max(0, item.amount - count)),
        "X-RateLimit-Reset": str(int(time.time()) + max(ttl, 0)),
    }


def check_request() -> None:
    """Count this request against its limits (one script call); 429 if one is used up."""
    g.rate_limit_headers = None  # g outlives a request where an app context is already pushed
    g.key_generation = None
    if not request.path.startswith("/api/v1/"):
        return
    api_key = None if view_marker("_public") else getattr(g, "api_key", None)
    who = f"key:{api_key.id}" if api_key is not None else f"ip:{_client_address()}"
    shared = parse_limits(current_settings().platform.RATE_LIMIT_DEFAULT)
    limits = [(item, f"{PREFIX}:{who}:{item.amount}/{item.get_expiry()}") for item in shared]
    setting = view_marker("_rate_limit_setting")
    if setting:
        for item in parse_limits(settings_value(setting)):
            limits.append((item, f"{PREFIX}:{who}:{request.endpoint}:{item.amount}/{item.get_expiry()}"))
    failures = _failure_counters()
    result = _counters().run(
        [(key, item.amount) for item, key in failures], [(key, item.get_expiry()) for item, key in limits]
    )
    g.key_generation = result.generation  # for the key cache (webapp.auth); None: not read
    answer = result.values
    if answer[0] != -1:  # the address is past an auth-failure limit
        _too_many(failures[answer[1] - 1][0], answer[0])
    counted = _counted(limits, answer)
    g.rate_limit_headers = _headers(*min(counted[: len(shared)], key=_left))
    _refuse_if_over(counted, g.rate_limit_headers)


def _add_headers(response):
    headers = g.pop("rate_limit_headers", None)  # never carried to another response
    if headers:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
    return response


def init_ratelimit(app: Flask) -> None:
    """Register after authentication (limits are per key). Nothing connects here."""
    uri = current_settings(app).platform.RATELIMIT_STORAGE_URI
    client = None
    if not uri.startswith("memory://"):
        client = redis.Redis.from_url(uri, socket_connect_timeout=1, socket_timeout=1)
    app.extensions["ratelimit"] = Counters(client)
    app.before_request(check_request)
    app.after_request(_add_headers)
