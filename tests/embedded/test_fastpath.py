"""The embedded fast paths (by `_id`, by unique key) answer every query as mongomock's scan does.

Sorted and limited reads (`_cursor`) and `$in` on several ids are compared the same way.
Two in-process databases receive the same random sequence of inserts, updates, deletes and
queries: one through the embedded mode's patched collections (fast path on), one through a plain
mongomock client (no embedded state: the original scan). Every answer must be identical."""

from __future__ import annotations

from datetime import UTC, datetime

import mongomock
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.embedded_db import EmbeddedState, _patches

OIDS = [ObjectId(f"{n:024x}") for n in range(1, 5)]
IDS = st.sampled_from([*OIDS, "a", "b", 1, 2, 3])
VALUES = st.integers(min_value=0, max_value=3)
UNIQUES = st.sampled_from(["x", "y", 1, None, OIDS[0]])
FILTERS = st.one_of(
    IDS.map(lambda i: {"_id": i}),
    st.tuples(IDS, VALUES).map(lambda t: {"_id": t[0], "v": t[1]}),
    st.tuples(IDS, VALUES).map(lambda t: {"_id": t[0], "v": {"$gte": t[1]}}),
    st.lists(IDS, max_size=4).map(lambda ids: {"_id": {"$in": ids}}),
    VALUES.map(lambda v: {"v": v}),
    st.just({"_id": True}),
    st.just({"_id": 1.0}),
    st.just({"_id": {"$gt": 1}}),
    st.just({}),
    UNIQUES.map(lambda u: {"u": u}),
    st.tuples(UNIQUES, VALUES).map(lambda t: {"u": t[0], "v": t[1]}),
    st.tuples(IDS, UNIQUES).map(lambda t: {"_id": t[0], "u": t[1]}),
    st.just({"u": True}),
    st.just({"u": {"$in": ["x", "y"]}}),
)
SORT_KEYS = st.sampled_from(["_id", "v", "u", "t", "$natural"])
SORTS = st.lists(st.tuples(SORT_KEYS, st.sampled_from([1, -1])), min_size=0, max_size=2, unique_by=lambda p: p[0])
PAGES = st.tuples(SORTS, st.integers(min_value=0, max_value=3), st.integers(min_value=-2, max_value=3))
OPS = st.one_of(
    st.tuples(st.just("insert"), IDS, VALUES),
    st.tuples(st.just("insert_u"), IDS, UNIQUES),
    st.tuples(st.just("set_u"), FILTERS, UNIQUES),
    st.tuples(st.just("unset_u"), FILTERS, VALUES),
    st.tuples(st.just("update_one"), FILTERS, VALUES),
    st.tuples(st.just("update_many"), FILTERS, VALUES),
    st.tuples(st.just("upsert"), FILTERS, VALUES),
    st.tuples(st.just("claim"), FILTERS, VALUES),
    st.tuples(st.just("delete_one"), FILTERS, VALUES),
    st.tuples(st.just("delete_many"), FILTERS, VALUES),
    st.tuples(st.just("find"), FILTERS, VALUES),
    st.tuples(st.just("count"), FILTERS, VALUES),
    st.tuples(st.just("page"), FILTERS, PAGES),
    st.tuples(st.just("find_one"), FILTERS, VALUES),
)


def _collections():
    _patches.install(mongomock)
    fast = mongomock.MongoClient()
    fast._fido_embedded = EmbeddedState()
    pair = fast.db.things, mongomock.MongoClient().db.things
    for coll in pair:
        coll.create_index("u", unique=True)
    return pair


def _result(raw: dict) -> dict:
    """A write's raw result without the per-client connection id (and random upserted ids)."""
    return {k: v for k, v in raw.items() if k != "connectionId"}


def _norm(value):
    """Generated ObjectIds (upserts) differ between the two databases; everything else must not."""
    if isinstance(value, ObjectId) and value not in OIDS:
        return "generated-id"
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def _apply(coll, op):
    return _norm(_run(coll, op))


def _run(coll, op):
    kind, arg, value = op
    try:
        if kind == "insert":
            return coll.insert_one({"_id": arg, "v": value}).inserted_id
        if kind == "insert_u":
            return coll.insert_one({"_id": arg, "u": value}).inserted_id
        if kind == "set_u":
            return _result(coll.update_many(arg, {"$set": {"u": value}}).raw_result)
        if kind == "unset_u":
            return _result(coll.update_one(arg, {"$unset": {"u": ""}}).raw_result)
        if kind == "update_one":
            return _result(coll.update_one(arg, {"$set": {"v": value}}).raw_result)
        if kind == "update_many":
            return _result(coll.update_many(arg, {"$inc": {"v": value}}).raw_result)
        if kind == "upsert":
            return _result(coll.update_one(arg, {"$set": {"w": value}}, upsert=True).raw_result)
        if kind == "claim":
            return coll.find_one_and_update(arg, {"$set": {"claimed": value}}, return_document=True)
        if kind == "delete_one":
            return coll.delete_one(arg).deleted_count
        if kind == "delete_many":
            return coll.delete_many(arg).deleted_count
        if kind == "find":
            return list(coll.find(arg))
        if kind == "find_one":
            return coll.find_one(arg)
        if kind == "page":
            sort, skip, limit = value
            cursor = coll.find(arg).skip(skip).limit(limit)
            return list(cursor.sort(sort) if sort else cursor)
        return coll.count_documents(arg)
    except Exception as exc:  # both must fail alike
        return ("error", type(exc).__name__)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=30))
def test_every_query_answers_as_the_full_scan_does(ops):
    fast, plain = _collections()
    for op in ops:
        assert _apply(fast, op) == _apply(plain, op), op
    assert _norm(list(fast.find())) == _norm(list(plain.find()))


def test_fast_path_counts_operations_once_each():
    fast, _ = _collections()
    state = vars(fast.database.client)["_fido_embedded"]
    fast.insert_one({"_id": 1, "v": 0})
    fast.find_one({"_id": 1})
    fast.find_one_and_update({"_id": 1}, {"$set": {"v": 1}})
    assert state.operations == 3
    assert state.changes >= 2


# Sorting and paging, on collections without a unique index (so every insert lands): sort keys of
# one plain type (native sort), of mixed or missing values (mongomock's key), several keys.
TIMES = [datetime(2026, 1, d) for d in (1, 2, 3)]
PLAIN = st.one_of(
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["a", "b", "é", "B"]),
    st.sampled_from(TIMES),
    st.sampled_from(OIDS),
)
VALUE = st.one_of(PLAIN, st.sampled_from([None, True, 1.5, [2, 1], {"x": 1}, datetime(2026, 1, 2, tzinfo=UTC)]))
DOCS = st.lists(
    st.fixed_dictionaries({}, optional={"v": VALUE, "w": VALUE, "n": st.fixed_dictionaries({"k": PLAIN})}),
    max_size=12,
)
KIND = st.sampled_from([int, str, datetime, type(OIDS[0])])
SORT_BY = st.lists(
    st.tuples(st.sampled_from(["v", "w", "n.k", "_id", "$natural"]), st.sampled_from([1, -1])),
    min_size=1,
    max_size=3,
    unique_by=lambda pair: pair[0],
)


def _pair_without_indexes():
    _patches.install(mongomock)
    fast = mongomock.MongoClient()
    fast._fido_embedded = EmbeddedState()
    return fast.db.pages, mongomock.MongoClient().db.pages


def _page(coll, filter_, sort, skip, limit):
    try:
        return list(coll.find(filter_, sort=sort).skip(skip).limit(limit))
    except Exception as exc:  # both must fail alike
        return ("error", type(exc).__name__)


def _indexed(cursor) -> list:
    """cursor[0], cursor[1], ... until IndexError (mongomock's `Cursor.__getitem__` path)."""
    found = []
    while True:
        try:
            found.append(cursor[len(found)])
        except IndexError:
            return found


@pytest.mark.parametrize("homogeneous", [True, False])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_sorted_pages_answer_as_mongomock_does(homogeneous, data):
    if homogeneous:  # every document holds `v` of one type: the native sort is taken
        kind = data.draw(KIND)
        docs = data.draw(st.lists(PLAIN.filter(lambda v: type(v) is kind).map(lambda v: {"v": v}), max_size=12))
    else:
        docs = data.draw(DOCS)
    fast, plain = _pair_without_indexes()
    for number, doc in enumerate(docs):
        fast.insert_one({"_id": number, **doc})
        plain.insert_one({"_id": number, **doc})
    ids = [doc["_id"] for doc in plain.find()]
    for _ in range(5):
        filter_ = data.draw(
            st.one_of(
                st.just({}),
                st.lists(st.sampled_from(ids or [1]), max_size=5).map(lambda chosen: {"_id": {"$in": chosen}}),
            )
        )
        sort = data.draw(SORT_BY)
        skip, limit = data.draw(st.integers(0, 4)), data.draw(st.integers(-3, 5))
        assert _page(fast, filter_, sort, skip, limit) == _page(plain, filter_, sort, skip, limit)
        assert _indexed(fast.find(filter_).limit(limit)) == _indexed(plain.find(filter_).limit(limit))


PROJECTED_DOCS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "a": VALUES,
            "b": st.sampled_from(["x", None, 2.5]),
            "n": st.sampled_from([{"x": 1, "y": [1, {"z": 2}]}, [{"x": 1}, {"x": 2}], {}]),
            "t": st.just(datetime(2024, 1, 2, tzinfo=UTC)),
        },
    ),
    max_size=len(OIDS),
)
PROJECTIONS = st.dictionaries(
    st.sampled_from(["_id", "a", "b", "n", "t", "n.x", "missing"]),
    st.sampled_from([0, 1, True, False, 2]),
    max_size=4,
)


def _ordered(value):
    """`value` with every dict as its list of items: key order counts."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROJECTED_DOCS, PROJECTIONS)
def test_projections_answer_as_mongomock_does(docs, projection):
    """Same documents, same keys in the same order (or the same error), with the embedded copy of
    simple projections and with mongomock's own."""
    _patches.install(mongomock)
    embedded = mongomock.MongoClient()
    embedded._fido_embedded = EmbeddedState()
    fast, plain = embedded.db.things, mongomock.MongoClient().db.things
    for i, doc in enumerate(docs):
        for coll in (fast, plain):
            coll.insert_one({"_id": OIDS[i], **doc})

    def answer(coll):
        try:
            return _ordered(list(coll.find({}, dict(projection)))), _ordered(coll.find_one({}, dict(projection)))
        except Exception as exc:  # both must fail alike
            return ("error", type(exc).__name__)

    assert answer(fast) == answer(plain), projection
