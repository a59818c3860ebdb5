"""The users aggregate's store: the only code that touches the `users` collection.

Email uniqueness is decided by the unique index on `email_key` (the lower-cased email), never by
a read before a write. Every operation is one atomic single-document operation unless its
docstring says otherwise.
"""

from __future__ import annotations

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from webapp.users.models import User


class EmailTaken(Exception):
    """Another user holds this email (case-insensitively)."""


def insert_user(fields: dict) -> User:
    """Insert a new user; EmailTaken when the email key exists. Atomic (insert against the unique
    `email_key` index: of two racing inserts one wins, the other gets a duplicate-key error)."""
    user = User(**fields, email_key=fields["email"].lower())
    try:
        user.save(force_insert=True)
    except NotUniqueError:
        raise EmailTaken from None
    return user


def find(oid: ObjectId) -> User | None:
    """The user `oid`, or None. One read by _id."""
    return User.objects(id=oid).first()


def phone_number(oid: ObjectId) -> str | None:
    """The user's phone number, or None when there is no such user. One read by _id, one field."""
    row = User.objects(id=oid).only("phone_number").as_pymongo().first()
    return row["phone_number"] if row else None


def update_user(oid: ObjectId, changes: dict) -> User | None:
    """Set `changes` (with `email_key` following `email`) on user `oid`; the user after, or None
    when gone; EmailTaken when the new email is held by another user. Atomic (one update against
    the unique `email_key` index)."""
    if "email" in changes:
        changes = {**changes, "email_key": changes["email"].lower()}
    try:
        return User.objects(id=oid).modify(new=True, **{f"set__{k}": v for k, v in changes.items()})
    except NotUniqueError:
        raise EmailTaken from None


def delete_user(oid: ObjectId) -> bool:
    """Remove user `oid`; False when it was already gone. Atomic (one delete by _id)."""
    return bool(User.objects(id=oid).delete())


def page(skip: int, limit: int) -> tuple[list[User], int]:
    """(users, total), newest first. Two reads (index `-created_at, -_id`), raw: MongoEngine's
    queryset was a quarter of this call; the documents are built from the rows as it would."""
    coll = User._get_collection()
    rows = coll.find({}, sort=[("created_at", -1), ("_id", -1)], skip=skip, limit=limit)
    return [User._from_son(row) for row in rows], coll.count_documents({})
