"""Dialog documents and revocation tombstones.

Messages are embedded in their dialog: a dialog is written by one atomic update per message and
deleted (with every message) by one atomic delete, which is what consent and erasure need. The
document stays bounded: at most 10,000 characters per message and `DIALOG_MAX_MESSAGES` messages
(40 kB of UTF-8 per message at worst, so the default 300 stays well under MongoDB's 16 MB).

A tombstone holds a revoked dialog's id and the revocation time, nothing else; it is what makes a
late message of a revoked dialog a 410 instead of a new dialog.
"""

from __future__ import annotations

import mongoengine as me

from webapp.crypto import EncryptedStringField

PENDING, GRANTED, REVOKED = "pending", "granted", "revoked"
CONSENT_STATES = (PENDING, GRANTED)  # revoked dialogs no longer exist; only their tombstone does


class Message(me.EmbeddedDocument):
    text = EncryptedStringField(required=True, max_length=10_000)  # sealed (webapp.crypto)
    language = me.StringField(required=True, min_length=2, max_length=2)  # upper-case ISO 639-1
    created_at = me.DateTimeField(required=True)


class Dialog(me.Document):
    dialog_id = me.StringField(required=True, max_length=128)
    customer_id = me.StringField(required=True, max_length=128)
    consent = me.StringField(required=True, choices=CONSENT_STATES, default=PENDING)
    messages = me.EmbeddedDocumentListField(Message)
    messages_count = me.IntField(required=True, default=0)
    languages = me.ListField(me.StringField(max_length=2))  # every language seen, upper-case, unique
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    last_message_at = me.DateTimeField(required=True)
    consented_at = me.DateTimeField(null=True)

    meta = {
        "collection": "dialogs",
        "indexes": [
            # Lookups, appends, consent; also what resolves two concurrent first messages.
            {"fields": ["dialog_id"], "unique": True},
            # The list without filters (consent=granted, newest first) and the cleanup
            # (consent=pending, last_message_at < cutoff) both use this index's prefix.
            {"fields": ["consent", "-last_message_at", "-dialog_id"]},
            # The list filtered by language (multikey on the languages array).
            {"fields": ["consent", "languages", "-last_message_at", "-dialog_id"]},
            # Erasure of a customer (prefix), and the list filtered by customer (and language).
            {"fields": ["customer_id", "consent", "-last_message_at", "-dialog_id"]},
            {"fields": ["customer_id", "consent", "languages", "-last_message_at", "-dialog_id"]},
        ],
    }


class Tombstone(me.Document):
    dialog_id = me.StringField(primary_key=True, max_length=128)
    revoked_at = me.DateTimeField(required=True)

    meta = {"collection": "dialog_tombstones"}
