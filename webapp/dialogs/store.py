"""The only code that touches dialogs (`Dialog`) and revocation tombstones (`Tombstone`).

Projections and sorts are built per query: a driver may mutate what it is given (mongomock pops and
re-adds `_id` in a projection), so a dict shared between threads breaks concurrent reads.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument

from webapp import reseal as rows
from webapp.crypto import reveal, seal
from webapp.dialogs.models import GRANTED, PENDING, Dialog, Tombstone

_STATE = ("dialog_id", "customer_id", "consent", "messages_count", "created_at", "updated_at")
_LISTED = ("dialog_id", "customer_id", "languages", "messages", "consented_at", "created_at", "updated_at")


def state_fields() -> dict:
    return dict.fromkeys(_STATE, 1)


def list_fields() -> dict:
    return {"_id": 0, **dict.fromkeys(_LISTED, 1)}


def newest_first() -> list:
    return [("last_message_at", -1), ("dialog_id", -1)]


def _dialogs():
    return Dialog._get_collection()


def _tombstones():
    return Tombstone._get_collection()


# ---- tombstones ----------------------------------------------------------------------------------


def is_revoked(dialog_id: str) -> bool:
    """A tombstone exists for the dialog (an `_id` lookup)."""
    return _tombstones().count_documents({"_id": dialog_id}, limit=1) > 0


def insert_tombstone(dialog_id: str, now: datetime) -> bool:
    """Write the tombstone; True when THIS call created it. Atomic: an upsert on `_id`, so of N
    concurrent revocations exactly one creates it (a racing upsert may raise DuplicateKeyError)."""
    return (
        _tombstones().update_one({"_id": dialog_id}, {"$setOnInsert": {"revoked_at": now}}, upsert=True).upserted_id
        is not None
    )


# ---- dialogs -------------------------------------------------------------------------------------


def append_message(customer_id: str, dialog_id: str, message: dict, max_messages: int, now: datetime) -> dict:
    """Push `message` onto the customer's pending dialog with room left, creating it on the first
    message; returns its state fields. Atomic: ONE `find_one_and_update` with upsert; the unique
    `dialog_id` index turns a second concurrent creation (or a non-matching dialog) into
    DuplicateKeyError for the caller. The message text is sealed here (`webapp.crypto`)."""
    message = {**message, "text": seal(message["text"])}
    return _dialogs().find_one_and_update(
        {
            "dialog_id": dialog_id,
            "customer_id": customer_id,
            "consent": PENDING,
            "messages_count": {"$lt": max_messages},
        },
        {
            "$push": {"messages": message},
            "$inc": {"messages_count": 1},
            "$addToSet": {"languages": message["language"]},
            "$set": {"last_message_at": now, "updated_at": now},
            "$setOnInsert": {"created_at": now},
        },
        projection=state_fields(),
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )


def find_state(dialog_id: str) -> dict | None:
    return _dialogs().find_one({"dialog_id": dialog_id}, state_fields())


def exists(dialog_id: str) -> bool:
    return _dialogs().count_documents({"dialog_id": dialog_id}, limit=1) > 0


def grant(dialog_id: str, now: datetime) -> dict | None:
    """pending -> granted; the dialog's `consented_at` or None when it was not pending. Atomic: one
    conditional `find_one_and_update` (of racing grants exactly one changes it)."""
    return _dialogs().find_one_and_update(
        {"dialog_id": dialog_id, "consent": PENDING},
        {"$set": {"consent": GRANTED, "consented_at": now, "updated_at": now}},
        projection={"consented_at": 1},
        return_document=ReturnDocument.AFTER,
    )


def find_granted_consent(dialog_id: str) -> dict | None:
    return _dialogs().find_one({"dialog_id": dialog_id, "consent": GRANTED}, {"consented_at": 1})


def take_dialog(dialog_id: str) -> dict | None:
    """Delete the dialog; its `messages_count` or None. Atomic: one `find_one_and_delete`."""
    return _dialogs().find_one_and_delete({"dialog_id": dialog_id}, projection={"messages_count": 1})


def delete_any(dialog_id: str) -> None:
    _dialogs().delete_one({"dialog_id": dialog_id})


def delete_customer_dialog(customer_id: str, dialog_id: str) -> bool:
    """Delete one dialog of this customer; whether it existed. Atomic: one conditional delete."""
    return bool(_dialogs().delete_one({"dialog_id": dialog_id, "customer_id": customer_id}).deleted_count)


def delete_customer_dialogs(customer_id: str) -> int:
    """Delete every dialog of a customer (each document once)."""
    return _dialogs().delete_many({"customer_id": customer_id}).deleted_count


def granted_page(query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
    """(total, page) of granted dialogs matching `query` (customer_id / languages), newest first."""
    query = {"consent": GRANTED, **query}
    total = _dialogs().count_documents(query)
    rows = _dialogs().find(query, list_fields()).sort(newest_first()).skip(skip).limit(limit)
    return total, [_opened(row) for row in rows]


def find_granted(customer_id: str, dialog_id: str) -> dict | None:
    row = _dialogs().find_one({"dialog_id": dialog_id, "customer_id": customer_id, "consent": GRANTED}, list_fields())
    return _opened(row) if row else None


def _opened(row: dict) -> dict:
    """`row` with its messages' text in clear (rows are fresh from the driver: changed in place)."""
    for message in row.get("messages") or ():
        message["text"] = reveal(message["text"])
    return row


# ---- stale-dialog cleanup ------------------------------------------------------------------------


def _stale_query(cutoff: datetime) -> dict:
    return {"consent": PENDING, "last_message_at": {"$lt": cutoff}}


def count_stale_dialogs(cutoff: datetime) -> int:
    return _dialogs().count_documents(_stale_query(cutoff))


def find_stale_dialogs(cutoff: datetime, limit: int) -> list:
    """Ids of up to `limit` pending dialogs whose last message is older than `cutoff`, oldest first."""
    cursor = _dialogs().find(_stale_query(cutoff), {"_id": 1}).sort("last_message_at", 1).limit(limit)
    return [doc["_id"] for doc in cursor]


def delete_stale_dialogs(ids: list, cutoff: datetime) -> int:
    """Delete those of `ids` that are STILL pending and stale. Atomic per document: the condition is
    evaluated and the document removed as one step, so a consent or a message that lands first wins,
    and concurrent runs delete each dialog once between them."""
    if not ids:
        return 0
    return _dialogs().delete_many({**_stale_query(cutoff), "_id": {"$in": ids}}).deleted_count


# ---- key rotation (webapp.encryption) ------------------------------------------------------------

SEALED_ARRAYS = (("messages", "text"),)


def reseal_page(cipher, after, limit: int) -> dict:
    """Re-seal message texts under the primary key, one page in `_id` order (see
    `webapp.reseal.reseal_page`: one compare-and-set update per dialog)."""
    return rows.reseal_page(_dialogs(), (), SEALED_ARRAYS, cipher, after, limit)


def key_counts(cipher):
    return rows.key_counts(_dialogs(), (), SEALED_ARRAYS, cipher)


def count() -> int:
    return _dialogs().estimated_document_count()
