"""Transactions: create, read, change, delete, list; every write triggers the statistics task.

A write stores its document first (with the SMS outbox state on create) and only then publishes
one task, the statistics step (`settle`), which after a creation publishes the SMS task; a publish
failure (Redis down) is logged, never surfaced: the statistics sweeper re-publishes writes whose
`stats_dirty_at` is still set, the SMS sweeper notifications with no live task.
Changes are single atomic updates that bump `version`; a delete is a soft delete (`deleted`, version bumped) that the
statistics task turns into a hard delete once the removal is counted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from bson import ObjectId
from flask import current_app
from pymongo import ReturnDocument

from webapp import outbox
from webapp.crypto import reveal, seal
from webapp.errors import Invalid, NotFound
from webapp.ids import object_id
from webapp.notifications import services as notifications
from webapp.transactions import analytics, daily, stats
from webapp.transactions.models import Transaction
from webapp.transactions.money import format_cents, to_cents
from webapp.users.models import User

log = logging.getLogger(__name__)


def _hidden() -> dict:
    """The projection of every read, built per call: drivers may mutate a projection dict during a
    query (mongomock pops and re-adds `_id`), so one shared dict broke concurrent reads (500s)."""
    return {"stats_applied": 0, "stats_pending": 0, "stats_dirty_at": 0}


def _user_oid(user_id) -> ObjectId:
    oid = object_id(user_id)
    if oid is None or not User.objects(id=oid).count():
        raise NotFound("User not found.")
    return oid


def enqueue(task_name: str, transaction_id) -> bool:
    return outbox.enqueue(task_name, str(transaction_id))


def present(doc: dict) -> dict:
    note = doc.get("notification") or {}
    return {
        "id": str(doc["_id"]),
        "user_id": str(doc["user_id"]),
        "full_name": reveal(doc["full_name"]),
        "transaction_date": doc["transaction_date"],
        "transaction_amount": format_cents(doc["amount_cents"]),
        "transaction_type": doc["transaction_type"],
        "currency": doc["currency"],
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "notification": {
            k: note.get(k) for k in ("status", "message_sid", "provider", "error_code", "attempts", "updated_at")
        },
    }


def create_transaction(data: dict) -> dict:
    user_oid = object_id(data["user_id"])
    if user_oid is None or not User.objects(id=user_oid).count():
        raise Invalid("Unknown user.", errors={"json": {"user_id": ["No user with this id."]}})
    now = datetime.now(UTC)
    doc = {
        "_id": ObjectId(),
        "user_id": user_oid,
        "full_name": seal(data["full_name"]),
        "transaction_date": data["transaction_date"],
        "amount_cents": to_cents(data["transaction_amount"]),
        "transaction_type": data["transaction_type"],
        "currency": data.get("currency") or current_app.config["DEFAULT_CURRENCY"],
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "deleted": False,
        "stats_version": 0,
        "stats_applied": None,
        "stats_pending": None,
        "stats_dirty_at": now,
        "notification": notifications.initial_state(now),
    }
    Transaction._get_collection().insert_one(doc)
    # One publish per request: the statistics task counts it, then publishes its SMS (whose text
    # shows the new balance). A failed publish is left to the sweepers.
    outbox.enqueue("transactions.apply_stats", str(doc["_id"]), sms=True)
    return present(doc)


def settle(transaction_id: str, sms: bool = False) -> str:
    """The statistics step after a write: count the change; after a creation (`sms`), publish the
    transaction's SMS task once the balance includes it. Idempotent (see stats, and
    notifications.publish_first_sms). Returns what the statistics step did."""
    outcome = stats.apply_transaction(transaction_id)
    if sms:
        notifications.publish_first_sms(transaction_id)
    return outcome


def get_transaction(transaction_id) -> dict:
    oid = object_id(transaction_id)
    doc = Transaction._get_collection().find_one({"_id": oid, "deleted": False}, _hidden()) if oid else None
    if doc is None:
        raise NotFound("Transaction not found.")
    return present(doc)


def update_transaction(transaction_id, data: dict) -> dict:
    oid = object_id(transaction_id)
    changes = {k: v for k, v in data.items() if k in {"full_name", "transaction_date", "transaction_type"}}
    if "full_name" in changes:
        changes["full_name"] = seal(changes["full_name"])
    if "transaction_amount" in data:
        changes["amount_cents"] = to_cents(data["transaction_amount"])
    changes["updated_at"] = changes["stats_dirty_at"] = datetime.now(UTC)
    doc = None
    if oid is not None:
        doc = Transaction._get_collection().find_one_and_update(
            {"_id": oid, "deleted": False},
            {"$set": changes, "$inc": {"version": 1}},
            projection=_hidden(),
            return_document=ReturnDocument.AFTER,
        )
    if doc is None:
        raise NotFound("Transaction not found.")
    enqueue("transactions.apply_stats", oid)
    return present(doc)


def delete_transaction(transaction_id) -> None:
    oid = object_id(transaction_id)
    now = datetime.now(UTC)
    result = None
    if oid is not None:
        result = Transaction._get_collection().update_one(
            {"_id": oid, "deleted": False},
            {"$set": {"deleted": True, "updated_at": now, "stats_dirty_at": now}, "$inc": {"version": 1}},
        )
    if result is None or not result.modified_count:
        raise NotFound("Transaction not found.")
    enqueue("transactions.apply_stats", oid)


def list_user_transactions(user_id, args: dict) -> dict:
    """Offset page of a user's live transactions, newest `transaction_date` first."""
    user_oid = _user_oid(user_id)
    query: dict = {"user_id": user_oid, "deleted": False}
    window = {}
    if args.get("from_day"):
        window["$gte"] = datetime.combine(args["from_day"], time.min, UTC)
    if args.get("to_day"):
        window["$lte"] = datetime.combine(args["to_day"], time.max, UTC)
    if window:
        query["transaction_date"] = window
    if args.get("type"):
        query["transaction_type"] = args["type"]
    coll = Transaction._get_collection()
    page, size = args["page"], args["page_size"]
    rows = coll.find(query, _hidden()).sort([("transaction_date", -1), ("_id", -1)]).skip((page - 1) * size).limit(size)
    return {"items": [present(r) for r in rows], "total": coll.count_documents(query), "page": page, "page_size": size}


def user_analytics(user_id, args: dict) -> dict:
    return analytics.user_analytics(_user_oid(user_id), args.get("from_day"), args.get("to_day"))


def user_daily(user_id, args: dict) -> dict:
    return daily.user_daily(_user_oid(user_id), args.get("from_day"), args.get("to_day"))


def deidentify_user_transactions(user_oid: ObjectId) -> int:
    """Erasure of a user: its transactions keep their amounts, dates and ids, lose the name."""
    return Transaction._get_collection().update_many({"user_id": user_oid}, {"$set": {"full_name": ""}}).modified_count
