"""Persistence of the embedded database to one file (`EMBEDDED_DB_PATH`).

Contracts:
- `EmbeddedFile.open()` takes an exclusive `fcntl.flock` on `<path>.lock` for the life of the
  process; a second process on the same file exits with one line (`SystemExit`), no traceback.
- `load()` replaces the in-process data with the file's (documents and index specs); a missing file
  is an empty database.
- `save()` writes every collection under the write lock (a consistent cut: no write is half
  applied), as BSON records (ObjectId, datetime, Decimal128 and binary survive unchanged), to a temp
  file that is fsynced, renamed over the file, and the directory fsynced. A crash therefore loses at
  most the writes since the last save: `EMBEDDED_SNAPSHOT_SECONDS`.
- A background thread saves every `interval` seconds when something changed; `close()` stops it,
  saves a last time and releases the lock.
"""

from __future__ import annotations

import collections
import fcntl
import logging
import os
import threading

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions

from webapp.embedded_db import state as current_state

log = logging.getLogger(__name__)
_CODEC = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
_FORMAT = 1


class EmbeddedFile:
    def __init__(self, path: str, interval: float):
        self.path = os.path.abspath(path)
        self.interval = interval
        self._lock_fd = None
        self._saved_changes = None
        self._stop = threading.Event()
        self._thread = None

    # ---- lock --------------------------------------------------------------------------------
    def open(self) -> EmbeddedFile:
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, exist_ok=True)
            fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SystemExit(f"Error: EMBEDDED_DB_PATH: cannot use {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SystemExit(
                f"Error: EMBEDDED_DB_PATH: {self.path} is in use by another process "
                "(stop it, or set EMBEDDED_DB_PATH to another file)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        return self

    # ---- load / save -------------------------------------------------------------------------
    def load(self) -> int:
        """Replace the current data by the file's; return the number of documents loaded."""
        state = current_state()
        server = _server_store()
        loaded: dict[tuple[str, str], tuple[list, dict]] = {}
        if os.path.exists(self.path):
            with open(self.path, "rb") as fh:
                for record in bson.decode_file_iter(fh, _CODEC):
                    if "format" in record:
                        continue
                    entry = loaded.setdefault((record["db"], record["coll"]), ([], {}))
                    if "doc" in record:
                        entry[0].append(record["doc"])
                    else:
                        entry[1].update(_indexes_from_bson(record["indexes"]))
        with state.lock:
            for db_name in list(server._databases):
                for coll in server[db_name]._collections.values():
                    coll.drop()
            count = 0
            for (db_name, coll_name), (docs, indexes) in loaded.items():
                coll = server[db_name][coll_name]
                for name, spec in indexes.items():
                    coll.create_index(name, spec)
                coll._documents = collections.OrderedDict((doc["_id"], doc) for doc in docs)
                coll.create()
                count += len(docs)
            self._saved_changes = state.changes
        log.info("embedded database loaded", extra={"documents": count})
        return count

    def save(self, force: bool = False) -> bool:
        """Write the snapshot if anything changed since the last one (or `force`)."""
        state = current_state()
        with state.lock:
            changes = state.changes
            if not force and changes == self._saved_changes:
                return False
            data = _encode_all(_server_store())
        tmp = f"{self.path}.tmp-{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(os.path.dirname(self.path), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._saved_changes = changes
        return True

    # ---- background saver --------------------------------------------------------------------
    def start(self) -> EmbeddedFile:
        self._thread = threading.Thread(target=self._loop, name="embedded-snapshot", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save()
            except Exception:  # keep saving later; the next clean stop saves again
                log.exception("embedded snapshot failed")

    def close(self) -> None:
        """Stop the saver, write the last snapshot, release the lock. Idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval + 5)
            self._thread = None
        if self._lock_fd is None:
            return
        try:
            self.save()
        finally:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None


def _server_store():
    import mongoengine

    return mongoengine.get_connection()._store


def _encode_all(server) -> bytes:
    parts = [bson.encode({"format": _FORMAT}, codec_options=_CODEC)]
    for db_name in list(server._databases):
        for coll_name, coll in list(server[db_name]._collections.items()):
            if not coll.is_created:
                continue
            with coll._rwlock.reader():
                docs = list(coll._documents.values())
            where = {"db": db_name, "coll": coll_name}
            parts.append(bson.encode({**where, "indexes": _indexes_to_bson(coll.indexes)}, codec_options=_CODEC))
            parts.extend(bson.encode({**where, "doc": doc}, codec_options=_CODEC) for doc in docs)
    return b"".join(parts)


def _indexes_to_bson(indexes: dict) -> dict:
    return {name: {**spec, "key": [list(pair) for pair in spec["key"]]} for name, spec in indexes.items()}


def _indexes_from_bson(indexes: dict) -> dict:
    return {name: {**spec, "key": [tuple(pair) for pair in spec["key"]]} for name, spec in indexes.items()}
