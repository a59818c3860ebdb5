"""Settings read from the environment (twelve-factor), one class per environment.

`APP_ENV` picks the class: development (default), testing, production. Every value comes from an
environment variable with a safe development default; a `.env` file is read if present. Each value
is parsed and checked once, at start, by the table in `config/spec.py`; the first bad one raises
ConfigError, which entry points print as ONE line and exit 2 (`load_config_or_exit`). Production
refuses to start without `SECRET_KEY`, `FIELD_ENCRYPTION_KEYS`, `FIELD_INDEX_KEY` or with the
embedded (mongomock) database.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

try:  # python-dotenv is a runtime dependency, but settings must import without it.
    from dotenv import load_dotenv
except ImportError:  # pragma: no cover
    load_dotenv = None

from config.fields import mask_url
from config.spec import BY_NAME, SETTINGS, Setting


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the service can run with.

    `ConfigError(setting, problem, value)` renders as `SETTING: problem (got 'value')`, the one line
    every entry point prints before exiting with status 2; `ConfigError(message)` is a free text."""

    def __init__(self, setting: str, problem: str | None = None, value: str | None = None) -> None:
        self.setting, self.problem, self.value = setting, problem, value
        if problem is None:
            super().__init__(setting)
        else:
            shown = value if len(value or "") <= 80 else value[:77] + "..."
            shown = (shown or "").encode("unicode_escape").decode("ascii").replace("'", "\\'")
            super().__init__(f"{setting}: {problem} (got '{shown}')")


def exit_on_config_error(exc: ConfigError) -> NoReturn:
    """Print the one error line (no traceback) and exit with status 2."""
    print(f"Error: {exc}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def read_setting(spec: Setting, environ=os.environ):
    """The typed value of `spec` from `environ` (unset or empty: its default, None if it has none)."""
    raw = environ.get(spec.name)
    if raw is None or raw == "":
        raw = spec.default
        if raw is None:
            return None
    try:
        return spec.parse(raw)
    except ValueError as exc:
        shown = "***" if spec.secret else mask_url(raw)
        raise ConfigError(spec.name, str(exc), shown) from None


def redis_db_url(url: str, offset: int) -> str:
    """`url` with its database number moved by `offset` (redis://h:p/0, +1 -> redis://h:p/1)."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit((parts.scheme, parts.netloc, f"/{db + offset}", parts.query, parts.fragment))


def is_embedded_mongo(uri: str) -> bool:
    return uri.startswith("mongomock://")


def embedded_refusal(what: str, mongo_uri: str) -> ConfigError:
    """The error of a deployment role (`worker`, `beat`, ...) started on the embedded database."""
    return ConfigError(
        "MONGO_URI",
        f"'{what}' runs as a separate process and cannot share the embedded in-process database; "
        "set MONGO_URI=mongodb://... or use 'python manage.py run'",
        mongo_uri,
    )


class BaseConfig:
    """Values shared by every environment. Read once, when the class is instantiated."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        # Every setting of the table (config/spec.py), parsed and checked; the first bad one raises.
        for spec in SETTINGS:
            setattr(self, spec.name, read_setting(spec))
        self.CELERY_BROKER_URL = self.CELERY_BROKER_URL or self.REDIS_URL
        self.CELERY_RESULT_BACKEND = self.CELERY_RESULT_BACKEND or redis_db_url(self.REDIS_URL, 1)
        self.CACHE_REDIS_URL = self.CACHE_REDIS_URL or redis_db_url(self.REDIS_URL, 2)
        self.RATELIMIT_STORAGE_URI = self.RATELIMIT_STORAGE_URI or self.CACHE_REDIS_URL
        if self.CELERY_TASK_EVENTS is None:  # events exist for flower: on where flower runs
            self.CELERY_TASK_EVENTS = bool(self.FLOWER_BASIC_AUTH)
        if os.environ.get("EMBEDDED_DB_PATH") is not None and not os.environ["EMBEDDED_DB_PATH"].strip():
            self.EMBEDDED_DB_PATH = ""  # set and empty: the embedded database stays in memory

        # flask-smorest / OpenAPI.
        self.API_TITLE = "Fido back office API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"

    def validate(self) -> None:
        """Rules across settings (each value alone was checked when it was read)."""

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
            raise ConfigError("SECRET_KEY", "must be set in production", "")
        if is_embedded_mongo(self.MONGO_URI):
            raise ConfigError(
                "MONGO_URI", "production refuses the embedded database; use mongodb://...", self.MONGO_URI
            )
        for name in ("FIELD_ENCRYPTION_KEYS", "FIELD_INDEX_KEY"):
            if not getattr(self, name):
                raise ConfigError(name, "must be set in production", "")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(env_name: str | None = None) -> BaseConfig:
    """Read `.env` (without overriding the real environment), pick the class, parse and validate
    every setting. Raises ConfigError naming the first bad setting."""
    if load_dotenv is not None:
        load_dotenv(override=False)
    if env_name is None:
        name = read_setting(BY_NAME["APP_ENV"])
    else:
        name = read_setting(BY_NAME["APP_ENV"], {"APP_ENV": env_name})
    config = CONFIGS[name]()
    config.validate()
    return config


def load_config_or_exit(env_name: str | None = None) -> BaseConfig:
    """`load_config()` for an entry point: a bad setting prints one line and exits with status 2."""
    try:
        return load_config(env_name)
    except ConfigError as exc:
        exit_on_config_error(exc)
