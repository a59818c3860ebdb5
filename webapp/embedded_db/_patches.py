"""Patches on mongomock's Collection class, applied once per process (idempotent).

Every patched method looks up the `EmbeddedState` of its own client; a mongomock client without
one (none exists in this code base) runs unpatched behaviour.

Contracts:
- `_insert`, `_update`, `_delete`, `_find_and_modify` run under the client's write lock, so a
  conditional write can never act on a document another thread changed between match and write.
  Writes change stored documents in place, so a reader copies each document (`_copy_only_fields`)
  under the same lock: a read racing a write otherwise failed with "dictionary changed size during
  iteration" (a 500).
- `_iter_documents` with a filter pinning `_id` to one ObjectId/str/int (or `$in` of at most 64
  such values) tests only those documents against the whole filter, in natural order; a filter
  naming every field of a unique index with plain values tests only the documents the index's
  dictionary names (`_unique`); every other filter scans as before. Results are identical
  (tests/embedded/test_fastpath.py).
- an empty filter returns every stored document without testing each one.
- public collection calls bump `operations` once each (nested calls inside them do not).
- sorted and limited reads (`_cursor`) copy only the page and sort plain values natively.
- a projection of top-level names, all included or all excluded (`_id` apart), is applied by
  `_project` instead of mongomock's general projection (which rebuilt and checked the projection
  for every document): same keys in the same order (tests/embedded/test_fastpath.py).
"""

from __future__ import annotations

import contextlib

from webapp.embedded_db import _cursor, _unique

_WRITES = ("_insert", "_update", "_delete", "_find_and_modify")
_READ_COPY = "_copy_only_fields"  # copies one stored document for a reader
_COUNTED = (
    "find",
    "find_one",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
    "count_documents",
    "estimated_document_count",
    "distinct",
    "aggregate",
    "bulk_write",
)
_KEY_TYPES = (str, int)  # plus ObjectId; bool is excluded (True == 1 but Mongo does not match it)
_IN_LIMIT = 64


def _state(collection):
    # vars(): mongomock clients answer any unknown attribute with a database of that name.
    return vars(collection.database.client).get("_fido_embedded")


def _pinned_ids(filter_, object_id_type):
    """The `_id` values the filter restricts to, or None when it does not pin `_id` to plain keys."""
    if not isinstance(filter_, dict) or "_id" not in filter_:
        return None
    value = filter_["_id"]

    def plain(v):
        return isinstance(v, object_id_type) or (isinstance(v, _KEY_TYPES) and not isinstance(v, bool))

    if plain(value):
        return (value,)
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$in"), list | tuple):
        values = value["$in"]
        if len(values) <= _IN_LIMIT and all(plain(v) for v in values):
            return tuple(values)
    return None


def _simple_projection(fields):
    """(include, names, id_value) for a projection of top-level field names that are all included
    or all excluded (`_id` apart), with plain 0/1/bool values; None for anything else (no
    projection, dotted names, operators, mixed values), which mongomock handles itself."""
    if not isinstance(fields, dict):
        return None
    id_value = fields.get("_id", 1)
    names = [name for name in fields if name != "_id"]
    if not names or type(id_value) not in (int, bool):
        return None
    for name in names:
        if "." in name or "$" in name or type(fields[name]) not in (int, bool):
            return None
    if len({fields[name] for name in names}) > 1:
        return None
    return bool(fields[names[0]]), frozenset(names), id_value


def _project(copy_field, doc, include, names, id_value, container):
    """mongomock's `_copy_only_fields` for a `_simple_projection` (same keys, same order): the
    named fields (or all others) copied in the document's order, then `_id` as it sets it."""
    projected = container()
    for key, value in doc.items():
        if (key in names) is include:
            projected[key] = copy_field(value, container)
    if id_value == 0:
        projected.pop("_id", None)
    elif "_id" in doc:
        projected["_id"] = doc["_id"]
    return projected


def _in_natural_order(store, found: list) -> list:
    """`found` (stored documents) in the collection's natural order: one pass over the keys (a
    set lookup each), not a filter test per document. A document deleted meanwhile is left out."""
    wanted = {id(doc) for doc in found}
    with store._rwlock.reader():
        return [doc for doc in store._documents.values() if id(doc) in wanted]


def install(mongomock) -> None:
    collection_cls = mongomock.collection.Collection
    if getattr(collection_cls, "_fido_embedded_patched", False):
        return
    filter_applies = mongomock.filtering.filter_applies
    object_id_type = mongomock.ObjectId

    for name in _WRITES:
        original = getattr(collection_cls, name)

        def locked(self, *args, __original=original, **kwargs):
            state = _state(self)
            if state is None:
                return __original(self, *args, **kwargs)
            with state.lock:
                state.changes += 1
                return __original(self, *args, **kwargs)

        setattr(collection_cls, name, locked)

    copy_fields = getattr(collection_cls, _READ_COPY)

    def copy_locked(self, doc, fields, container):
        state = _state(self)
        if state is None:
            return copy_fields(self, doc, fields, container)
        simple = _simple_projection(fields)
        with state.lock:
            if simple is None:
                return copy_fields(self, doc, fields, container)
            return _project(mongomock.collection._copy_field, doc, *simple, container)

    setattr(collection_cls, _READ_COPY, copy_locked)

    for name in _COUNTED:
        original = getattr(collection_cls, name)

        def counted(self, *args, __original=original, **kwargs):
            state = _state(self)
            if state is None or getattr(state.local, "depth", 0):
                return __original(self, *args, **kwargs)
            state.count_op()
            state.local.depth = 1
            try:
                return __original(self, *args, **kwargs)
            finally:
                state.local.depth = 0

        setattr(collection_cls, name, counted)

    _unique.install(mongomock)
    _cursor.install(mongomock, _state)
    scan = collection_cls._iter_documents

    def by_unique_key(self, state, filter_):
        store = self._store
        ids = _unique.lookup(store, filter_, object_id_type, state.lock)
        if ids is None:
            return scan(self, filter_)
        if store._ttl_indexes:
            store._remove_expired_documents()
        found = [doc for doc in (store._documents.get(i) for i in ids) if doc is not None]
        if len(found) > 1:  # natural order of several documents: leave it to the scan
            return scan(self, filter_)
        if not found:
            filter_applies(filter_, {})  # still reject an invalid filter, as the scan would
        return (doc for doc in found if filter_applies(filter_, doc))

    def iter_documents(self, filter_):
        state = _state(self)
        if state is None:
            return scan(self, filter_)
        if isinstance(filter_, dict) and not filter_:  # matches every document: nothing to test
            return iter(list(self._store.documents))
        ids = _pinned_ids(filter_, object_id_type)
        if ids is None:
            return by_unique_key(self, state, filter_)
        store = self._store
        pairs = []  # (value looked up, document stored under it)
        with contextlib.suppress(TypeError):  # an unhashable value: scan
            seen = set()
            for value in ids:
                if value in seen:
                    continue
                seen.add(value)
                try:
                    pairs.append((value, store[value]))
                except KeyError:  # absent (or deleted since): nothing to test
                    continue
            found = [doc for _, doc in pairs]
            if len(found) > 1:  # several documents: in natural order, found by key, not by filter
                found = _in_natural_order(store, found)
            if not found:
                filter_applies(filter_, {})  # still reject an invalid filter, as the scan would
            # A filter on `_id` alone matched a document whose `_id` has the looked-up value's exact
            # type (dict lookup: 1 finds a stored True or 1.0, which Mongo's equality may not match).
            if len(filter_) == 1 and all(type(doc.get("_id")) is type(value) for value, doc in pairs):
                return iter(found)
            return (doc for doc in found if filter_applies(filter_, doc))
        return scan(self, filter_)

    collection_cls._iter_documents = iter_documents
    collection_cls._fido_embedded_patched = True
