"""Test helpers: state cleanup, key creation, polling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import mongoengine
import redis

ROOT = Path(__file__).resolve().parents[1]


def clean_state(app) -> None:
    """Empty every collection (indexes stay) and the test Redis databases (broker bindings stay)."""
    db = mongoengine.get_db()
    for name in db.list_collection_names():
        db[name].delete_many({})
    for url in (app.config["CELERY_RESULT_BACKEND"], app.config["CACHE_REDIS_URL"]):
        redis.Redis.from_url(url).flushdb()
    app.extensions.pop("outbox_gate", None)  # forget a broker outage of the previous test
    app.extensions["apikey_cache"].clear()  # the keys it holds were just deleted
    broker = redis.Redis.from_url(app.config["CELERY_BROKER_URL"])
    stale = [k for k in broker.scan_iter(count=1000) if not k.startswith(b"_kombu.binding")]
    if stale:
        broker.delete(*stale)


def make_key(scope: str, name: str | None = None) -> str:
    from webapp.apikeys.services import create_key

    return create_key(name or f"test-{scope}", scope)[1]


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value (returned) or `timeout` passes (fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def manage_env() -> dict:
    """The environment of an operator's shell: the test broker, APP_ENV development."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["APP_ENV"] = "development"
    return env


def run_manage(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` as an operator runs it: a separate process that reaches the running
    system (this test process's worker thread) only through the test broker and result backend.
    The subprocess's own embedded database stays empty; what it prints comes back in task results."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=manage_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def override_settings(app, monkeypatch, **values) -> None:
    """Give `app` these settings (NAME=typed value) for the current test; restored at its end.
    The one way a test changes a setting (webapp.settings.current() and app.config agree)."""
    from webapp.settings import EXTENSION, changed

    monkeypatch.setitem(app.extensions, EXTENSION, changed(app.extensions[EXTENSION], **values))
    for name, value in values.items():
        monkeypatch.setitem(app.config, name, value)
