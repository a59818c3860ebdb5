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
from flask import Flask, has_app_context
from flask_smorest import Api

from config.celery import celery_settings
from config.settings import is_embedded_mongo
from webapp import task_signals  # noqa: F401  (connects the request-id handlers)
from webapp.settings import as_mapping
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)

api = Api()


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
        current_settings(app).platform.CACHE_REDIS_URL,
        socket_connect_timeout=1,
        socket_timeout=2,
        health_check_interval=30,
    )


def init_celery(app: Flask) -> Celery:
    """Bind one Celery app to this Flask app; every task runs inside an app context (never nested)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    from webapp import broker_clients

    broker_clients.install()  # kombu: one Redis client per channel, not one per publish or ack
    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(as_mapping(current_settings(app))))
    celery_app.conf.mongo_uri = current_settings(app).platform.MONGO_URI  # for reconnecting after a fork
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
