"""The embedded database: everything that exists only because MONGO_URI is `mongomock://`.

Production never imports this package (`webapp.extensions.connect_mongo` imports it only for a
`mongomock://` URI). It holds three things, each a contract of its own:

- write serialization (`_patches`): every mongomock write runs under one re-entrant lock per client,
  which stands in for MongoDB's single-document atomicity (mongomock finds then writes without one);
- a fast path (`_patches`): a query whose filter pins `_id` to one value (or a short `$in`) reads that
  document from the collection's own dictionary instead of scanning, with the same results;
- persistence (`snapshot`): the whole database is written to `EMBEDDED_DB_PATH` atomically every
  `EMBEDDED_SNAPSHOT_SECONDS` when something changed and on a clean stop, and loaded at start.
"""

from __future__ import annotations

import threading

import mongoengine

from webapp.embedded_db import _patches


class EmbeddedState:
    """Per-client state: the write lock, a change counter (for snapshots) and an operation counter
    (for benchmarks: one per public collection call, nested calls not counted twice)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changes = 0  # bumped under `lock` by every write call
        self.operations = 0  # monotonic; read it before and after a workload
        self._ops_lock = threading.Lock()
        self.local = threading.local()  # per-thread nesting depth of counted calls

    def count_op(self) -> None:
        with self._ops_lock:
            self.operations += 1


def connect(uri: str, **options) -> None:
    """Connect MongoEngine's default alias to a fresh in-process mongomock database."""
    import mongomock

    _patches.install(mongomock)
    mongoengine.connect(
        host="mongodb://" + uri[len("mongomock://") :],
        mongo_client_class=mongomock.MongoClient,
        **options,
    )
    mongoengine.get_connection()._fido_embedded = EmbeddedState()


def state() -> EmbeddedState:
    """The state of the current embedded connection (AttributeError if not embedded)."""
    return vars(mongoengine.get_connection())["_fido_embedded"]


def open_file(settings):
    """Lock and load `EMBEDDED_DB_PATH` and start its periodic snapshots; None when the database is
    not embedded or the path is empty (in memory only). Call before anything reads or writes."""
    from config.settings import is_embedded_mongo
    from webapp.embedded_db.snapshot import EmbeddedFile

    if not is_embedded_mongo(settings.MONGO_URI) or not settings.EMBEDDED_DB_PATH:
        return None
    handle = EmbeddedFile(settings.EMBEDDED_DB_PATH, settings.EMBEDDED_SNAPSHOT_SECONDS).open()
    handle.load()
    return handle.start()
