"""Contract of the users store (`webapp.users.store`): email uniqueness under racing writes. Each
test names the MongoDB guarantee it relies on."""

from __future__ import annotations

import pytest

from tests.contract.support import THREADS, assert_indexed, race
from webapp.clock import utcnow
from webapp.crypto import blind
from webapp.users import store
from webapp.users.models import User


@pytest.fixture(autouse=True)
def _app(app):
    return app


def fields(email: str) -> dict:
    now = utcnow()
    return {"name": "Contract", "email": email, "phone_number": "+233241234567", "created_at": now, "updated_at": now}


def winners(results: list) -> int:
    """How many racers succeeded; every other one must have been told the email is taken."""
    assert all(isinstance(r, (User, store.EmailTaken)) for r in results), results
    return sum(1 for r in results if isinstance(r, User))


def test_racing_creates_of_one_email_in_any_case_make_one_user():
    """Relies on: a unique index rejects the second of two racing inserts of one key (E11000),
    so N creates of one email (in different cases) store exactly one user."""
    emails = [("Ama@Example.com", "ama@example.com", "AMA@EXAMPLE.COM")[i % 3] for i in range(THREADS)]
    assert winners(race(lambda i: store.insert_user(fields(emails[i])))) == 1
    assert User.objects(email_key=blind("ama@example.com")).count() == 1


def test_racing_updates_to_one_email_leave_one_holder():
    """Relies on: the unique index applies to updates too: of N users racing to take one email,
    exactly one update succeeds."""
    users = [store.insert_user(fields(f"u{i}@example.com")) for i in range(THREADS)]
    assert winners(race(lambda i: store.update_user(users[i].id, {"email": "Same@example.com"}))) == 1
    assert User.objects(email_key=blind("same@example.com")).count() == 1


def test_delete_is_done_once():
    """Relies on: a delete by `_id` removes the document once; a second sees nothing."""
    user = store.insert_user(fields("gone@example.com"))
    assert race(lambda i: store.delete_user(user.id)).count(True) == 1


@pytest.mark.real_mongo
def test_lookups_use_their_indexes():
    """Real MongoDB only (`explain`): the email lookup and the newest-first page read indexes."""
    store.insert_user(fields("ix@example.com"))
    assert_indexed("users", {"email_key": blind("ix@example.com")})
    assert_indexed("users", {}, [("created_at", -1), ("_id", -1)], 20)
