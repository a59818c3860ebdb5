"""Dialogs and consent: the business rules.

Promises:
- An append is one atomic `find_one_and_update` (push, count, languages, last activity), upserting
  the dialog on its first message. The unique index on `dialog_id` makes two concurrent first
  messages create one dialog: the loser gets DuplicateKeyError and retries as an append.
- Only pending dialogs take messages: another customer's dialog or a granted one is a 409, a
  revoked one (tombstone) a 410. Revocation writes the tombstone before deleting, and an append
  re-checks the tombstone after writing, so a late message can never bring revoked data back.
- Consent true is a conditional pending->granted update (idempotent); consent false deletes the
  dialog with all its messages and leaves a tombstone (id and time only).
- Only granted dialogs are ever read. Nothing here is cached, so a revocation or an erasure is
  invisible to the very next read. Message text is never logged.
- Cleanup deletes each stale candidate with the condition `consent == pending AND
  last_message_at < cutoff`, so consent (or a new message) arriving mid-run wins, and two runs at
  once delete each dialog once between them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from webapp.clock import utcnow
from webapp.dialogs import store
from webapp.dialogs.models import GRANTED, REVOKED
from webapp.errors import Conflict, Gone, NotFound
from webapp.settings import current as current_settings

log = logging.getLogger(__name__)


def _revoked(dialog_id: str) -> bool:
    return store.is_revoked(dialog_id)


def _gone(dialog_id: str) -> Gone:
    return Gone(f"Dialog {dialog_id} was revoked; its data is deleted and it takes no more messages.")


def append_message(customer_id: str, dialog_id: str, text: str, language: str, now: datetime | None = None) -> dict:
    """Append one message (creating the dialog on its first). Returns the dialog's state fields."""
    now = now or utcnow()
    max_messages = current_settings().dialogs.DIALOG_MAX_MESSAGES
    for _attempt in range(3):
        if _revoked(dialog_id):
            raise _gone(dialog_id)
        try:
            message = {"text": text, "language": language, "created_at": now}
            state = store.append_message(customer_id, dialog_id, message, max_messages, now)
        except DuplicateKeyError:
            # The dialog exists but did not match: say why, or retry if it was a concurrent creation.
            _refuse_append(customer_id, dialog_id, max_messages)
            continue
        if _revoked(dialog_id):  # revoked while we wrote: undo, never keep revoked data
            store.delete_any(dialog_id)
            raise _gone(dialog_id)
        log.info("dialog %s: message appended (%d messages)", dialog_id, state["messages_count"])
        return state
    raise Conflict(f"Dialog {dialog_id} is changing concurrently; retry.")


def _refuse_append(customer_id: str, dialog_id: str, max_messages: int) -> None:
    existing = store.find_state(dialog_id)
    if existing is None:
        return  # deleted meanwhile (revoked, erased or cleaned up): the retry decides
    if existing["customer_id"] != customer_id:
        raise Conflict(f"Dialog {dialog_id} belongs to another customer.")
    if existing["consent"] == GRANTED:
        raise Conflict(f"Dialog {dialog_id} is closed: consent was already granted.")
    if existing["messages_count"] >= max_messages:
        raise Conflict(f"Dialog {dialog_id} holds the maximum of {max_messages} messages.")


def grant_consent(dialog_id: str, now: datetime | None = None) -> dict:
    """pending -> granted, atomically; granting again answers the first grant's time."""
    now = now or utcnow()
    doc = store.grant(dialog_id, now)
    if doc is None:
        doc = store.find_granted_consent(dialog_id)
    # A revocation writes its tombstone before deleting, so a grant that raced it sees the tombstone
    # here and answers 410 rather than "granted" for a dialog about to disappear.
    if _revoked(dialog_id):
        raise _gone(dialog_id)
    if doc is None:
        raise NotFound(f"Dialog {dialog_id} not found.")
    log.info("dialog %s: consent granted", dialog_id)
    return {"dialog_id": dialog_id, "consent": GRANTED, "consented_at": doc["consented_at"]}


def revoke_consent(dialog_id: str, now: datetime | None = None) -> dict:
    """Delete the dialog and every message; keep a tombstone (id, time). Revoked twice: 410."""
    now = now or utcnow()
    if not store.exists(dialog_id):
        if _revoked(dialog_id):
            raise _gone(dialog_id)
        raise NotFound(f"Dialog {dialog_id} not found.")
    try:
        created = store.insert_tombstone(dialog_id, now)
    except DuplicateKeyError:  # a concurrent revocation inserted it first
        raise _gone(dialog_id) from None
    if not created:
        raise _gone(dialog_id)
    deleted = store.take_dialog(dialog_id)
    count = deleted["messages_count"] if deleted else 0
    log.info("dialog %s: consent revoked, %d messages deleted", dialog_id, count)
    return {"dialog_id": dialog_id, "consent": REVOKED, "deleted_messages": count}


def set_consent(dialog_id: str, consent: bool, now: datetime | None = None) -> dict:
    return grant_consent(dialog_id, now) if consent else revoke_consent(dialog_id, now)


def list_dialogs(page: int, page_size: int, language: str | None = None, customer_id: str | None = None) -> dict:
    """An offset page of granted dialogs, newest last message first (ties: dialog id descending)."""
    query: dict = {}
    if customer_id:
        query["customer_id"] = customer_id
    if language:
        query["languages"] = language
    total, items = store.granted_page(query, (page - 1) * page_size, page_size)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def get_dialog(customer_id: str, dialog_id: str) -> dict:
    """A granted dialog of this customer; 404 otherwise, with no hint whether it exists."""
    doc = store.find_granted(customer_id, dialog_id)
    if doc is None:
        raise NotFound(f"Dialog {dialog_id} not found.")
    return doc


def delete_dialog(customer_id: str, dialog_id: str) -> None:
    """Delete one dialog of this customer, whatever its consent state."""
    if not store.delete_customer_dialog(customer_id, dialog_id):
        raise NotFound(f"Dialog {dialog_id} not found.")
    log.info("dialog %s: deleted", dialog_id)


def erase_customer(customer_id: str) -> dict:
    """Delete every dialog of a customer, consented or not."""
    deleted = store.delete_customer_dialogs(customer_id)
    log.info("customer %s: %d dialogs erased", customer_id, deleted)
    return {"deleted_dialogs": deleted}


# ---- stale-dialog cleanup ------------------------------------------------------------------------


def stale_cutoff(now: datetime | None = None, older_than: int | None = None) -> datetime:
    ttl = current_settings().dialogs.DIALOG_CONSENT_TTL_SECONDS if older_than is None else older_than
    return (now or utcnow()) - timedelta(seconds=ttl)


def find_stale_batch(cutoff: datetime, limit: int) -> list:
    """Ids of up to `limit` dialogs still pending whose last message is older than `cutoff`."""
    return store.find_stale_dialogs(cutoff, limit)


def delete_stale(ids: list, cutoff: datetime) -> int:
    """Delete those of `ids` that are STILL pending and stale (re-checked atomically per document)."""
    return store.delete_stale_dialogs(ids, cutoff)


def cleanup_stale(now: datetime | None = None, older_than: int | None = None, dry_run: bool = False) -> int:
    """Delete (or with `dry_run` count) pending dialogs idle for longer than the TTL, in batches of
    `DIALOG_CLEANUP_BATCH_SIZE`. Returns the number this run deleted (or would delete)."""
    cutoff = stale_cutoff(now, older_than)
    if dry_run:
        return store.count_stale_dialogs(cutoff)
    batch_size = current_settings().dialogs.DIALOG_CLEANUP_BATCH_SIZE
    deleted = 0
    while True:
        ids = find_stale_batch(cutoff, batch_size)
        if not ids:
            break
        # Each batch's candidates leave the query after this delete (gone, consented or fresh),
        # so the loop ends even when a concurrent run deleted them first.
        deleted += delete_stale(ids, cutoff)
    log.info("stale dialog cleanup: %d deleted (pending, last message before %s)", deleted, cutoff.isoformat())
    return deleted
