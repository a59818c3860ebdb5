"""The application factory. `create_app()` builds the whole service; importing this package
connects to nothing. It imports no task module and nothing of `workers`: the API publishes tasks by
name, and a worker imports the task modules itself (Celery's `include`, see `config.celery`)."""

from __future__ import annotations

import importlib
import logging

from flask import Flask

from config.settings import BaseConfig, load_config
from webapp.settings import build as build_settings
from webapp.settings import current as current_settings
from webapp.settings import install as install_settings

log = logging.getLogger(__name__)

# One entry per domain: the module holding its flask-smorest Blueprint `blp`.
BLUEPRINTS = (
    "webapp.health",
    "webapp.apikeys.routes",
    "webapp.prices.routes",
    "webapp.orders.routes",
    "webapp.assets.routes",
    "webapp.dialogs.routes",
    "webapp.users.routes",
    "webapp.transactions.routes",
    "webapp.notifications.routes",
    "webapp.audit.routes",
    "webapp.encryption.routes",
)


def create_app(config: BaseConfig | dict | None = None) -> Flask:
    """Build the Flask app. `config` is a settings object or a dict of overrides on the environment's."""
    from webapp import auth, crypto, errors, http, openapi, ratelimit
    from webapp.audit.recorder import init_audit
    from webapp.dashboard import dashboard_blp
    from webapp.extensions import api, connect_mongo, init_celery, init_redis
    from webapp.indexes import ensure_indexes
    from webapp.logs import configure_logging
    from webapp.metrics import init_metrics
    from webapp.metrics.routes import queues_blp

    settings = config if isinstance(config, BaseConfig) else load_config()
    app = Flask(__name__)
    app.config.update(settings.as_dict())
    if isinstance(config, dict):
        app.config.update(config)
    # The one typed settings object every module reads (webapp.settings); app.config keeps Flask's keys.
    install_settings(app, build_settings(app.config))
    platform = current_settings(app).platform

    configure_logging(platform.LOG_LEVEL, platform.LOG_FORMAT)
    connect_mongo(platform.MONGO_URI)
    crypto.init_crypto(app)  # personal fields are sealed by the models and stores from here on
    init_redis(app)
    init_celery(app)

    init_audit(app)  # its after_request hook is registered first, so it runs last (final status)
    http.init_http(app)  # request id before anything can fail
    auth.init_auth(app)  # then the key, so limits can be per key
    ratelimit.init_ratelimit(app)  # after the key: one shared budget per key
    auth.init_key_confirmation(app)  # a cached key is confirmed by the generation the limiter read
    http.init_body_check(app)

    api.ERROR_SCHEMA = openapi.ErrorEnvelopeSchema
    api.init_app(app, spec_kwargs={**_spec_kwargs(), "extra_plugins": [openapi.ContractPlugin(app)]})
    api.ma_plugin.converter.add_attribute_function(openapi.amount_property)
    for module in BLUEPRINTS:
        api.register_blueprint(importlib.import_module(module).blp)
    init_metrics(app, app.extensions["celery"])  # /metrics, /api/v1/queues, HTTP and task series
    api.register_blueprint(queues_blp)
    app.register_blueprint(dashboard_blp)
    errors.register_error_handlers(app)  # after Api, so this envelope handles every error
    ensure_indexes()  # every domain's documents are imported by now (see webapp.indexes)

    if platform.ADMIN_API_KEY:
        from webapp.apikeys.services import ensure_key

        with app.app_context():  # the key change is announced through the app's Redis
            ensure_key("admin (ADMIN_API_KEY)", "admin", platform.ADMIN_API_KEY)
    return app


def _spec_kwargs() -> dict:
    return {
        "components": {
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "BearerKey": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"ApiKeyHeader": []}, {"BearerKey": []}],
    }
