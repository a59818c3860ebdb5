"""User management.

Emails are unique case-insensitively: the unique index on `email_key` (the blind index of the
email, `webapp.crypto.blind`) decides (never a check then a
write), so two racing creates get one 201 and one 409. Passwords are stored only as werkzeug's
salted scrypt hash. A user's `balance` is read from the precomputed statistics (see
`webapp.transactions.stats`). Deleting a user erases its personal data; its transactions and
statistics stay, de-identified.
"""

from __future__ import annotations

from mongoengine.errors import NotUniqueError
from werkzeug.security import generate_password_hash

from webapp.crypto import blind
from webapp.errors import Conflict, NotFound
from webapp.ids import object_id
from webapp.transactions import stats
from webapp.users.models import User, utcnow


def get_user(user_id) -> User:
    oid = object_id(user_id)
    user = User.objects(id=oid).first() if oid else None
    if user is None:
        raise NotFound("User not found.")
    return user


def present(user: User, balances: dict | None = None) -> dict:
    """The API view of a user (balance from the statistics, exact decimal string)."""
    if balances is None:
        balances = stats.balances([user.id])
    return {
        "id": str(user.id),
        "name": user.name,
        "email": user.email,
        "phone_number": user.phone_number,
        "balance": stats.format_cents(balances.get(user.id, 0)),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def create_user(data: dict) -> dict:
    now = utcnow()
    user = User(
        name=data["name"],
        email=data["email"],
        email_key=blind(data["email"]),
        phone_number=data["phone_number"],
        password_hash=generate_password_hash(data["password"]) if data.get("password") else None,
        created_at=now,
        updated_at=now,
    )
    try:
        user.save(force_insert=True)
    except NotUniqueError:
        raise Conflict(
            "A user with this email already exists.", errors={"json": {"email": ["Already used."]}}
        ) from None
    stats.init_user(user.id)
    return present(user, {})


def list_users(page: int, page_size: int) -> dict:
    queryset = User.objects.order_by("-created_at", "-id")
    total = queryset.count()
    users = list(queryset.skip((page - 1) * page_size).limit(page_size))
    balances = stats.balances([u.id for u in users])  # one query for the page
    return {"items": [present(u, balances) for u in users], "total": total, "page": page, "page_size": page_size}


def update_user(user_id, data: dict) -> dict:
    user = get_user(user_id)
    changes = {k: v for k, v in data.items() if k in {"name", "phone_number"}}
    if "email" in data:
        changes["email"] = data["email"]
        changes["email_key"] = blind(data["email"])
    if data.get("password"):
        changes["password_hash"] = generate_password_hash(data["password"])
    if changes:
        changes["updated_at"] = utcnow()
        try:
            updated = User.objects(id=user.id).update_one(**{f"set__{k}": v for k, v in changes.items()})
        except NotUniqueError:
            raise Conflict(
                "A user with this email already exists.", errors={"json": {"email": ["Already used."]}}
            ) from None
        if not updated:
            raise NotFound("User not found.")
        user.reload()
    return present(user)


def delete_user(user_id) -> None:
    """Erase the user: its document (name, email, phone number) goes; its transactions stay for the
    accounting, de-identified (no name; the user id they keep points at nothing), with the
    statistics. SMS still pending for it find no user and end as failed `no_user`, never sent."""
    from webapp.transactions.services import deidentify_user_transactions

    user = get_user(user_id)
    if not User.objects(id=user.id).delete():
        raise NotFound("User not found.")
    deidentify_user_transactions(user.id)
