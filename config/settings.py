"""Settings read from the environment (twelve-factor), one class per environment.

`APP_ENV` picks the class: development (default), testing, production. Every value comes from an
environment variable with a safe development default; a `.env` file is read if present. Production
refuses to start without `SECRET_KEY` or with the embedded (mongomock) database.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

try:  # python-dotenv is a runtime dependency, but settings must import without it.
    from dotenv import load_dotenv
except ImportError:  # pragma: no cover
    load_dotenv = None


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the service can run with."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def redis_db_url(url: str, offset: int) -> str:
    """`url` with its database number moved by `offset` (redis://h:p/0, +1 -> redis://h:p/1)."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit((parts.scheme, parts.netloc, f"/{db + offset}", parts.query, parts.fragment))


def is_embedded_mongo(uri: str) -> bool:
    return uri.startswith("mongomock://")


class BaseConfig:
    """Values shared by every environment. Read once, when the class is instantiated."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        e = env_str
        self.SECRET_KEY = e("SECRET_KEY", "dev-insecure-secret-key")
        self.MONGO_URI = e("MONGO_URI", "mongomock://localhost/fido")
        self.REDIS_URL = e("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.CELERY_BROKER_URL = e("CELERY_BROKER_URL", self.REDIS_URL)
        self.CELERY_RESULT_BACKEND = e("CELERY_RESULT_BACKEND", redis_db_url(self.REDIS_URL, 1))
        self.CACHE_REDIS_URL = e("CACHE_REDIS_URL", redis_db_url(self.REDIS_URL, 2))
        self.RATELIMIT_STORAGE_URI = e("RATELIMIT_STORAGE_URI", self.CACHE_REDIS_URL)
        self.HOST = e("HOST", "127.0.0.1")
        self.PORT = env_int("PORT", 8000)
        self.LOG_LEVEL = (e("LOG_LEVEL", "INFO") or "INFO").upper()
        self.LOG_FORMAT = e("LOG_FORMAT", "json")
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.RATE_LIMIT_DEFAULT = e("RATE_LIMIT_DEFAULT", "600 per minute")
        self.ADMIN_API_KEY = e("ADMIN_API_KEY")
        self.PUBLIC_BASE_URL = e("PUBLIC_BASE_URL")
        self.FLOWER_BASIC_AUTH = e("FLOWER_BASIC_AUTH")
        self.FLOWER_PORT = env_int("FLOWER_PORT", 5555)
        self.WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2)
        # Request threads of the HTTP server: `run`'s waitress, and each gunicorn worker.
        self.WEB_THREADS = env_int("WEB_THREADS", 8)
        # On SIGTERM/SIGINT, in-flight requests and tasks get this long to finish.
        self.SHUTDOWN_GRACE_SECONDS = env_int("SHUTDOWN_GRACE_SECONDS", 10)
        self.WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 4)
        self.CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 7200)
        self.CELERY_RESULT_EXPIRES = env_int("CELERY_RESULT_EXPIRES", 3600)
        self.CELERY_MAX_TASKS_PER_CHILD = env_int("CELERY_MAX_TASKS_PER_CHILD", 1000)
        self.BEAT_SCHEDULE_FILE = e("BEAT_SCHEDULE_FILE", "/tmp/fido-celerybeat-schedule")

        # Users, transactions, notifications (SMS), statistics.
        self.DEFAULT_CURRENCY = e("DEFAULT_CURRENCY", "GHS")
        self.TWILIO_ACCOUNT_SID = e("TWILIO_ACCOUNT_SID")
        self.TWILIO_AUTH_TOKEN = e("TWILIO_AUTH_TOKEN")
        self.TWILIO_FROM_NUMBER = e("TWILIO_FROM_NUMBER")
        self.TWILIO_MESSAGING_SERVICE_SID = e("TWILIO_MESSAGING_SERVICE_SID")
        self.TWILIO_API_BASE_URL = e("TWILIO_API_BASE_URL")
        self.TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10)
        self.SMS_RATE_LIMIT = e("SMS_RATE_LIMIT", "10/s")
        self.SMS_MAX_RETRIES = env_int("SMS_MAX_RETRIES", 5)
        self.NOTIFICATION_SWEEP_INTERVAL_SECONDS = env_int("NOTIFICATION_SWEEP_INTERVAL_SECONDS", 60)
        self.NOTIFICATION_STUCK_SECONDS = env_int("NOTIFICATION_STUCK_SECONDS", 300)
        self.STATS_RECONCILE_INTERVAL_SECONDS = env_int("STATS_RECONCILE_INTERVAL_SECONDS", 3600)
        # A pending SMS younger than this is left to its own queued task by the sweeper.
        self.NOTIFICATION_PENDING_GRACE_SECONDS = env_int("NOTIFICATION_PENDING_GRACE_SECONDS", 30)
        # First retry delay of a transient SMS failure; doubles per attempt (capped), full jitter.
        self.SMS_RETRY_BACKOFF_SECONDS = float(e("SMS_RETRY_BACKOFF_SECONDS", "2"))

        # Chatbot dialogs and consent.
        self.DIALOG_CLEANUP_INTERVAL_SECONDS = env_int("DIALOG_CLEANUP_INTERVAL_SECONDS", 3600)
        self.DIALOG_CONSENT_TTL_SECONDS = env_int("DIALOG_CONSENT_TTL_SECONDS", 86400)
        self.DIALOG_CLEANUP_BATCH_SIZE = env_int("DIALOG_CLEANUP_BATCH_SIZE", 500)
        self.DIALOG_MAX_MESSAGES = env_int("DIALOG_MAX_MESSAGES", 300)

        # BTC price and orders.
        self.BTC_PRICE_REFRESH_SECONDS = env_int("BTC_PRICE_REFRESH_SECONDS", 15)
        self.BTC_PRICE_PROVIDERS = e("BTC_PRICE_PROVIDERS", "coingecko,coinbase")
        self.COINGECKO_BASE_URL = e("COINGECKO_BASE_URL", "https://api.coingecko.com")
        self.COINBASE_BASE_URL = e("COINBASE_BASE_URL", "https://api.coinbase.com")
        self.PRICE_HTTP_TIMEOUT_SECONDS = env_int("PRICE_HTTP_TIMEOUT_SECONDS", 5)
        self.PRICE_HISTORY_RETENTION_DAYS = env_int("PRICE_HISTORY_RETENTION_DAYS", 30)
        self.BTC_PRICE_MAX_AGE_SECONDS = env_int("BTC_PRICE_MAX_AGE_SECONDS", 60)
        self.BTC_ORDER_CAP = e("BTC_ORDER_CAP", "100")
        self.RATE_LIMIT_ORDERS = e("RATE_LIMIT_ORDERS", "60 per minute")
        self.IDEMPOTENCY_TTL_SECONDS = env_int("IDEMPOTENCY_TTL_SECONDS", 86400)

        # Crypto assets.
        self.CRYPTOCOMPARE_BASE_URL = e("CRYPTOCOMPARE_BASE_URL", "https://min-api.cryptocompare.com")
        self.CRYPTOCOMPARE_API_KEY = e("CRYPTOCOMPARE_API_KEY")
        self.COINMARKETCAP_BASE_URL = e("COINMARKETCAP_BASE_URL", "https://pro-api.coinmarketcap.com")
        self.COINMARKETCAP_API_KEY = e("COINMARKETCAP_API_KEY")
        self.COINMARKETCAP_PAGE_SIZE = env_int("COINMARKETCAP_PAGE_SIZE", 200)
        self.ASSET_LIMIT = env_int("ASSET_LIMIT", 500)
        self.ASSET_SNAPSHOT_RETENTION_SECONDS = env_int("ASSET_SNAPSHOT_RETENTION_SECONDS", 604800)
        self.ASSET_INGEST_INTERVAL_SECONDS = env_int("ASSET_INGEST_INTERVAL_SECONDS", 600)
        self.ASSET_HTTP_TIMEOUT_SECONDS = env_int("ASSET_HTTP_TIMEOUT_SECONDS", 10)
        self.ASSET_CACHE_TTL_SECONDS = env_int("ASSET_CACHE_TTL_SECONDS", 3600)
        self.ASSET_PAGE_MAX_RETRIES = env_int("ASSET_PAGE_MAX_RETRIES", 4)
        self.ASSET_RETRY_BACKOFF_MS = env_int("ASSET_RETRY_BACKOFF_MS", 1000)
        self.ASSET_LOCK_STALE_SECONDS = env_int("ASSET_LOCK_STALE_SECONDS", 1800)

        # flask-smorest / OpenAPI.
        self.API_TITLE = "Fido back office API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"
        # Flask-Limiter reads its own keys.
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_KEY_PREFIX = "fido-rl"

    def validate(self) -> None:
        if self.LOG_FORMAT not in {"json", "text"}:
            raise ConfigError("LOG_FORMAT must be 'json' or 'text'")
        if self.WEB_THREADS < 1:
            raise ConfigError("WEB_THREADS must be at least 1")
        if self.SHUTDOWN_GRACE_SECONDS < 0:
            raise ConfigError("SHUTDOWN_GRACE_SECONDS must be 0 or more")
        if not self.MONGO_URI.startswith(("mongomock://", "mongodb://", "mongodb+srv://")):
            raise ConfigError("MONGO_URI must start with mongomock://, mongodb:// or mongodb+srv://")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()} | {
            "DEBUG": self.DEBUG,
            "TESTING": self.TESTING,
            "ENV_NAME": self.ENV_NAME,
        }


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"

    def validate(self) -> None:
        super().validate()
        if not os.environ.get("SECRET_KEY"):
            raise ConfigError("production requires SECRET_KEY")
        if is_embedded_mongo(self.MONGO_URI):
            raise ConfigError("production refuses the embedded database (mongomock://); set MONGO_URI to mongodb://...")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(env_name: str | None = None) -> BaseConfig:
    """Read `.env` (without overriding the real environment), pick the class, validate it."""
    if load_dotenv is not None:
        load_dotenv(override=False)
    name = (env_name or os.environ.get("APP_ENV") or "development").lower()
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {sorted(CONFIGS)}, got {name!r}")
    config = CONFIGS[name]()
    config.validate()
    return config
