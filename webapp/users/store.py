"""The users aggregate's store: the only code that touches the `users` collection.

Email uniqueness is decided by the unique index on `email_key` (the blind index of the email,
`webapp.crypto.blind`), never by a read before a write. Every operation is one atomic
single-document operation unless its docstring says otherwise. Name, email and phone number are
sealed by the model's fields; the raw read of the phone number opens it here.

Key rotation (`webapp.encryption`): `reseal_page` re-seals name, email and phone number under the
primary key, one compare-and-set update per user (`webapp.reseal`); the blind index
`email_key` does not depend on the encryption keys and is never touched.
"""

from __future__ import annotations

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from webapp import reseal as rows
from webapp.crypto import blind, reveal, reveal_or_keep
from webapp.users.models import User, UserRecord

SEALED_FIELDS = ("name", "email", "phone_number")


class EmailTaken(Exception):
    """Another user holds this email (case-insensitively)."""


def insert_user(fields: dict) -> User:
    """Insert a new user; EmailTaken when the email key exists. Atomic (insert against the unique
    `email_key` index: of two racing inserts one wins, the other gets a duplicate-key error)."""
    user = User(**fields, email_key=blind(fields["email"]))
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
    return reveal(row["phone_number"]) if row else None


def update_user(oid: ObjectId, changes: dict) -> User | None:
    """Set `changes` (with `email_key` following `email`) on user `oid`; the user after, or None
    when gone; EmailTaken when the new email is held by another user. Atomic (one update against
    the unique `email_key` index)."""
    if "email" in changes:
        changes = {**changes, "email_key": blind(changes["email"])}
    try:
        return User.objects(id=oid).modify(new=True, **{f"set__{k}": v for k, v in changes.items()})
    except NotUniqueError:
        raise EmailTaken from None


def delete_user(oid: ObjectId) -> bool:
    """Remove user `oid`; False when it was already gone. Atomic (one delete by _id)."""
    return bool(User.objects(id=oid).delete())


def page(skip: int, limit: int) -> tuple[list[UserRecord], int]:
    """(users, total), newest first. Two reads (index `-created_at, -_id`), raw: no document is
    built (MongoEngine's per-document cost was most of this call); the personal fields are opened
    as the model's fields would (a value no configured key opens is kept as it is)."""
    coll = User._get_collection()
    found = coll.find(
        {}, {"password_hash": 0, "email_key": 0}, sort=[("created_at", -1), ("_id", -1)], skip=skip, limit=limit
    )
    users = [
        UserRecord(
            row["_id"],
            reveal_or_keep(row.get("name")),
            reveal_or_keep(row.get("email")),
            reveal_or_keep(row.get("phone_number")),
            row.get("created_at"),
            row.get("updated_at"),
        )
        for row in found
    ]
    return users, coll.count_documents({})


def reseal_page(cipher, after, limit: int) -> dict:
    return rows.reseal_page(User._get_collection(), SEALED_FIELDS, (), cipher, after, limit)


def key_counts(cipher):
    return rows.key_counts(User._get_collection(), SEALED_FIELDS, (), cipher)


def count() -> int:
    return User._get_collection().estimated_document_count()
