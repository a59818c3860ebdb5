"""Idempotency-Key: replay, mismatched body, scoping per API key, validation, concurrency, expiry."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.support import make_key, override_settings
from webapp.orders import services
from webapp.orders.models import IdempotencyRecord, Order
from webapp.prices.services import store_quote

RATES = {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")}


@pytest.fixture(autouse=True)
def _setup(app, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="100000 per minute")
    store_quote("coinbase", RATES)


def order(client, key, idem, body=None):
    body = body or {"currency": "EUR", "amount": "100"}
    return client.post("/api/v1/orders", json=body, headers={"X-API-Key": key, "Idempotency-Key": idem})


def test_replay_returns_the_first_response(client, write_key):
    first = order(client, write_key, "k-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # The same order written differently (number, lower case) is the same body.
    again = order(client, write_key, "k-1", {"currency": "eur", "amount": 100.00})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert Order.objects.count() == 1


def test_same_key_other_body_is_422(client, write_key):
    order(client, write_key, "k-2")
    response = order(client, write_key, "k-2", {"currency": "EUR", "amount": "101"})
    assert response.status_code == 422
    assert "different request body" in response.json["message"]
    assert Order.objects.count() == 1


def test_keys_are_scoped_to_the_api_key(client, write_key):
    other = make_key("write", "other client")
    a = order(client, write_key, "shared")
    b = order(client, other, "shared")
    assert a.status_code == b.status_code == 201 and a.json["id"] != b.json["id"]
    assert Order.objects.count() == 2


def test_without_a_key_every_request_creates(client, write_headers):
    for _ in range(2):
        client.post("/api/v1/orders", json={"currency": "EUR", "amount": "1"}, headers=write_headers)
    assert Order.objects.count() == 2


@pytest.mark.parametrize("bad", ["", " ", "x" * 256, "ключ", "tab\there", "a\x7fb"])
def test_invalid_key_header_is_422(client, write_key, bad):
    response = order(client, write_key, bad)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]["headers"]
    assert Order.objects.count() == 0


def test_longest_and_punctuated_keys_are_accepted(client, write_key):
    assert order(client, write_key, "k" * 255).status_code == 201
    assert order(client, write_key, "order 2026-11-22/#1!").status_code == 201


def test_refused_request_releases_the_key(client, write_key, app, monkeypatch):
    override_settings(app, monkeypatch, BTC_ORDER_CAP="0.001")
    assert order(client, write_key, "retry-me").status_code == 409  # 0.002 BTC > cap
    override_settings(app, monkeypatch, BTC_ORDER_CAP="1")
    response = order(client, write_key, "retry-me")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_expired_key_can_be_used_again(client, write_key):
    first = order(client, write_key, "old")
    IdempotencyRecord._get_collection().update_many(
        {}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    second = order(client, write_key, "old", {"currency": "USD", "amount": "5"})
    assert second.status_code == 201 and second.json["id"] != first.json["id"]


def test_record_lives_for_the_configured_ttl(client, write_key, app, monkeypatch):
    override_settings(app, monkeypatch, IDEMPOTENCY_TTL_SECONDS=86400)
    order(client, write_key, "ttl")
    record = IdempotencyRecord._get_collection().find_one()
    assert record["expires_at"] - record["created_at"] == timedelta(seconds=86400)
    assert record["state"] == "done" and record["status"] == 201


def _claim_left_in_progress(write_key, age_seconds: float) -> None:
    from webapp.apikeys.models import ApiKey
    from webapp.apikeys.services import hash_key

    scope = str(ApiKey.objects.get(key_hash=hash_key(write_key)).id)
    created = datetime.now(UTC) - timedelta(seconds=age_seconds)
    fingerprint = services._fingerprint({"currency": "EUR", "amount": Decimal("100.00")})
    IdempotencyRecord._get_collection().insert_one(
        {
            "scope": scope,
            "key": "busy",
            "fingerprint": fingerprint,
            "state": "in_progress",
            "created_at": created,
            "expires_at": created + timedelta(days=1),
        }
    )


def test_key_held_by_a_running_request_is_409_after_waiting(client, write_key, monkeypatch):
    _claim_left_in_progress(write_key, age_seconds=1)
    monkeypatch.setattr(services, "IDEMPOTENCY_WAIT_SECONDS", 0.2)
    response = order(client, write_key, "busy")
    assert response.status_code == 409 and "in progress" in response.json["message"]
    assert Order.objects.count() == 0


def test_claim_abandoned_by_a_dead_process_is_taken_over(client, write_key):
    _claim_left_in_progress(write_key, age_seconds=services.CLAIM_LEASE_SECONDS + 1)
    response = order(client, write_key, "busy")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert order(client, write_key, "busy").headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_concurrent_requests_with_one_key_create_one_order(app, write_key):
    threads = 30
    results = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def one():
        client = app.test_client()
        barrier.wait()
        response = order(client, write_key, "same-key")
        with lock:
            results.append((response.status_code, response.json.get("id")))

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert Order.objects.count() == 1
    assert {status for status, _ in results} == {201}
    assert len({order_id for _, order_id in results}) == 1


def test_a_record_stored_before_the_stores_replays_its_order(client, write_key):
    """Records written by the previous release hold the response `body` (with its "id") instead of
    `order_id`; for their 24 hours a replay must still answer that order, not fail."""
    first = order(client, write_key, "legacy")
    IdempotencyRecord._get_collection().update_one(
        {"key": "legacy"}, {"$unset": {"order_id": ""}, "$set": {"body": first.json}}
    )
    again = order(client, write_key, "legacy")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and Order.objects.count() == 1
