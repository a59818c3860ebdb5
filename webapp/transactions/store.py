"""The transactions store: operations on the `transactions` collection.

Key rotation (`webapp.encryption`): `reseal_page` re-seals `full_name` under the primary key, one
compare-and-set update per transaction (`webapp.encryption.rows`); erased names ("") stay empty.
"""

from __future__ import annotations

from webapp.encryption import rows
from webapp.transactions.models import Transaction

SEALED_FIELDS = ("full_name",)


def reseal_page(cipher, after, limit: int) -> dict:
    return rows.reseal_page(Transaction._get_collection(), SEALED_FIELDS, (), cipher, after, limit)


def key_counts(cipher):
    return rows.key_counts(Transaction._get_collection(), SEALED_FIELDS, (), cipher)


def count() -> int:
    return Transaction._get_collection().estimated_document_count()
