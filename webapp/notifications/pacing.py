"""The global SMS pace (SMS_RATE_LIMIT, e.g. "20 per second", "600/minute"), shared by every worker through Redis.

Sends are spaced `period / limit` apart. `reserve_slot` books the next free slot atomically (one
Lua script, Redis's own clock) and returns how long to wait for it: 0 means send now. A caller that
gets a wait defers itself to exactly that slot, already booked, and sends then without booking
again, so a backlog of N messages is spread over N slots and nothing wakes up to ask again.
"""

from __future__ import annotations

import logging

from config.fields import rate_window
from webapp.extensions import get_redis
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)
KEY = "fido:sms-pace"

# KEYS[1]: the next free slot (seconds since the epoch, Redis clock). ARGV[1]: spacing in seconds.
# Returns the wait before the booked slot, as a string (Lua numbers lose precision as replies).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local spacing = tonumber(ARGV[1])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
redis.call('SET', KEYS[1], string.format('%.6f', slot + spacing), 'EX', math.ceil(slot + spacing - now) + 60)
return string.format('%.6f', slot - now)
"""


def spacing(spec: str) -> float:
    """Seconds between two sends for a rate validated at start ("20 per second", "600/minute")."""
    limit, period = rate_window(spec)
    return period / limit


def reserve_slot() -> float:
    """Book the next send slot; seconds to wait for it (0.0: now). Fails open (0.0) when the cache
    Redis is unreachable."""
    step = spacing(current_settings().transactions.SMS_RATE_LIMIT)
    try:
        return max(0.0, float(get_redis().eval(_RESERVE, 1, KEY, repr(step))))
    except Exception as exc:
        log.warning("SMS pacing unavailable, sending anyway: %s", type(exc).__name__)
        return 0.0
