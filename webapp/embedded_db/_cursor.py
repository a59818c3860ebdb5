"""Sorted and paged reads for the embedded database, with mongomock's answers at a fraction of the cost.

mongomock answers `find().sort(...).skip(s).limit(n)` by copying every matching document (a deep
copy, under the write lock) and then slicing, and sorts by wrapping each value in an object whose
`<` runs its generic BSON comparison. Both costs grow with the collection, not with the page.

Contracts (only for collections of an embedded client; others run mongomock's own code):
- a cursor with a limit copies only the first `skip + limit` documents of the (sorted) dataset,
  produced lazily, instead of every match. The
  page is cached on the cursor like mongomock's results (until its sort, skip or limit changes).
  One difference, shared with a real MongoDB: documents past the page are not tested against the
  filter, so a filter that can only fail on such a document does not fail;
- a sort key that is a top-level field holding, in every matching document, a value of one exact
  type among str, int, ObjectId, naive datetime and aware datetime, is sorted on the raw values:
  mongomock's comparison of two values of one such type is Python's own (`bson_compare` ends in
  `op(a, b)`), and both sorts are stable, so the order is identical. Any other key (dotted, mixed
  types, missing values, lists, booleans, floats) is sorted by mongomock's key as before.
- copying a stored document for a reader (`mongomock.collection._copy_field`, module-wide) returns
  values of immutable exact types (str, int, float, bool, None, bytes, datetime, ObjectId, Decimal,
  Decimal128) as they are instead of `copy.copy`-ing each one, which produced an equal immutable
  object; dicts and lists are still copied recursively, anything else still goes through
  `copy.copy`. Equal answers, for every client.
(tests/embedded/test_fastpath.py compares both paths on random data.)
"""

from __future__ import annotations

import copy
import itertools
import operator
from datetime import datetime
from decimal import Decimal

from bson import Decimal128, ObjectId

_NATIVE_TYPES = (str, int, datetime)


def _native_key(docs: list, key: str, object_id_type):
    """`itemgetter(key)` when every document holds a value of one plain type at `key`, else None."""
    if "." in key or not docs:
        return None
    missing = object()
    first = docs[0].get(key, missing)
    kind = type(first)
    if kind not in _NATIVE_TYPES and kind is not object_id_type:
        return None
    aware = kind is datetime and first.tzinfo is not None
    for doc in docs:
        value = doc.get(key, missing)
        if type(value) is not kind:
            return None
        if kind is datetime and (value.tzinfo is not None) != aware:
            return None
    return operator.itemgetter(key)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes, datetime, ObjectId, Decimal, Decimal128})


def _copy_field(obj, container):
    """mongomock's `_copy_field`, without copying immutable values."""
    kind = type(obj)
    if kind in _IMMUTABLE:
        return obj
    if kind is list:
        return [_copy_field(item, container) for item in obj]
    if isinstance(obj, list):
        new = []
        for item in obj:
            new.append(_copy_field(item, container))
        return new
    if isinstance(obj, dict):
        new = container()
        for key, value in obj.items():
            new[key] = _copy_field(value, container)
        return new
    return copy.copy(obj)


def install(mongomock, state_of) -> None:
    """Patch Collection._get_dataset and Cursor._compute_results; `state_of(collection)` is the
    embedded state of a collection's client (None: not embedded, run mongomock's code)."""
    collection_cls = mongomock.collection.Collection
    cursor_cls = mongomock.collection.Cursor
    resolve_sort_key = mongomock.filtering.resolve_sort_key
    tz_aware_copy = mongomock.helpers.make_datetime_timezone_aware_in_document
    object_id_type = mongomock.ObjectId
    get_dataset, compute_results = collection_cls._get_dataset, cursor_cls._compute_results

    def sorted_dataset(self, spec, sort, fields, as_class):
        if isinstance(sort, dict):
            sort = list(sort.items())
        dataset = list(self._iter_documents(spec))
        for key, direction in reversed(sort):
            if key == "$natural":
                if direction < 0:
                    dataset.reverse()
                continue
            native = _native_key(dataset, key, object_id_type)
            dataset.sort(key=native or (lambda doc, key=key: resolve_sort_key(key, doc)), reverse=direction < 0)
        for document in dataset:
            yield self._copy_only_fields(document, fields, as_class)

    def dataset(self, spec, sort, fields, as_class):
        keys = list(sort) if isinstance(sort, dict) else [pair[0] for pair in sort or ()]
        if state_of(self) is None or not sort or any(k != "$natural" and k.startswith("$") for k in keys):
            return get_dataset(self, spec, sort, fields, as_class)
        return sorted_dataset(self, spec, sort, fields, as_class)

    def results(self, with_limit_and_skip=False):
        limit = self._limit
        if not with_limit_and_skip or not limit or state_of(self.collection) is None:
            return compute_results(self, with_limit_and_skip)
        page = self.__dict__.get("_fido_page")
        if page is None or page[0] is not self._factory or page[1] != (self._skip, limit):
            docs = self._factory()
            docs = [*itertools.islice(docs, self._skip, self._skip + abs(limit))]
            if self.collection.codec_options.tz_aware:
                docs = [tz_aware_copy(doc) for doc in docs]
            page = self._fido_page = (self._factory, (self._skip, limit), docs)
        return page[2]

    collection_cls._get_dataset = dataset
    cursor_cls._compute_results = results
    mongomock.collection._copy_field = _copy_field
