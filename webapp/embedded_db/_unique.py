"""Lookups by unique keys for the embedded database: a dictionary per unique index, kept in step
with the collection, so a filter naming every field of a unique index with plain values (and
mongomock's own uniqueness check on writes) tests only the documents holding those values.

Contract: for every usable index, `entries[key values]` holds (at least) the `_id` of every stored
document whose fields currently have those values. It may hold more (a value a document no longer
has): candidates are always tested against the whole filter, so extra entries cost nothing but
correctness never depends on them being absent. An index is usable when it is unique, neither
sparse nor partial, its fields are top-level names, and every stored value is a string, an
ObjectId, a non-boolean integer or missing/null; otherwise its lookups scan as before.

Mutation points kept in step (all under the client's write lock, except TTL expiry deletes):
`CollectionStore.__setitem__` (insert, rollback), `__delitem__` (delete, rollback, TTL expiry),
`drop`, and `Collection._ensure_uniques` (called by mongomock after every in-place update that
changed a document). Indexes are (re)built lazily, under the write lock, when first used or when
their key specification changed.
"""

from __future__ import annotations

_UNUSABLE = object()


def _plain(value, object_id_type) -> bool:
    if value is None or isinstance(value, object_id_type):
        return True
    return isinstance(value, str | int) and not isinstance(value, bool)


class UniqueKeys:
    """The dictionaries of one CollectionStore, by index name."""

    def __init__(self, object_id_type):
        self.object_id_type = object_id_type
        self.indexes: dict = {}  # name -> (fields, {values: set(_id)}) or (fields, _UNUSABLE)

    @staticmethod
    def fields_of(spec: dict):
        if not spec.get("unique") or spec.get("sparse") or spec.get("partialFilterExpression") is not None:
            return None
        fields = tuple(name for name, _ in spec["key"])
        return None if any("." in name or name.startswith("$") for name in fields) else fields

    def _values(self, fields, doc):
        values = tuple(doc.get(name) for name in fields)
        return values if all(_plain(v, self.object_id_type) for v in values) else None

    def build(self, name: str, fields, documents) -> None:
        entries: dict = {}
        for doc in documents:
            values = self._values(fields, doc)
            if values is None:
                self.indexes[name] = (fields, _UNUSABLE)
                return
            entries.setdefault(values, set()).add(doc["_id"])
        self.indexes[name] = (fields, entries)

    def add(self, doc) -> None:
        for name, (fields, entries) in list(self.indexes.items()):
            if entries is _UNUSABLE:
                continue
            values = self._values(fields, doc)
            if values is None:
                self.indexes[name] = (fields, _UNUSABLE)
            else:
                entries.setdefault(values, set()).add(doc["_id"])

    def discard(self, doc) -> None:
        for fields, entries in list(self.indexes.values()):
            if entries is _UNUSABLE:
                continue
            values = self._values(fields, doc)
            if values is not None and values in entries:
                entries[values].discard(doc["_id"])
                if not entries[values]:
                    entries.pop(values, None)

    def candidates(self, name: str, fields, filter_):
        """The `_id`s that may match `filter_` through index `name`, or None (not usable here)."""
        current = self.indexes.get(name)
        if current is None or current[0] != fields or current[1] is _UNUSABLE:
            return None
        values = []
        for field in fields:
            value = filter_[field]
            if not _plain(value, self.object_id_type):
                return None
            values.append(value)
        ids = current[1].get(tuple(values))
        return set() if ids is None else ids.copy()


def keys_of(store, object_id_type) -> UniqueKeys:
    keys = store.__dict__.get("_fido_unique")
    if keys is None:
        keys = store._fido_unique = UniqueKeys(object_id_type)
    return keys


def lookup(store, filter_, object_id_type, lock):
    """Candidate documents for `filter_` through a unique index, or None to scan."""
    if not isinstance(filter_, dict) or not filter_:
        return None
    for name, spec in list(store.indexes.items()):
        fields = UniqueKeys.fields_of(spec)
        if fields is None or not all(field in filter_ for field in fields):
            continue
        keys = keys_of(store, object_id_type)
        current = keys.indexes.get(name)
        if current is None or current[0] != fields:
            with lock:
                with store._rwlock.reader():
                    documents = list(store._documents.values())
                keys.build(name, fields, documents)
        ids = keys.candidates(name, fields, filter_)
        if ids is None:
            continue
        return ids
    return None


def install(mongomock) -> None:
    """Patch CollectionStore and Collection so the dictionaries follow every change."""
    store_cls = mongomock.store.CollectionStore
    setitem, delitem, drop = store_cls.__setitem__, store_cls.__delitem__, store_cls.drop

    def set_item(self, key, value):
        setitem(self, key, value)
        keys = self.__dict__.get("_fido_unique")
        if keys is not None:
            keys.add(value)

    def del_item(self, key):
        keys = self.__dict__.get("_fido_unique")
        doc = self._documents.get(key) if keys is not None else None
        delitem(self, key)
        if doc is not None:
            keys.discard(doc)

    def drop_all(self):
        drop(self)
        self.__dict__.pop("_fido_unique", None)

    store_cls.__setitem__, store_cls.__delitem__, store_cls.drop = set_item, del_item, drop_all

    collection_cls = mongomock.collection.Collection
    ensure_uniques = collection_cls._ensure_uniques

    def ensure_uniques_in_step(self, new_data):
        keys = self._store.__dict__.get("_fido_unique")
        if keys is not None:
            keys.add(new_data)  # an in-place update may have changed its unique fields
        return ensure_uniques(self, new_data)

    collection_cls._ensure_uniques = ensure_uniques_in_step
