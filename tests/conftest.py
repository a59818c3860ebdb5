"""Shared fixtures: one app per session on mongomock and the real Redis, a real Celery worker in a
thread of this process, and a clean database and Redis before every test.

Redis databases: `TEST_REDIS_DB` (default 13) is the broker, +1 results, +2 cache and rate limits.
Parallel runs on one Redis must use different bases (e.g. 1, 4, 7, 10, 13).

Database: mongomock, unless `MONGO_TEST_URI` names a real MongoDB (`make test-mongo`), which every
collection of is emptied before each test: give it a database of its own. Tests marked
`real_mongo` (query plans through `explain`, which mongomock lacks) are deselected, never skipped,
when no real MongoDB is configured.
"""

from __future__ import annotations

import os

import pytest

TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "13"))
TEST_REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1:6379")
MONGO_TEST_URI = os.environ.get("MONGO_TEST_URI", "")

# The environment a test run sees, set before the app (or anything reading settings) is imported.
os.environ.update(
    {
        "APP_ENV": "testing",
        "MONGO_URI": MONGO_TEST_URI or "mongomock://localhost/fido-test",
        "REDIS_URL": f"redis://{TEST_REDIS_HOST}/{TEST_REDIS_DB}",
        "LOG_FORMAT": "text",
        "EMBEDDED_DB_PATH": "",  # in memory; the persistence tests set their own temp files
        "LOG_LEVEL": os.environ.get("TEST_LOG_LEVEL", "WARNING"),
    }
)
for _name in (
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CACHE_REDIS_URL",
    "RATELIMIT_STORAGE_URI",
    "ADMIN_API_KEY",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "PUBLIC_BASE_URL",
    "DEMO_MODE",
):
    os.environ.pop(_name, None)

from tests.support import clean_state, make_key  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "real_mongo: needs a real MongoDB (MONGO_TEST_URI); deselected otherwise")


def pytest_collection_modifyitems(config, items):
    """Without MONGO_TEST_URI, `real_mongo` tests are deselected (the Makefile's `make test` also
    passes `-m "not real_mongo"`), so a plain `pytest` run stays green and reports no skip."""
    if MONGO_TEST_URI:
        return
    dropped = [item for item in items if item.get_closest_marker("real_mongo") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.get_closest_marker("real_mongo") is None]


@pytest.fixture(scope="session")
def app():
    from webapp import create_app

    flask_app = create_app()
    ctx = flask_app.app_context()
    ctx.push()
    yield flask_app
    ctx.pop()


@pytest.fixture(scope="session")
def celery_app(app):
    return app.extensions["celery"]


@pytest.fixture(scope="session")
def worker(celery_app):
    """The real Celery worker (thread pool) consuming every queue on the test broker."""
    from workers.embedded import WorkerThread

    handle = WorkerThread(celery_app, concurrency=4, hostname="test-worker@localhost").start()
    yield handle
    handle.stop()


@pytest.fixture
def paused_worker(worker):
    """The worker stopped, so the test drives each step itself; it resumes afterwards."""
    worker.stop()
    yield worker
    if worker.controller is None:
        worker.start()


@pytest.fixture(autouse=True)
def _clean(app):
    clean_state(app)
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_key(app):
    return make_key("admin")


@pytest.fixture
def write_key(app):
    return make_key("write")


@pytest.fixture
def read_key(app):
    return make_key("read")


@pytest.fixture
def admin_headers(admin_key):
    return {"X-API-Key": admin_key}


@pytest.fixture
def write_headers(write_key):
    return {"X-API-Key": write_key}


@pytest.fixture
def read_headers(read_key):
    return {"X-API-Key": read_key}
