"""`create-api-key` keeps the plaintext key in the CLI process: the running system receives only
its hash, so the key is in no Redis key or value, no task argument or result (what flower shows),
no log line of the worker, and no database document."""

from __future__ import annotations

import logging

import mongoengine
import redis
from celery.signals import task_postrun, task_prerun

from tests.support import run_manage
from webapp.apikeys.services import authenticate


def _redis_values(url: str):
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(count=1000):
        yield key
        kind = client.type(key)
        if kind == b"string":
            yield client.get(key)
        elif kind == b"list":
            yield from client.lrange(key, 0, -1)
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                yield field + b"=" + value
        elif kind == b"set":
            yield from client.smembers(key)
        elif kind == b"zset":
            yield from client.zrange(key, 0, -1)


def test_create_api_key_never_sends_stores_or_logs_the_plaintext(app, worker, caplog):
    seen_by_worker = []

    def on_prerun(task=None, args=None, kwargs=None, **_):
        seen_by_worker.append(repr((task.name, args, kwargs)))

    def on_postrun(task=None, retval=None, **_):
        seen_by_worker.append(repr((task.name, retval)))

    task_prerun.connect(on_prerun, weak=False)
    task_postrun.connect(on_postrun, weak=False)
    caplog.set_level(logging.DEBUG)
    try:
        created = run_manage("create-api-key", "--name", "ops", "--scope", "write")
    finally:
        task_prerun.disconnect(on_prerun)
        task_postrun.disconnect(on_postrun)
    assert created.returncode == 0, created.stderr
    key = dict(line.split(":", 1) for line in created.stdout.strip().splitlines())["key"].strip()
    assert authenticate(key).scope == "write"  # the running system's database holds its hash

    secret = key.encode()
    assert seen_by_worker and not [item for item in seen_by_worker if key in item]
    assert key not in caplog.text
    assert key not in created.stderr
    for url in (app.config["CELERY_BROKER_URL"], app.config["CELERY_RESULT_BACKEND"], app.config["CACHE_REDIS_URL"]):
        assert not [value for value in _redis_values(url) if secret in value], url
    db = mongoengine.get_db()
    for name in db.list_collection_names():
        assert not [doc for doc in db[name].find() if key in repr(doc)], name
