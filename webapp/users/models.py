"""The user document. Email uniqueness is case-insensitive through the unique `email_key`."""

from __future__ import annotations

import mongoengine as me

from webapp.clock import utcnow


class User(me.Document):
    name = me.StringField(required=True, max_length=200)
    email = me.StringField(required=True)  # as the user typed it
    email_key = me.StringField(required=True)  # lower-cased: the uniqueness key
    phone_number = me.StringField(required=True)
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
