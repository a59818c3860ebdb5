"""Helpers shared by the users/transactions/notifications tests."""

from __future__ import annotations

from contextlib import contextmanager

from tests.support import wait_for

TXN_FIELDS = {
    "full_name": "Ama Mensah",
    "transaction_date": "2026-11-21T10:00:00",
    "transaction_amount": "120.50",
    "transaction_type": "credit",
}


def make_user(client, headers, **overrides) -> dict:
    body = {"name": "Ama Mensah", "email": "ama@example.com", "phone_number": "+233241234567", **overrides}
    response = client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def make_txn(client, headers, user_id: str, **overrides) -> dict:
    response = client.post(
        "/api/v1/transactions", json={**TXN_FIELDS, "user_id": user_id, **overrides}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def settled(client, headers, txn_id: str, statuses=("sent", "failed", "skipped")) -> dict:
    """Wait until the transaction's notification reaches one of `statuses`; return the transaction."""

    def done():
        body = client.get(f"/api/v1/transactions/{txn_id}", headers=headers).get_json()
        return body if body["notification"]["status"] in statuses else None

    try:
        return wait_for(done, message=f"notification in {statuses}")
    except AssertionError as exc:
        last = client.get(f"/api/v1/transactions/{txn_id}", headers=headers).get_json()["notification"]
        raise AssertionError(f"{exc}; last notification state: {last}") from None


def stats_current(txn_id: str):
    """Wait until the statistics count the transaction's current version (or it is gone)."""
    from bson import ObjectId

    from webapp.transactions.models import Transaction

    def done():
        doc = Transaction._get_collection().find_one({"_id": ObjectId(txn_id)})
        return doc is None or (doc["stats_version"] == doc["version"] and doc.get("stats_pending") is None)

    wait_for(done, message="statistics applied")


@contextmanager
def broker_down(celery_app):
    """Point the app's publisher at a closed port (the running worker keeps its own connection)."""
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved
