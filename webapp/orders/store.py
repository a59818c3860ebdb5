"""The only code that touches the orders, the cap ledger and the idempotency records.

Each operation states the single-document guarantee it relies on. On the embedded database
(mongomock) those guarantees come from the embedded write serialization.
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from webapp.orders.models import CapLedger, IdempotencyRecord, Order

LEDGER_ID = "btc_cap"


# ---- the cap ledger ------------------------------------------------------------------------------


def reserve_satoshis(order_sat: int, cap_sat: int) -> bool:
    """Add `order_sat` to the ledger iff the total stays <= `cap_sat`. Atomic: ONE conditional `$inc`
    on one document, so concurrent reservations can never pass the cap together."""
    ledger = CapLedger._get_collection()
    limit = cap_sat - order_sat
    for _attempt in range(2):
        reserved = ledger.update_one(
            {"_id": LEDGER_ID, "sold_sat": {"$lte": limit}}, {"$inc": {"sold_sat": order_sat, "orders": 1}}
        )
        if reserved.matched_count:
            return True
        if ledger.find_one({"_id": LEDGER_ID}, {"_id": 1}) is not None:
            return False
        ensure_ledger()  # first order ever: create the ledger, then try once more
    return False


def ensure_ledger() -> None:
    """Create the ledger at 0 if absent. Atomic: an upsert on `_id`; a racing upsert's duplicate-key
    error means the ledger exists."""
    try:
        CapLedger._get_collection().update_one(
            {"_id": LEDGER_ID}, {"$setOnInsert": {"sold_sat": 0, "orders": 0}}, upsert=True
        )
    except DuplicateKeyError:
        pass


def release_satoshis(order_sat: int) -> None:
    """Give back a reservation. Atomic: one unconditional negative `$inc`."""
    CapLedger._get_collection().update_one({"_id": LEDGER_ID}, {"$inc": {"sold_sat": -order_sat, "orders": -1}})


def ledger() -> dict:
    """`{"sold_sat", "orders"}` (zeros before the first order). One document read."""
    return CapLedger._get_collection().find_one({"_id": LEDGER_ID}) or {"sold_sat": 0, "orders": 0}


# ---- orders --------------------------------------------------------------------------------------


def insert_order(doc: dict) -> None:
    """Store a new order document (its `_id` set by the caller). Atomic: one insert."""
    Order._get_collection().insert_one(doc)


def order_exists(order_id: ObjectId) -> bool:
    return Order._get_collection().find_one({"_id": order_id}, {"_id": 1}) is not None


def find_order(order_id: ObjectId) -> dict | None:
    """One order by id (the `_id` index)."""
    return Order._get_collection().find_one({"_id": order_id})


def orders_page(after: tuple[datetime, ObjectId] | None, limit: int) -> list[dict]:
    """Up to `limit` orders newest first by (created_at, _id), strictly after the keyset `after`.
    Served by the (-created_at, -_id) index: a range scan, no skip, no in-memory sort."""
    query: dict = {}
    if after is not None:
        created_at, oid = after
        query = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": oid}}]}
    return list(Order._get_collection().find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit))


# ---- idempotency records -------------------------------------------------------------------------


def claim_idempotency_key(
    scope: str, key: str, fingerprint: str, now: datetime, expires_at: datetime, abandoned_before: datetime
):
    """Insert the "in_progress" record for (scope, key); its id when this caller owns the key, None
    when another does. Atomic: the unique (scope, key) index lets exactly one insert win; an expired
    or abandoned record is removed by ONE conditional delete (one deleter wins) and the claim retried."""
    records = IdempotencyRecord._get_collection()
    for _attempt in range(3):
        doc = {
            "_id": ObjectId(),
            "scope": scope,
            "key": key,
            "fingerprint": fingerprint,
            "state": "in_progress",
            "created_at": now,
            "expires_at": expires_at,
        }
        try:
            records.insert_one(doc)
            return doc["_id"]
        except DuplicateKeyError:
            dead = {
                "scope": scope,
                "key": key,
                "$or": [
                    {"expires_at": {"$lte": now}},
                    {"state": "in_progress", "created_at": {"$lte": abandoned_before}},
                ],
            }
            if not records.delete_one(dead).deleted_count:
                return None
    return None


def release_idempotency_claim(claim_id: ObjectId) -> None:
    """Drop a claim still in progress (the request was refused). Atomic: one conditional delete."""
    IdempotencyRecord._get_collection().delete_one({"_id": claim_id, "state": "in_progress"})


def complete_idempotency_claim(claim_id: ObjectId, status: int, order_id: ObjectId) -> None:
    """Record the answer of the claimed request (its status and the order it created). Atomic: one
    `$set` on the record."""
    IdempotencyRecord._get_collection().update_one(
        {"_id": claim_id}, {"$set": {"state": "done", "status": status, "order_id": order_id}}
    )


def find_idempotency_record(scope: str, key: str) -> dict | None:
    """The record for (scope, key) through its unique index."""
    return IdempotencyRecord._get_collection().find_one({"scope": scope, "key": key})
