"""Contract of `webapp.dialogs.store`: appends, consent, tombstones and the conditional stale delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import DuplicateKeyError

from tests.contract.support import THREADS, assert_indexed, race
from webapp.dialogs import store
from webapp.dialogs.models import GRANTED, PENDING

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _message(n: int = 0) -> dict:
    return {"text": f"message {n}", "language": "EN", "created_at": T0}


def _dialog(dialog_id: str, at: datetime = T0) -> None:
    store.append_message("cust-1", dialog_id, _message(), 50, at)


def test_concurrent_first_messages_make_one_dialog_and_lose_none(app):
    """Relies on: the unique `dialog_id` index makes concurrent upserts create one document (a losing
    upsert fails with E11000, which the service retries as an append); `$push`/`$inc` in one
    `find_one_and_update` are applied atomically."""
    results = race(lambda i: store.append_message("cust-1", "dlg-race", _message(i), 100, T0))
    appended = [r for r in results if isinstance(r, dict)]
    assert all(isinstance(r, dict | DuplicateKeyError) for r in results), results
    state = store.find_state("dlg-race")
    assert state["messages_count"] == len(appended) >= 1


def test_the_message_limit_holds_under_a_race(app):
    """Relies on: the filter `messages_count < max` and the `$inc` are one atomic update."""
    _dialog("dlg-full")
    results = race(lambda i: store.append_message("cust-1", "dlg-full", _message(i), 5, T0))
    assert len([r for r in results if isinstance(r, dict)]) == 4
    assert store.find_state("dlg-full")["messages_count"] == 5


def test_one_tombstone_per_dialog_whatever_the_race(app):
    """Relies on: an upsert on `_id` inserts at most one document; a losing concurrent upsert either
    matches the inserted one or fails with E11000."""
    results = race(lambda i: store.insert_tombstone("dlg-gone", T0))
    assert results.count(True) == 1, results
    assert all(r is False or isinstance(r, DuplicateKeyError) for r in results if r is not True)
    assert store.is_revoked("dlg-gone")


def test_one_grant_wins_a_race(app):
    """Relies on: a conditional `find_one_and_update` (consent == pending) changes the document once."""
    _dialog("dlg-grant")
    results = race(lambda i: store.grant("dlg-grant", T0 + timedelta(seconds=i)))
    assert len([r for r in results if r is not None]) == 1
    assert store.find_granted("cust-1", "dlg-grant") is not None


def test_stale_delete_never_removes_a_dialog_consented_meanwhile(app):
    """Relies on: `delete_many` evaluates its filter (consent == pending, last_message_at < cutoff) and
    removes each document atomically, so a grant that lands first keeps the dialog and a grant that
    lands after the delete finds nothing."""
    ids = [f"dlg-stale-{n}" for n in range(THREADS)]
    for dialog_id in ids:
        _dialog(dialog_id)
    cutoff = T0 + timedelta(days=1)
    candidates = store.find_stale_dialogs(cutoff, 1000)
    assert len(candidates) == THREADS

    def act(i):
        if i == 0:
            return ("deleted", store.delete_stale_dialogs(candidates, cutoff))
        return ("granted", ids[i], store.grant(ids[i], cutoff) is not None)

    results = race(act)
    deleted = results[0][1]
    granted = {r[1] for r in results[1:] if r[2]}
    for dialog_id in ids:
        state = store.find_state(dialog_id)
        assert (state is not None) == (dialog_id in granted), dialog_id
        if state is not None:
            assert state["consent"] == GRANTED
    assert deleted == THREADS - len(granted)


def test_concurrent_cleanups_delete_each_dialog_once(app):
    """Relies on: a document is deleted at most once; concurrent `delete_many` calls split the work."""
    for n in range(40):
        _dialog(f"dlg-old-{n}")
    cutoff = T0 + timedelta(days=1)
    ids = store.find_stale_dialogs(cutoff, 1000)
    results = race(lambda i: store.delete_stale_dialogs(ids, cutoff), threads=4)
    assert sum(results) == 40 and store.count_stale_dialogs(cutoff) == 0


@pytest.mark.real_mongo
def test_dialog_queries_use_indexes_without_a_sort_stage(app):
    """Relies on: the compound (consent, -last_message_at, -dialog_id) family of indexes serving the
    granted lists, their filters and the stale scan in index order; the unique dialog_id index."""
    for n in range(20):
        _dialog(f"dlg-plan-{n}", T0 + timedelta(minutes=n))
    newest = [("last_message_at", -1), ("dialog_id", -1)]
    assert_indexed("dialogs", {"consent": GRANTED}, newest, limit=10)
    assert_indexed("dialogs", {"consent": GRANTED, "languages": "EN"}, newest, limit=10)
    assert_indexed("dialogs", {"consent": GRANTED, "customer_id": "cust-1"}, newest, limit=10)
    assert_indexed("dialogs", {"consent": PENDING, "last_message_at": {"$lt": T0}}, [("last_message_at", 1)], 100)
    assert_indexed("dialogs", {"dialog_id": "dlg-plan-1"})
