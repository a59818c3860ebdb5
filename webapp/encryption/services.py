"""Key rotation and key usage of the sealed personal fields.

- `start_rotation()` creates a run (or answers `conflict` while another one checkpointed in the
  last ROTATION_STALE) and publishes `encryption.rotate` for it.
- `rotate(run_id)` re-seals every value of every source (users, transactions, dialogs) under the
  first key of FIELD_ENCRYPTION_KEYS, page by page (`webapp.reseal`), checkpointing after
  each page and mirroring its progress into the cache Redis (`progress_key`, counts only, best
  effort) for `manage.py rotate-encryption-keys --wait`. Idempotent and resumable: a value already
  under the primary key is skipped, so a second run reports `resealed: 0`.
- `key_usage()` counts the values each key id seals (`GET /api/v1/admin/encryption`).
After a run succeeds with `unreadable: 0`, the old keys can be dropped from FIELD_ENCRYPTION_KEYS.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from webapp import outbox
from webapp.crypto import cipher
from webapp.dialogs import store as dialogs_store
from webapp.encryption import store
from webapp.encryption.models import FAILED, RUNNING, SUCCEEDED
from webapp.errors import NotFound
from webapp.extensions import get_redis
from webapp.ids import object_id
from webapp.transactions import store as transactions_store
from webapp.users import store as users_store

log = logging.getLogger(__name__)

SOURCES = {"users": users_store, "transactions": transactions_store, "dialogs": dialogs_store}
PAGE_SIZE = 200
ROTATION_STALE = timedelta(minutes=10)
PROGRESS_TTL_SECONDS = 86400
STATE_FIELDS = ("status", "primary_key_id", "total", "scanned", "resealed", "unreadable")


def progress_key(run_id: str) -> str:
    return f"fido:encryption:rotation:{run_id}"


def _state(run: dict) -> dict:
    return {"id": str(run["_id"]), **{k: run.get(k) for k in STATE_FIELDS}}


def _publish(run: dict) -> None:
    try:
        get_redis().set(progress_key(str(run["_id"])), json.dumps(_state(run)), ex=PROGRESS_TTL_SECONDS)
    except Exception as exc:  # progress is a mirror; the run lives in the database
        log.warning("rotation progress not published: %s", type(exc).__name__)


def start_rotation() -> dict:
    now = datetime.now(UTC)
    running = store.fresh_running(now - ROTATION_STALE)
    if running is not None:
        return {"status": "conflict", "running_run_id": str(running["_id"])}
    total = sum(source.count() for source in SOURCES.values())
    run = store.insert_run(
        {"status": RUNNING, "primary_key_id": cipher().primary, "source": next(iter(SOURCES)), "after": None}
        | {"total": total, "scanned": 0, "resealed": 0, "unreadable": 0, "started_at": now, "updated_at": now}
    )
    _publish(run)
    outbox.enqueue("encryption.rotate", str(run["_id"]))
    return _state(run)


def rotate(run_id: str) -> dict:
    oid = object_id(run_id)
    run = store.find(oid) if oid else None
    if run is None:
        raise NotFound("Rotation run not found.")
    if run["status"] != RUNNING:
        return _state(run)
    keys = cipher()
    names = list(SOURCES)
    try:
        for name in names[names.index(run["source"] or names[0]) :]:
            after = run["after"] if name == run["source"] else None
            while True:
                page = SOURCES[name].reseal_page(keys, after, PAGE_SIZE)
                if page["last_id"] is None:
                    break
                after = page["last_id"]
                store.checkpoint(oid, name, after, page, datetime.now(UTC))
                _publish(store.find(oid))
        store.finish(oid, SUCCEEDED, datetime.now(UTC))
    except Exception:
        store.finish(oid, FAILED, datetime.now(UTC))
        raise
    done = store.find(oid)
    _publish(done)
    return _state(done)


def rotation_state(run_id: str) -> dict:
    oid = object_id(run_id)
    run = store.find(oid) if oid else None
    if run is None:
        raise NotFound("Rotation run not found.")
    return _state(run)


def key_usage() -> dict:
    keys = cipher()
    counts: Counter = Counter()
    for source in SOURCES.values():
        counts.update(source.key_counts(keys))
    clear = counts.pop(None, 0)
    latest = store.latest()
    return {
        "primary_key_id": keys.primary,
        "configured_key_ids": list(keys.key_ids),
        "values": [{"key_id": kid, "count": n, "configured": kid in keys.key_ids} for kid, n in sorted(counts.items())],
        "unsealed": clear,
        "last_rotation": _state(latest) if latest else None,
    }
