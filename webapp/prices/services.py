"""BTC price refresh and lookup.

Contract:
- `refresh_btc()` asks the providers named in BTC_PRICE_PROVIDERS, in order, and keeps the FIRST
  usable answer: all of EUR, GBP and USD present, finite, positive and exact (parsed from the raw
  JSON text with parse_float=Decimal; never a binary float). Every HTTP call has a timeout
  (PRICE_HTTP_TIMEOUT_SECONDS). A failing provider (timeout, connection error, HTTP error, bad JSON,
  missing or non-positive rate) is logged with its name and the next one is tried. When none answers,
  nothing is written: the last good quote stays in place.
- A usable quote becomes the latest quote in Redis (JSON, rates as strings) and is appended to the
  MongoDB history (Decimal128). `prune_history()` drops history older than PRICE_HISTORY_RETENTION_DAYS.
- `latest_quote()` reads Redis, and falls back to the newest history document if Redis is unreachable.
  `fresh_quote()` is what orders use: it refuses (503) a missing quote or one older than
  BTC_PRICE_MAX_AGE_SECONDS.
- A refresh where every provider failed records why, in a few words per provider, in Redis
  (`webapp.prices.failures`); a successful one clears it. Those 503s then say why ("last refresh failed:
  coingecko timeout, coinbase connection refused"), so an operator sees the cause, not "retry".
- The stored source is the provider's name, "demo-" prefixed in demo mode (webapp.provenance).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
import requests
from bson import Decimal128

from webapp.errors import Unavailable
from webapp.extensions import get_redis
from webapp.identity import namespaced
from webapp.money import CURRENCIES
from webapp.prices import failures, store
from webapp.prices.providers import PROVIDERS, ProviderError, fetch_coinbase, fetch_coingecko
from webapp.provenance import source_label
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)


def latest_key() -> str:
    """The Redis key of the latest quote, under this database's namespace (webapp.identity)."""
    return namespaced("prices:btc:latest")


# Replace the latest quote only with a newer one (two overlapping refreshes can finish out of order).
# fetched_at is a fixed-width ISO string (milliseconds, +00:00), so string order is time order.
# fetch_coinbase/fetch_coingecko are re-exported: the demo checks its stand-ins through them.
__all__ = ["fetch_coinbase", "fetch_coingecko"]

_SET_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['fetched_at'] >= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


def provider_names() -> list[str]:
    return [n.strip().lower() for n in current_settings().prices.BTC_PRICE_PROVIDERS.split(",") if n.strip()]


# ---- refresh -------------------------------------------------------------------------------------


def refresh_btc() -> dict:
    """Try providers in order; store the first usable quote. Returns a JSON-able report:
    `{"ok", "quote" (or None), "errors": {provider: message}, "durations_ms": {provider: ms}}`."""
    errors: dict[str, str] = {}
    reasons: dict[str, str] = {}
    durations: dict[str, float] = {}
    for name in provider_names():
        fetch = PROVIDERS.get(name)
        started = time.perf_counter()
        try:
            if fetch is None:
                raise ProviderError(f"unknown provider (known: {', '.join(PROVIDERS)})")
            rates = fetch()
        except (requests.RequestException, ProviderError) as exc:
            durations[name] = round((time.perf_counter() - started) * 1000, 2)
            errors[name] = f"{type(exc).__name__}: {exc}"
            reasons[name] = failures.short_reason(exc)
            continue
        durations[name] = round((time.perf_counter() - started) * 1000, 2)
        quote = store_quote(source_label(name), rates)
        failures.log_provider_failures(errors, logging.WARNING)
        if failures.record_outcome(None) not in (None, failures.UNKNOWN):
            log.info("BTC price refresh recovered: %s answered", name)
        return {"ok": True, "quote": _quote_json(quote), "errors": errors, "durations_ms": durations}
    summary = ", ".join(f"{name} {reason}" for name, reason in reasons.items()) or "no provider configured"
    # Offline, a refresh fails the same way every BTC_PRICE_REFRESH_SECONDS: the failure is logged
    # when it starts or its cause changes, and only at DEBUG while it goes on (the 503s and the
    # fido_btc_price_age_seconds gauge keep saying so).
    level = logging.DEBUG if failures.record_outcome(summary) == summary else logging.WARNING
    failures.log_provider_failures(errors, level)
    log.log(
        logging.DEBUG if level == logging.DEBUG else logging.ERROR,
        "no BTC price provider gave a usable answer; keeping the last good quote: %s",
        errors,
    )
    return {"ok": False, "quote": None, "errors": errors, "durations_ms": durations}


def store_quote(source: str, rates: dict, fetched_at: datetime | None = None) -> dict:
    """Append the quote to the history and make it the latest one."""
    fetched_at = _to_millis(fetched_at or datetime.now(UTC))
    quote = {"source": source, "fetched_at": fetched_at, "rates": {c: rates[c] for c in CURRENCIES}}
    store.append_quote(
        {"source": source, "fetched_at": fetched_at, "rates": {c: Decimal128(rates[c]) for c in CURRENCIES}}
    )
    try:
        data = _quote_json(quote)
        get_redis().eval(_SET_IF_NEWER, 1, latest_key(), json.dumps(data), data["fetched_at"])
    except redis.RedisError as exc:  # the history still holds it; latest_quote() falls back to it
        log.warning("could not cache the BTC quote in Redis: %s", exc)
    return quote


def prune_history() -> int:
    """Delete history older than PRICE_HISTORY_RETENTION_DAYS; returns how many were deleted."""
    days = current_settings().prices.PRICE_HISTORY_RETENTION_DAYS
    cutoff = datetime.now(UTC) - timedelta(days=days)
    return store.delete_quotes_before(cutoff)


# ---- lookup --------------------------------------------------------------------------------------


def latest_quote() -> dict | None:
    """`{"source", "fetched_at" (aware datetime), "rates": {cur: Decimal}}` or None."""
    try:
        raw = get_redis().get(latest_key())
    except redis.RedisError as exc:
        log.warning("Redis unreachable for the BTC quote, reading the history: %s", exc)
        raw = None
    if raw is None:  # Redis down, or restarted/flushed since the last refresh: the history holds it
        doc = store.newest_quote()
        if doc is None:
            return None
        rates = {c: doc["rates"][c].to_decimal() for c in CURRENCIES}
        return {"source": doc["source"], "fetched_at": doc["fetched_at"].astimezone(UTC), "rates": rates}
    data = json.loads(raw)
    return {
        "source": data["source"],
        "fetched_at": datetime.fromisoformat(data["fetched_at"]),
        "rates": {c: Decimal(data["rates"][c]) for c in CURRENCIES},
    }


def quote_age(quote: dict) -> float:
    return max(0.0, (datetime.now(UTC) - quote["fetched_at"]).total_seconds())


def _unavailable(message: str) -> Unavailable:
    """A 503; with the refresh job on it knows when to retry: the next scheduled refresh, at most
    BTC_PRICE_REFRESH_SECONDS away (`Retry-After`). With the job off nobody knows: no header."""
    every = int(current_settings().prices.BTC_PRICE_REFRESH_SECONDS)
    return Unavailable(message, headers={"Retry-After": str(every)} if every > 0 else None)


def fresh_quote() -> dict:
    """The latest quote if it is at most BTC_PRICE_MAX_AGE_SECONDS old; Unavailable (503) otherwise."""
    quote = latest_quote()
    if quote is None:
        raise _unavailable(f"No BTC price is available yet; {failures.why_unavailable()}.")
    max_age = current_settings().prices.BTC_PRICE_MAX_AGE_SECONDS
    if quote_age(quote) > max_age:
        raise _unavailable(f"The BTC price is older than {max_age} seconds; {failures.why_unavailable(stale=True)}.")
    return quote


def price_view() -> dict:
    """The API answer for the latest quote; Unavailable (503) when there is none."""
    quote = latest_quote()
    if quote is None:
        raise _unavailable(f"No BTC price is available yet; {failures.why_unavailable()}.")
    age = quote_age(quote)
    return {
        "base": "BTC",
        "rates": {c: format(v, "f") for c, v in quote["rates"].items()},
        "source": quote["source"],
        "fetched_at": quote["fetched_at"],
        "age_seconds": round(age, 3),
        "stale": age > current_settings().prices.BTC_PRICE_MAX_AGE_SECONDS,
    }


def _quote_json(quote: dict) -> dict:
    return {
        "source": quote["source"],
        "fetched_at": quote["fetched_at"].astimezone(UTC).isoformat(timespec="milliseconds"),
        "rates": {c: format(v, "f") for c, v in quote["rates"].items()},
    }


def _to_millis(moment: datetime) -> datetime:
    """MongoDB keeps milliseconds; trim so Redis and the history hold the same instant."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
