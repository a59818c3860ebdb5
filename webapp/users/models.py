"""The user document. Personal fields are sealed at rest (`webapp.crypto`); email uniqueness is
case-insensitive through the unique `email_key`, the blind index (HMAC) of the email."""

from __future__ import annotations

import mongoengine as me

from webapp.clock import utcnow
from webapp.crypto import EncryptedStringField


class User(me.Document):
    name = EncryptedStringField(required=True, max_length=200)
    email = EncryptedStringField(required=True)  # as the user typed it
    email_key = me.StringField(required=True)  # crypto.blind(email): the uniqueness key
    phone_number = EncryptedStringField(required=True)
    password_hash = me.StringField(null=True)  # werkzeug scrypt hash (salted); never returned
    created_at = me.DateTimeField(required=True, default=utcnow)
    updated_at = me.DateTimeField(required=True, default=utcnow)

    meta = {
        "collection": "users",
        "indexes": [
            {"fields": ["email_key"], "unique": True},
            {"fields": ["-created_at", "-id"]},  # the list's sort
        ],
    }
