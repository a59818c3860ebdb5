"""Transactions: create, read, change, delete, list; every write triggers the statistics step.

A write stores its document first (with the SMS outbox state on create) and only then publishes
one task, the statistics step (`settle`), which after a creation publishes the SMS task; a publish
failure (Redis down) is logged, never surfaced: the statistics sweeper re-publishes writes whose
`stats_dirty_at` is still set, the SMS sweeper notifications with no live task.
Changes are single atomic updates that bump `version`; a delete is a soft delete (`deleted`,
version bumped) that the statistics step turns into a hard delete once the removal is counted.

Accounts: a user's transactions exist only while the user has an account here, its all-time totals
(`open_account` on user creation, `close_account` on deletion, both called by `webapp.users`), so
this package never reads the users collection. Reads return the stored documents; the route's
schema dumps them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from bson import ObjectId

from webapp import outbox
from webapp.clock import utcnow, utcnow_ms
from webapp.errors import Invalid, NotFound
from webapp.ids import object_id
from webapp.money import to_cents
from webapp.settings import current as current_settings
from webapp.transactions import analytics, daily, figures_store, stats, store

log = logging.getLogger(__name__)
SMS_TASK = "notifications.send_sms"
STATS_TASK = "transactions.apply_stats"


def open_account(user_id: ObjectId) -> None:
    """Open a new user's account: zero totals. Idempotent. Statistics events never create totals,
    so a statistics task still running when its user is deleted cannot bring the figures back."""
    figures_store.open_totals(user_id)


def close_account(user_id: ObjectId) -> int:
    """Close a user's account: remove its totals, transactions and day buckets; returns how many
    transactions were removed. Totals go first, so no new transaction is accepted meanwhile."""
    figures_store.close_totals(user_id)
    return store.delete_user_transactions(user_id)


def deidentify_account(user_id: ObjectId) -> int:
    """Erasure of a user: close its account (totals and day buckets go, so no new transaction is
    accepted and its lists answer 404) and erase the name on its transactions, which stay for the
    accounting (amounts, dates, ids); returns how many were de-identified."""
    figures_store.close_totals(user_id)
    return store.deidentify_user_transactions(user_id)


def balances(user_ids: list) -> dict:
    """{user_id: balance cents} for the given users, one read (users without an account: absent)."""
    return figures_store.balances(user_ids)


def account_oid(user_id) -> ObjectId:
    """`user_id` as the ObjectId of an open account; NotFound ("User not found.") otherwise."""
    oid = object_id(user_id)
    if oid is None or not figures_store.has_totals(oid):
        raise NotFound("User not found.")
    return oid


def create_transaction(data: dict) -> dict:
    user_oid = object_id(data["user_id"])
    if user_oid is None or not figures_store.has_totals(user_oid):
        raise Invalid("Unknown user.", errors={"json": {"user_id": ["No user with this id."]}})
    fields = {
        "user_id": user_oid,
        "full_name": data["full_name"],
        "transaction_date": data["transaction_date"],
        "amount_cents": to_cents(data["transaction_amount"]),
        "transaction_type": data["transaction_type"],
        "currency": data.get("currency") or current_settings().transactions.DEFAULT_CURRENCY,
    }
    doc = store.insert_transaction(fields, utcnow_ms())
    # One publish per request: the statistics step counts it, then publishes its SMS (whose text
    # shows the new balance). A failed publish is left to the sweepers.
    outbox.enqueue(STATS_TASK, str(doc["_id"]), sms=True)
    return doc


def settle(transaction_id: str, sms: bool = False) -> str:
    """The statistics step after a write: count the change; after a creation (`sms`), publish the
    transaction's SMS task once the balance includes it. Idempotent (see stats, and
    `publish_first_sms`). Returns what the statistics step did."""
    outcome = stats.apply_transaction(transaction_id)
    if sms:
        publish_first_sms(transaction_id)
    return outcome


def publish_first_sms(transaction_id) -> bool:
    """Publish the SMS task of a new transaction unless a task was already published for it (by an
    earlier run of this step, or by the SMS sweeper). True when published now."""
    oid = object_id(transaction_id)
    return oid is not None and store.claim_first_sms_publish(oid, utcnow()) and outbox.enqueue(SMS_TASK, str(oid))


def get_transaction(transaction_id) -> dict:
    oid = object_id(transaction_id)
    doc = store.find_live(oid) if oid else None
    if doc is None:
        raise NotFound("Transaction not found.")
    return doc


def update_transaction(transaction_id, data: dict) -> dict:
    oid = object_id(transaction_id)
    changes = {k: v for k, v in data.items() if k in {"full_name", "transaction_date", "transaction_type"}}
    if "transaction_amount" in data:
        changes["amount_cents"] = to_cents(data["transaction_amount"])
    doc = store.change_live(oid, changes, utcnow_ms()) if oid is not None else None
    if doc is None:
        raise NotFound("Transaction not found.")
    outbox.enqueue(STATS_TASK, str(oid))
    return doc


def delete_transaction(transaction_id) -> None:
    oid = object_id(transaction_id)
    if oid is None or not store.soft_delete(oid, utcnow()):
        raise NotFound("Transaction not found.")
    outbox.enqueue(STATS_TASK, str(oid))


def list_user_transactions(user_id, args: dict) -> dict:
    """Offset page of a user's live transactions, newest `transaction_date` first."""
    query: dict = {"user_id": account_oid(user_id)}
    window = {}
    if args.get("from_day"):
        window["$gte"] = datetime.combine(args["from_day"], time.min, UTC)
    if args.get("to_day"):
        window["$lte"] = datetime.combine(args["to_day"], time.max, UTC)
    if window:
        query["transaction_date"] = window
    if args.get("type"):
        query["transaction_type"] = args["type"]
    page, size = args["page"], args["page_size"]
    rows, total = store.user_page(query, (page - 1) * size, size)
    return {"items": rows, "total": total, "page": page, "page_size": size}


def user_analytics(user_id, args: dict) -> analytics.Analytics:
    return analytics.user_analytics(account_oid(user_id), args.get("from_day"), args.get("to_day"))


def user_daily(user_id, args: dict) -> dict:
    return daily.user_daily(account_oid(user_id), args.get("from_day"), args.get("to_day"))
