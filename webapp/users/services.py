"""User management.

Emails are unique case-insensitively: the unique index on `email_key` (the blind index of the
email, `webapp.crypto.blind`) decides (never a check then a write), so two racing creates get one
201 and one 409. Passwords are stored only as werkzeug's salted scrypt hash. A user's `balance` is
read from the precomputed statistics of its account in `webapp.transactions` (opened on creation,
closed with the user). Services return `Account`s (the user and its balance); the route's schema
dumps them. Deleting a user erases its personal data and closes its account; its transactions
stay, de-identified.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.security import generate_password_hash

from webapp.clock import utcnow_ms
from webapp.errors import Conflict, NotFound
from webapp.ids import object_id
from webapp.transactions import services as transactions
from webapp.users import store
from webapp.users.models import User, UserRecord


@dataclass(frozen=True)
class Account:
    """A user and its balance in cents (dumped by UserSchema)."""

    user: User | UserRecord
    balance_cents: int


def _taken() -> Conflict:
    return Conflict("A user with this email already exists.", errors={"json": {"email": ["Already used."]}})


def get_user(user_id) -> User:
    oid = object_id(user_id)
    user = store.find(oid) if oid else None
    if user is None:
        raise NotFound("User not found.")
    return user


def get_account(user_id) -> Account:
    user = get_user(user_id)
    return Account(user, transactions.balances([user.id]).get(user.id, 0))


def phone_number(user_id) -> str | None:
    """The phone number of user `user_id` (an ObjectId), or None when there is no such user."""
    return store.phone_number(user_id)


def create_user(data: dict) -> Account:
    now = utcnow_ms()
    fields = {
        "name": data["name"],
        "email": data["email"],
        "phone_number": data["phone_number"],
        "password_hash": generate_password_hash(data["password"]) if data.get("password") else None,
        "created_at": now,
        "updated_at": now,
    }
    try:
        user = store.insert_user(fields)
    except store.EmailTaken:
        raise _taken() from None
    transactions.open_account(user.id)
    return Account(user, 0)


def list_users(page: int, page_size: int) -> dict:
    users, total = store.page((page - 1) * page_size, page_size)
    balances = transactions.balances([u.id for u in users])  # one query for the page
    items = [Account(u, balances.get(u.id, 0)) for u in users]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def update_user(user_id, data: dict) -> Account:
    user = get_user(user_id)
    changes = {k: v for k, v in data.items() if k in {"name", "phone_number", "email"}}
    if data.get("password"):
        changes["password_hash"] = generate_password_hash(data["password"])
    if changes:
        changes["updated_at"] = utcnow_ms()
        try:
            user = store.update_user(user.id, changes)
        except store.EmailTaken:
            raise _taken() from None
        if user is None:
            raise NotFound("User not found.")
    return Account(user, transactions.balances([user.id]).get(user.id, 0))


def delete_user(user_id) -> None:
    """Erase the user: its document (name, email, phone number) goes; its transactions stay for the
    accounting, de-identified (no name; the user id they keep points at nothing), with the
    statistics. SMS still pending for it find no user and end as failed `no_user`, never sent."""
    user = get_user(user_id)
    if not store.delete_user(user.id):
        raise NotFound("User not found.")
    transactions.deidentify_account(user.id)
