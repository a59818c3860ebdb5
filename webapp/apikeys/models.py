"""The API key document. Only the SHA-256 of a key is stored; the key itself is shown once."""

from __future__ import annotations

from dataclasses import dataclass

import mongoengine as me
from bson import ObjectId

from webapp.clock import utcnow_ms
from webapp.scopes import SCOPES


class ApiKey(me.Document):
    name = me.StringField(required=True, max_length=100)
    scope = me.StringField(required=True, choices=SCOPES)
    key_hash = me.StringField(required=True)  # hex SHA-256 of the key; looked up by equality
    prefix = me.StringField(required=True)  # first characters, to tell keys apart in listings
    created_at = me.DateTimeField(required=True, default=utcnow_ms)
    revoked_at = me.DateTimeField(null=True)

    meta = {
        "collection": "api_keys",
        "indexes": [
            {"fields": ["key_hash"], "unique": True},
            {"fields": ["-created_at"]},
            {"fields": ["name"]},  # the start-up keys are found by name (`revoke_others_named`)
        ],
    }


@dataclass(frozen=True, slots=True)
class KeyIdentity:
    """What a request needs of its key: the id (limits, logs, audit), the scope, and the hash it
    was found by. Holds nothing secret beyond the hash, so the app's key cache may keep it."""

    id: ObjectId
    scope: str
    key_hash: str
