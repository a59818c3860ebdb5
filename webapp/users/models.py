"""The user document. Personal fields are sealed at rest (`webapp.crypto`); email uniqueness is
case-insensitive through the unique `email_key`, the blind index (HMAC) of the email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import mongoengine as me
from bson import ObjectId

from webapp.clock import utcnow_ms
from webapp.crypto import EncryptedStringField


class User(me.Document):
    name = EncryptedStringField(required=True, max_length=200)
    email = EncryptedStringField(required=True)  # as the user typed it
    email_key = me.StringField(required=True)  # crypto.blind(email): the uniqueness key
    phone_number = EncryptedStringField(required=True)
    password_hash = me.StringField(null=True)  # werkzeug scrypt hash (salted); never returned
    created_at = me.DateTimeField(required=True, default=utcnow_ms)
    updated_at = me.DateTimeField(required=True, default=utcnow_ms)

    meta = {
        "collection": "users",
        "indexes": [
            {"fields": ["email_key"], "unique": True},
            {"fields": ["-created_at", "-id"]},  # the list's sort
        ],
    }


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as a list shows it, built from a raw row (its personal fields opened), without the
    cost of a document. Never cached: it lives for one response."""

    id: ObjectId
    name: str
    email: str
    phone_number: str
    created_at: datetime
    updated_at: datetime
