"""The table of every setting: name, parser (type and constraint), default, domain group.

This table is the single source of truth: `config.settings` parses the environment with it, and a
test checks that README.md and .env.example document every entry with the same default. A default of
None means unset (or derived from another setting, said in `derived`). Secret values are never echoed
in an error line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config import fields as f


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: str | None
    group: str
    secret: bool = False
    derived: str | None = None


def _s(name, parse, default, group, **kw) -> Setting:
    return Setting(name, parse, default, group, **kw)


REDIS = f.url("redis", "rediss")
HTTP = f.url("http", "https")
PORT = f.integer(1, 65535)
POSITIVE = f.integer(1)
INTERVAL = f.integer(1, zero_means_off=True)  # 0 switches a periodic job off

SETTINGS: tuple[Setting, ...] = (
    # Platform.
    _s("APP_ENV", f.choice("development", "testing", "production"), "development", "platform"),
    _s("SECRET_KEY", f.text, "dev-insecure-secret-key", "platform", secret=True),
    _s("MONGO_URI", f.url("mongomock", "mongodb", "mongodb+srv"), "mongomock://localhost/fido", "platform"),
    _s("MONGO_CONNECT_TIMEOUT_SECONDS", POSITIVE, "5", "platform"),
    # Embedded database file, relative to the working directory; set but empty: in memory only.
    _s("EMBEDDED_DB_PATH", f.text, "var/embedded.db", "platform"),
    _s("EMBEDDED_SNAPSHOT_SECONDS", POSITIVE, "5", "platform"),
    _s("REDIS_URL", REDIS, "redis://127.0.0.1:6379/0", "platform"),
    _s("REDIS_CONNECT_TIMEOUT_SECONDS", POSITIVE, "5", "platform"),
    _s("CELERY_BROKER_URL", REDIS, None, "platform", derived="REDIS_URL"),
    _s("CELERY_RESULT_BACKEND", REDIS, None, "platform", derived="REDIS_URL with db + 1"),
    _s("CACHE_REDIS_URL", REDIS, None, "platform", derived="REDIS_URL with db + 2"),
    _s("RATELIMIT_STORAGE_URI", f.url("redis", "rediss", "memory"), None, "platform", derived="CACHE_REDIS_URL"),
    _s("HOST", f.text, "127.0.0.1", "platform"),
    _s("PORT", PORT, "8000", "platform"),
    _s("LOG_LEVEL", f.choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "INFO", "platform"),
    _s("LOG_FORMAT", f.choice("json", "text"), "json", "platform"),
    _s("MAX_CONTENT_LENGTH", POSITIVE, "1048576", "platform"),
    _s("RATE_LIMIT_DEFAULT", f.rate(), "600 per minute", "platform"),
    _s("RATE_LIMIT_AUTH_FAILURES", f.rate(), "30 per minute", "platform"),
    _s("ADMIN_API_KEY", f.text, None, "platform", secret=True),
    _s("PUBLIC_BASE_URL", HTTP, None, "platform"),
    _s("WEB_CONCURRENCY", POSITIVE, "2", "platform"),
    _s("WEB_THREADS", POSITIVE, "8", "platform"),
    _s("SHUTDOWN_GRACE_SECONDS", f.integer(0), "10", "platform"),
    _s("FORWARDED_ALLOW_IPS", f.text, "127.0.0.1", "platform"),
    _s("DEMO_MODE", f.boolean, "false", "platform"),
    _s("WORKER_CONCURRENCY", POSITIVE, "4", "platform"),
    _s("CELERY_VISIBILITY_TIMEOUT", POSITIVE, "7200", "platform"),
    _s("CELERY_RESULT_EXPIRES", POSITIVE, "3600", "platform"),
    _s("CELERY_MAX_TASKS_PER_CHILD", POSITIVE, "1000", "platform"),
    _s("BEAT_SCHEDULE_FILE", f.text, "/tmp/fido-celerybeat-schedule", "platform"),
    _s("FLOWER_BASIC_AUTH", f.user_password, None, "platform", secret=True),
    _s("FLOWER_PORT", PORT, "5555", "platform"),
    _s("CELERY_TASK_EVENTS", f.boolean, None, "platform", derived="on when FLOWER_BASIC_AUTH is set"),
    _s("BROKER_CONNECT_TIMEOUT_SECONDS", f.number(0.05, exclusive=False), "1", "platform"),
    _s("METRICS_TOKEN", f.text, None, "platform", secret=True),
    _s("WORKER_METRICS_PORT", f.integer(0, 65535), "9808", "platform"),
    # Customer data protection: field encryption at rest and the audit trail.
    _s("FIELD_ENCRYPTION_KEYS", f.fernet_keys, None, "platform", secret=True, derived="embedded: key file"),
    _s("FIELD_INDEX_KEY", f.index_key, None, "platform", secret=True, derived="SECRET_KEY (not in production)"),
    _s("AUDIT_RETENTION_DAYS", POSITIVE, "365", "platform"),
    _s("AUDIT_CLEANUP_INTERVAL_SECONDS", INTERVAL, "3600", "platform"),
    # Users, transactions, notifications (SMS), statistics.
    _s("DEFAULT_CURRENCY", f.currency, "GHS", "transactions"),
    _s("TWILIO_ACCOUNT_SID", f.text, None, "transactions"),
    _s("TWILIO_AUTH_TOKEN", f.text, None, "transactions", secret=True),
    _s("TWILIO_FROM_NUMBER", f.e164, None, "transactions"),
    _s("TWILIO_MESSAGING_SERVICE_SID", f.text, None, "transactions"),
    _s("TWILIO_API_BASE_URL", HTTP, None, "transactions"),
    _s("TWILIO_TIMEOUT_SECONDS", POSITIVE, "10", "transactions"),
    _s("SMS_RATE_LIMIT", f.rate(bare_integer_per_second=True), "10 per second", "transactions"),
    _s("SMS_MAX_RETRIES", f.integer(0), "5", "transactions"),
    _s("SMS_RETRY_BACKOFF_SECONDS", f.number(), "2", "transactions"),
    _s("NOTIFICATION_SWEEP_INTERVAL_SECONDS", INTERVAL, "60", "transactions"),
    _s("NOTIFICATION_PENDING_GRACE_SECONDS", f.integer(0), "30", "transactions"),
    _s("NOTIFICATION_STUCK_SECONDS", POSITIVE, "300", "transactions"),
    _s("STATS_RECONCILE_INTERVAL_SECONDS", INTERVAL, "3600", "transactions"),
    _s("STATS_SWEEP_INTERVAL_SECONDS", INTERVAL, "60", "transactions"),
    # Chatbot dialogs and consent.
    _s("DIALOG_CLEANUP_INTERVAL_SECONDS", INTERVAL, "3600", "dialogs"),
    _s("DIALOG_CONSENT_TTL_SECONDS", POSITIVE, "86400", "dialogs"),
    _s("DIALOG_CLEANUP_BATCH_SIZE", POSITIVE, "500", "dialogs"),
    _s("DIALOG_MAX_MESSAGES", POSITIVE, "300", "dialogs"),
    # BTC price and orders.
    _s("BTC_PRICE_REFRESH_SECONDS", INTERVAL, "15", "prices"),
    _s("BTC_PRICE_PROVIDERS", f.choices_list("coingecko", "coinbase"), "coingecko,coinbase", "prices"),
    _s("COINGECKO_BASE_URL", HTTP, "https://api.coingecko.com", "prices"),
    _s("COINBASE_BASE_URL", HTTP, "https://api.coinbase.com", "prices"),
    _s("PRICE_HTTP_TIMEOUT_SECONDS", POSITIVE, "5", "prices"),
    _s("PRICE_HISTORY_RETENTION_DAYS", POSITIVE, "30", "prices"),
    _s("BTC_PRICE_MAX_AGE_SECONDS", POSITIVE, "60", "prices"),
    _s("BTC_ORDER_CAP", f.decimal_text, "100", "prices"),
    _s("RATE_LIMIT_ORDERS", f.rate(), "60 per minute", "prices"),
    _s("IDEMPOTENCY_TTL_SECONDS", POSITIVE, "86400", "prices"),
    # Crypto assets.
    _s("CRYPTOCOMPARE_BASE_URL", HTTP, "https://min-api.cryptocompare.com", "assets"),
    _s("CRYPTOCOMPARE_API_KEY", f.text, None, "assets", secret=True),
    _s("COINMARKETCAP_BASE_URL", HTTP, "https://pro-api.coinmarketcap.com", "assets"),
    _s("COINMARKETCAP_API_KEY", f.text, None, "assets", secret=True),
    _s("COINMARKETCAP_PAGE_SIZE", f.integer(1, 5000), "200", "assets"),
    _s("ASSET_LIMIT", POSITIVE, "500", "assets"),
    _s("ASSET_SNAPSHOT_RETENTION_SECONDS", POSITIVE, "604800", "assets"),
    _s("ASSET_INGEST_INTERVAL_SECONDS", INTERVAL, "600", "assets"),
    _s("ASSET_HTTP_TIMEOUT_SECONDS", POSITIVE, "10", "assets"),
    _s("ASSET_CACHE_TTL_SECONDS", POSITIVE, "3600", "assets"),
    _s("ASSET_PAGE_MAX_RETRIES", f.integer(0), "4", "assets"),
    _s("ASSET_RETRY_BACKOFF_MS", POSITIVE, "1000", "assets"),
    _s("ASSET_LOCK_STALE_SECONDS", POSITIVE, "1800", "assets"),
)

BY_NAME = {s.name: s for s in SETTINGS}
