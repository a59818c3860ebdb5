"""The embedded fast paths (by `_id`, by unique key) answer every query as mongomock's scan does.

Two in-process databases receive the same random sequence of inserts, updates, deletes and
queries: one through the embedded mode's patched collections (fast path on), one through a plain
mongomock client (no embedded state: the original scan). Every answer must be identical."""

from __future__ import annotations

import mongomock
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
