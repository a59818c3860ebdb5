"""The transactions aggregate's store: the only code that touches the `transactions` collection,
including each transaction's statistics state and SMS notification state (`notification.*`).
Its derived figures (`user_stats`, `user_day_stats`) are in `webapp.transactions.figures_store`.

Every operation is one atomic single-document operation unless its docstring says otherwise
("not atomic": several such operations, each safe on its own). Reads return plain stored
documents (dicts, no document instantiation: this is the hot path). Projections are built per
call: a driver may mutate a projection dict, so one is never shared between threads.

`full_name` is sealed here on every write and opened on every read (`webapp.crypto`): callers see
clear text, the collection never holds it. Key rotation and erasure act on it in place
(`reseal_page`, `deidentify_user_transactions`).

The notification lives inside the transaction (one insert stores a transaction and its pending
SMS: the outbox); its field paths are the `N_*` constants below, written nowhere else.
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument

from webapp import reseal as rows
from webapp.crypto import reveal, seal
from webapp.transactions.models import Transaction

N_STATUS = "notification.status"
N_ATTEMPTS = "notification.attempts"
N_SID = "notification.message_sid"
N_ERROR = "notification.error_code"
N_UPDATED = "notification.updated_at"
N_DUE = "notification.due_at"
N_RETRY = "notification.retry_at"
N_SENDING_SINCE = "notification.sending_since"
N_PUBLISHES = "notification.publishes"
N_PROVIDER = "notification.provider"

_STATS_FIELDS = ("user_id", "transaction_date", "amount_cents", "transaction_type", "version")
_STATS_STATE = ("deleted", "stats_version", "stats_applied", "stats_pending")


def _txns():
    return Transaction._get_collection()


def _public() -> dict:
    return {"stats_applied": 0, "stats_pending": 0, "stats_dirty_at": 0}


def _sealed(fields: dict) -> dict:
    return {**fields, "full_name": seal(fields["full_name"])} if "full_name" in fields else fields


def _opened(doc: dict | None) -> dict | None:
    """`doc` (fresh from the driver, changed in place) with its `full_name` in clear."""
    if doc is not None and "full_name" in doc:
        doc["full_name"] = reveal(doc["full_name"])
    return doc


# -- transactions -------------------------------------------------------------------------------


def insert_transaction(fields: dict, now: datetime) -> dict:
    """Insert a new transaction (version 1, statistics to apply, SMS pending) and return it.
    Atomic: the transaction and its outbox state (statistics and SMS) are one insert."""
    doc = {
        "_id": ObjectId(),
        **_sealed(fields),
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "deleted": False,
        "stats_version": 0,
        "stats_applied": None,
        "stats_pending": None,
        "stats_dirty_at": now,
        "notification": {
            "status": "pending",
            "message_sid": None,
            "error_code": None,
            "attempts": 0,
            "updated_at": now,
            "due_at": now,
            "publishes": 0,
        },
    }
    _txns().insert_one(doc)
    return {**doc, "full_name": fields["full_name"]}


def find_live(oid: ObjectId) -> dict | None:
    """The live (not deleted) transaction `oid` as the API shows it. One read."""
    return _opened(_txns().find_one({"_id": oid, "deleted": False}, _public()))


def change_live(oid: ObjectId, changes: dict, now: datetime) -> dict | None:
    """Set `changes` on live transaction `oid`, bump its version, mark its statistics dirty; the
    document after, or None. Atomic (find_one_and_update)."""
    doc = _txns().find_one_and_update(
        {"_id": oid, "deleted": False},
        {"$set": {**_sealed(changes), "updated_at": now, "stats_dirty_at": now}, "$inc": {"version": 1}},
        projection=_public(),
        return_document=ReturnDocument.AFTER,
    )
    return _opened(doc)


def soft_delete(oid: ObjectId, now: datetime) -> bool:
    """Mark live transaction `oid` deleted (version bumped, statistics dirty). Atomic, conditional."""
    result = _txns().update_one(
        {"_id": oid, "deleted": False},
        {"$set": {"deleted": True, "updated_at": now, "stats_dirty_at": now}, "$inc": {"version": 1}},
    )
    return bool(result.modified_count)


def user_page(query: dict, skip: int, limit: int) -> tuple[list[dict], int]:
    """(rows, total) of live transactions matching `query` (built by the service from validated
    input: user_id, transaction_date range, transaction_type), newest first. Two reads, index
    `user_id, -transaction_date, -_id`."""
    query = {**query, "deleted": False}
    rows = _txns().find(query, _public()).sort([("transaction_date", -1), ("_id", -1)]).skip(skip).limit(limit)
    return [_opened(row) for row in rows], _txns().count_documents(query)


def delete_user_transactions(user_id: ObjectId) -> int:
    """Remove every transaction of `user_id`. Not atomic (one delete_many: per document)."""
    return _txns().delete_many({"user_id": user_id}).deleted_count


def deidentify_user_transactions(user_id: ObjectId) -> int:
    """Erase the name on every transaction of `user_id` (amounts, dates and ids stay). Not atomic
    (one update_many: per document)."""
    return _txns().update_many({"user_id": user_id}, {"$set": {"full_name": ""}}).modified_count


def reseal_page(cipher, after, limit: int) -> dict:
    """Key rotation of `full_name`: one compare-and-set update per transaction (`rows.reseal_page`)."""
    return rows.reseal_page(_txns(), ("full_name",), (), cipher, after, limit)


def key_counts(cipher):
    return rows.key_counts(_txns(), ("full_name",), (), cipher)


def count() -> int:
    return _txns().estimated_document_count()


# -- statistics state of a transaction ----------------------------------------------------------


def stats_state(oid: ObjectId) -> dict | None:
    """What the statistics need of transaction `oid` (its figures and stats state). One read."""
    return _txns().find_one({"_id": oid}, dict.fromkeys(_STATS_FIELDS + _STATS_STATE, 1))


def claim_stats_event(oid: ObjectId, applied_version, pending: dict) -> bool:
    """Record `pending` as the event being applied, only if nothing is pending and the applied
    version is still `applied_version`. Atomic (conditional update): one claimer per change."""
    claim = _txns().update_one(
        {"_id": oid, "stats_version": applied_version, "stats_pending": None}, {"$set": {"stats_pending": pending}}
    )
    return bool(claim.modified_count)


def finish_stats_event(oid: ObjectId, pending: dict) -> None:
    """Record event `pending` as counted; clear the dirty mark unless a newer write came in; a
    counted deletion removes the document. Not atomic: up to three conditional single-document
    operations, each a no-op once done (normally one)."""
    done = {"$set": {"stats_version": pending["to"], "stats_applied": pending["new"], "stats_pending": None}}
    cleared = _txns().update_one(
        {"_id": oid, "stats_pending.event": pending["event"], "version": pending["to"]},
        {**done, "$unset": {"stats_dirty_at": ""}},
    )
    if not cleared.matched_count:
        _txns().update_one({"_id": oid, "stats_pending.event": pending["event"]}, done)
    if pending["new"] is None:
        _txns().delete_one({"_id": oid, "deleted": True, "version": pending["to"]})


def dirty_ids(before: datetime, limit: int) -> list[ObjectId]:
    """Transactions written before `before` whose change is not counted yet. One read (sparse index)."""
    return [row["_id"] for row in _txns().find({"stats_dirty_at": {"$lte": before}}, {"_id": 1}).limit(limit)]


def uncounted_ids(user_id: ObjectId) -> list[ObjectId]:
    """Transactions of `user_id` with a pending event, a deletion or a version not yet counted. One read."""
    rows = _txns().find(
        {"user_id": user_id}, {"_id": 1, "version": 1, "stats_version": 1, "deleted": 1, "stats_pending": 1}
    )
    return [
        row["_id"]
        for row in rows
        if row.get("stats_pending") is not None
        or row.get("deleted")
        or (row.get("stats_version") or 0) < row["version"]
    ]


def live_figures(user_id: ObjectId):
    """Iterate the live transactions of `user_id` (date, amount, type only), for reconciliation."""
    query = {"user_id": user_id, "deleted": {"$ne": True}}
    return _txns().find(query, {"transaction_date": 1, "amount_cents": 1, "transaction_type": 1})


# -- the SMS notification of a transaction -----------------------------------------------------


def claim_first_sms_publish(oid: ObjectId, now: datetime) -> bool:
    """Take the right to publish the first SMS task of live transaction `oid` (pending, never
    published). Atomic (compare-and-set on `publishes` == 0)."""
    taken = _txns().update_one(
        {"_id": oid, "deleted": False, N_STATUS: "pending", N_PUBLISHES: 0},
        {"$set": {N_DUE: now}, "$inc": {N_PUBLISHES: 1}},
    )
    return bool(taken.modified_count)


def sms_pending(oid: ObjectId) -> bool:
    """Whether live transaction `oid` has its SMS pending. One read."""
    return _txns().find_one({"_id": oid, "deleted": False, N_STATUS: "pending"}, {"_id": 1}) is not None


def defer_sms(oid: ObjectId, due: datetime) -> None:
    """Move a pending SMS's live task to `due` (its pace slot). Atomic, conditional on pending."""
    _txns().update_one({"_id": oid, N_STATUS: "pending"}, {"$set": {N_DUE: due}})


def claim_sms(oid: ObjectId, now: datetime) -> dict | None:
    """Claim the pending SMS of live transaction `oid` for one send (pending -> sending,
    attempts + 1); the transaction after, or None when not pending. Atomic (find_one_and_update):
    one claimer per attempt."""
    return _txns().find_one_and_update(
        {"_id": oid, "deleted": False, N_STATUS: "pending"},
        {"$set": {N_STATUS: "sending", N_SENDING_SINCE: now, N_UPDATED: now}, "$inc": {N_ATTEMPTS: 1}},
        return_document=ReturnDocument.AFTER,
    )


def record_sid(oid: ObjectId, attempts: int, status: str, now: datetime, **fields) -> bool:
    """Record the outcome of send attempt `attempts` (`status`, and `message_sid`, `error_code`,
    `provider`, `retry_at`, `due_at` as given). Atomic, conditional on that claim (sending, same
    attempt), so a stale worker cannot overwrite a newer state."""
    update = {N_STATUS: status, N_UPDATED: now, **{f"notification.{k}": v for k, v in fields.items() if k in _OUTCOME}}
    done = _txns().update_one({"_id": oid, N_STATUS: "sending", N_ATTEMPTS: attempts}, {"$set": update})
    return bool(done.modified_count)


_OUTCOME = ("message_sid", "error_code", "provider", "retry_at", "due_at")


def record_receipt(message_sid: str, hinted: ObjectId | None, status: str, may_replace, error_code, now) -> bool:
    """Apply a delivery receipt to the notification with `message_sid` (or, when the SID was never
    recorded, to transaction `hinted`) if its status is one of `may_replace`. Atomic (conditional
    update): statuses only move forward."""
    match: dict = {N_SID: message_sid}
    if hinted is not None:
        match = {"$or": [match, {"_id": hinted, N_SID: None}]}
    update = {N_STATUS: status, N_SID: message_sid, N_UPDATED: now}
    if error_code:
        update[N_ERROR] = error_code
    result = _txns().update_one({**match, N_STATUS: {"$in": list(may_replace)}}, {"$set": update})
    return bool(result.modified_count)


def lost_sms(due_before: datetime, now: datetime, limit: int) -> list[dict]:
    """Pending notifications with no live task: due before `due_before` and past any retry backoff.
    Rows: {_id, publishes, due_at}. One read (index status, due_at)."""
    rows = (
        _txns()
        .find(
            {
                N_STATUS: "pending",
                N_DUE: {"$not": {"$gt": due_before}},
                N_RETRY: {"$not": {"$gt": now}},
                "deleted": False,
            },
            {"_id": 1, N_PUBLISHES: 1, N_DUE: 1},
        )
        .limit(limit)
    )
    return [
        {"_id": r["_id"], **{k: (r.get("notification") or {}).get(k) for k in ("publishes", "due_at")}} for r in rows
    ]


def republish_sms(oid: ObjectId, publishes, due_at, now: datetime) -> bool:
    """Take the right to publish again the SMS task of a lost pending notification. Atomic
    (compare-and-set on `publishes` and `due_at` as read)."""
    taken = _txns().update_one(
        {"_id": oid, N_STATUS: "pending", N_PUBLISHES: publishes, N_DUE: due_at},
        {"$set": {N_DUE: now}, "$inc": {N_PUBLISHES: 1}},
    )
    return bool(taken.modified_count)


def stuck_sms(stuck_before: datetime, limit: int) -> list[dict]:
    """Notifications `sending` since before `stuck_before` with no timeout recorded. Rows:
    {_id, attempts}. One read (index status, updated_at)."""
    rows = (
        _txns()
        .find(
            {N_STATUS: "sending", N_UPDATED: {"$lte": stuck_before}, N_ERROR: {"$ne": "timeout"}},
            {"_id": 1, N_ATTEMPTS: 1},
        )
        .limit(limit)
    )
    return [{"_id": r["_id"], "attempts": r["notification"]["attempts"]} for r in rows]


def reclaim_stuck_sms(oid: ObjectId, attempts: int, now: datetime) -> bool:
    """Put a stuck `sending` notification back to pending and take the right to publish its task.
    Atomic (conditional on the same attempt still sending)."""
    back = _txns().update_one(
        {"_id": oid, N_STATUS: "sending", N_ATTEMPTS: attempts},
        {"$set": {N_STATUS: "pending", N_UPDATED: now, N_DUE: now}, "$inc": {N_PUBLISHES: 1}},
    )
    return bool(back.modified_count)


def count_by_sms_status() -> dict[str, int]:
    """Transactions per notification status (`{"sent": 12, ...}`). One `$group` over the whole
    collection (callers cache it); a read, atomic per document only."""
    rows = _txns().aggregate([{"$group": {"_id": "$" + N_STATUS, "n": {"$sum": 1}}}])
    return {row["_id"]: row["n"] for row in rows if row["_id"]}
