"""Extensions, created unbound at import and bound to the app in `create_app`.

Importing this module connects to nothing. `connect_mongo` opens the database connection of the
current process; call it again after a fork (Celery `worker_process_init`), since PyMongo clients
are not fork-safe.
"""

from __future__ import annotations

import logging

import mongoengine
import redis
from celery import Celery, Task
from flask import Flask, g, has_app_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api

from config.celery import celery_settings
from config.settings import is_embedded_mongo

log = logging.getLogger(__name__)

api = Api()


def rate_limit_key() -> str:
    """Limits are per API key (per client address for requests without one)."""
    api_key = getattr(g, "api_key", None)
    if api_key is not None:
        return f"key:{api_key.id}"
    return f"ip:{get_remote_address()}"


def _only_api_routes() -> bool:
    """Rate limits apply to the versioned API; health, docs and the spec are exempt."""
    return not request.path.startswith("/api/v1/")


def _default_limit() -> str:
    """Read per request, so the configured RATE_LIMIT_DEFAULT applies as it stands."""
    from flask import current_app

    return current_app.config["RATE_LIMIT_DEFAULT"]


limiter = Limiter(key_func=rate_limit_key, default_limits=[_default_limit], default_limits_exempt_when=_only_api_routes)


def connect_mongo(uri: str) -> None:
    """(Re)connect MongoEngine's default alias. `mongomock://` selects the in-process database."""
    mongoengine.disconnect_all()
    options = {"tz_aware": True, "uuidRepresentation": "standard"}
    if is_embedded_mongo(uri):
        from webapp import embedded_db  # the embedded mode only; production never imports it

        embedded_db.connect(uri, **options)
    else:
        mongoengine.connect(host=uri, serverSelectionTimeoutMS=5000, **options)


def get_redis() -> redis.Redis:
    """The cache/utility Redis client of the current app (lazy pool; nothing connects at creation)."""
    from flask import current_app

    return current_app.extensions["redis"]


def init_redis(app: Flask) -> None:
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["CACHE_REDIS_URL"], socket_connect_timeout=1, socket_timeout=2, health_check_interval=30
    )


def init_celery(app: Flask) -> Celery:
    """Bind one Celery app to this Flask app; every task runs inside an app context (never nested)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.conf.mongo_uri = app.config["MONGO_URI"]  # for reconnecting after a fork
    import workers.signals  # noqa: F401  (connects the request-id and after-fork handlers)

    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
