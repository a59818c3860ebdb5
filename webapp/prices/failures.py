"""Why BTC price refreshes fail, for operators: a few words per provider, the last refresh's
outcome in Redis (`LAST_FAILURE_KEY`, shared by every process), the cause a 503 gives, and logging
a failure once rather than at every run."""

from __future__ import annotations

import logging

import redis
import requests

from webapp.extensions import get_redis
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)

LAST_FAILURE_KEY = "prices:btc:last_failure"  # about the providers, not the database: not namespaced
UNKNOWN = "<unknown: Redis unreachable>"


def log_provider_failures(errors: dict[str, str], level: int) -> None:
    for name, error in errors.items():
        log.log(level, "BTC price provider %s failed: %s", name, error)


def short_reason(exc: Exception) -> str:
    """A few words for an operator: "timeout", "connection refused", "HTTP 503", "bad answer"."""
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused" if "refused" in str(exc).lower() else "connection error"
    if isinstance(exc, requests.RequestException):
        return "request error"
    text = str(exc)
    if text.startswith("HTTP "):
        return text.split(":", 1)[0]
    return "unknown provider" if text.startswith("unknown provider") else "bad answer"


def record_outcome(summary: str | None) -> str | None:
    """Remember why this refresh failed (None: it succeeded) and return what the previous refresh
    left, in one command (any process's refresh: GETDEL / SET GET). Best effort: with Redis down it
    returns `UNKNOWN`, which never equals a summary, so the failure is logged."""
    client = get_redis()
    try:
        if summary is None:
            previous = client.getdel(LAST_FAILURE_KEY)
        else:
            previous = client.set(LAST_FAILURE_KEY, summary, get=True)
    except redis.RedisError as exc:
        log.warning("could not record the BTC refresh outcome in Redis: %s", exc)
        return UNKNOWN
    return previous.decode() if isinstance(previous, bytes) else previous


def why_unavailable(stale: bool = False) -> str:
    """The cause to put in a 503: the last refresh's failure, else that none has run (since the
    stale quote, when `stale`)."""
    try:
        summary = get_redis().get(LAST_FAILURE_KEY)
    except redis.RedisError:
        summary = None
    if summary:
        return f"last refresh failed: {summary.decode() if isinstance(summary, bytes) else summary}"
    every = int(current_settings().prices.BTC_PRICE_REFRESH_SECONDS)
    if every <= 0:
        return "the refresh job is off (BTC_PRICE_REFRESH_SECONDS=0); run 'manage.py refresh-price'"
    return f"no refresh has run {'since' if stale else 'yet'} (one runs every {every} s)"
