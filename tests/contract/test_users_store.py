"""Contract of the users store (`webapp.users.store`): email uniqueness under racing writes. Each
test names the MongoDB guarantee it relies on."""

from __future__ import annotations

import pytest

from tests.contract.racing import THREADS, declare_indexes, is_real_mongo, race, sorts_in_memory, uses_index
from webapp.clock import utcnow
from webapp.users import store
from webapp.users.models import User


@pytest.fixture(autouse=True)
def _indexes(app):
    declare_indexes(User)


def fields(email: str) -> dict:
    now = utcnow()
    return {"name": "Contract", "email": email, "phone_number": "+233241234567", "created_at": now, "updated_at": now}


def attempt(action):
    try:
        return action()
    except store.EmailTaken:
        return "taken"


def test_racing_creates_of_one_email_in_any_case_make_one_user():
    """Relies on: a unique index rejects the second of two racing inserts of one key (E11000),
    so N creates of one email (in different cases) store exactly one user."""
    emails = [("Ama@Example.com", "ama@example.com", "AMA@EXAMPLE.COM")[i % 3] for i in range(THREADS)]
    results = race(lambda i: attempt(lambda: store.insert_user(fields(emails[i]))))
    assert sum(1 for r in results if r != "taken") == 1
    assert User.objects(email_key="ama@example.com").count() == 1


def test_racing_updates_to_one_email_leave_one_holder():
    """Relies on: the unique index applies to updates too: of N users racing to take one email,
    exactly one update succeeds."""
    users = [store.insert_user(fields(f"u{i}@example.com")) for i in range(THREADS)]
    results = race(lambda i: attempt(lambda: store.update_user(users[i].id, {"email": "Same@example.com"})))
    assert sum(1 for r in results if r != "taken") == 1
    assert User.objects(email_key="same@example.com").count() == 1


def test_delete_is_done_once():
    """Relies on: a delete by `_id` removes the document once; a second sees nothing."""
    user = store.insert_user(fields("gone@example.com"))
    assert race(lambda i: store.delete_user(user.id)).count(True) == 1


def test_lookups_use_their_indexes():
    """Real MongoDB only (`explain`): the email lookup and the newest-first page read indexes."""
    if not is_real_mongo():
        return  # mongomock has no query planner
    store.insert_user(fields("ix@example.com"))
    users = User._get_collection()
    assert uses_index(users.find({"email_key": "ix@example.com"}))
    page = users.find({}).sort([("created_at", -1), ("_id", -1)]).limit(20)
    assert uses_index(page) and not sorts_in_memory(page)
