"""The users store: operations on the `users` collection.

Key rotation (`webapp.encryption`): `reseal_page` re-seals name, email and phone number under the
primary key, one compare-and-set update per user (`webapp.encryption.rows`); the blind index
`email_key` does not depend on the encryption keys and is never touched.
"""

from __future__ import annotations

from webapp.encryption import rows
from webapp.users.models import User

SEALED_FIELDS = ("name", "email", "phone_number")


def reseal_page(cipher, after, limit: int) -> dict:
    return rows.reseal_page(User._get_collection(), SEALED_FIELDS, (), cipher, after, limit)


def key_counts(cipher):
    return rows.key_counts(User._get_collection(), SEALED_FIELDS, (), cipher)


def count() -> int:
    return User._get_collection().estimated_document_count()
