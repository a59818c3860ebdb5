"""Concurrent reads while writing: the transactions list and single reads answer without 5xx."""

from tests.concurrency import assert_no_5xx, hammer
from tests.transactions.helpers import TXN_FIELDS, make_txn, make_user


def test_user_transactions_list_under_concurrent_writes(app, client, write_headers):
    user = make_user(client, write_headers)
    seed = make_txn(client, write_headers, user["id"])

    def read(c, headers, i):
        if i % 4 == 0:
            return c.get(f"/api/v1/transactions/{seed['id']}", headers=headers)
        return c.get(f"/api/v1/users/{user['id']}/transactions?page_size=20", headers=headers)

    def write(c, headers, i):
        return c.post("/api/v1/transactions", json={**TXN_FIELDS, "user_id": user["id"]}, headers=headers)

    assert_no_5xx(hammer(app, read, write))
