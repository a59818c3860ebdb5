"""Transactions over HTTP: create/read/change/delete, the user's list, and input validation."""

import pytest

from tests.transactions.helpers import TXN_FIELDS, make_txn, make_user


@pytest.fixture
def user(client, write_headers):
    return make_user(client, write_headers)


def test_create_shape_and_defaults(client, write_headers, user):
    body = make_txn(client, write_headers, user["id"], transaction_amount=120.5)
    assert body["transaction_amount"] == "120.50"
    assert body["currency"] == "GHS" and body["transaction_type"] == "credit"
    assert body["transaction_date"].startswith("2026-11-21T10:00:00") and body["transaction_date"].endswith("+00:00")
    assert body["notification"]["status"] in {"pending", "sending", "skipped"}
    assert body["notification"]["attempts"] in {0, 1}
    assert set(body) >= {"id", "user_id", "full_name", "created_at", "updated_at"}


def test_offset_date_is_stored_in_utc_and_currency_kept(client, write_headers, user):
    body = make_txn(client, write_headers, user["id"], transaction_date="2026-11-21T23:30:00-02:00", currency="USD")
    assert body["transaction_date"].startswith("2026-11-22T01:30:00")
    assert body["currency"] == "USD"


def test_unknown_user_is_422_under_user_id(client, write_headers):
    for user_id in ("0" * 24, "not-an-id"):
        response = client.post("/api/v1/transactions", json={**TXN_FIELDS, "user_id": user_id}, headers=write_headers)
        assert response.status_code == 422
        assert "user_id" in response.get_json()["errors"]["json"]


def test_get_patch_delete(client, write_headers, user):
    txn = make_txn(client, write_headers, user["id"])
    url = f"/api/v1/transactions/{txn['id']}"
    assert client.get(url, headers=write_headers).get_json()["id"] == txn["id"]
    patched = client.patch(
        url, json={"transaction_amount": "99.99", "transaction_type": "debit"}, headers=write_headers
    )
    assert patched.status_code == 200
    assert patched.get_json()["transaction_amount"] == "99.99" and patched.get_json()["transaction_type"] == "debit"
    assert client.delete(url, headers=write_headers).status_code == 204
    assert client.get(url, headers=write_headers).status_code == 404
    assert client.delete(url, headers=write_headers).status_code == 404
    assert client.patch(url, json={"full_name": "x"}, headers=write_headers).status_code == 404


@pytest.mark.parametrize("txn_id", ["nope", "0" * 24, "{'$gt': ''}"])
def test_malformed_or_unknown_transaction_id_is_404(client, write_headers, txn_id):
    url = f"/api/v1/transactions/{txn_id}"
    assert client.get(url, headers=write_headers).status_code == 404
    assert client.patch(url, json={"full_name": "x"}, headers=write_headers).status_code == 404
    assert client.delete(url, headers=write_headers).status_code == 404


def test_list_newest_first_with_filters(client, write_headers, user):
    dates = ["2026-11-01T08:00:00", "2026-11-03T23:59:59", "2026-11-02T12:00:00", "2026-11-04T00:00:00"]
    for i, day in enumerate(dates):
        make_txn(
            client, write_headers, user["id"], transaction_date=day, transaction_type="debit" if i % 2 else "credit"
        )
    url = f"/api/v1/users/{user['id']}/transactions"
    page = client.get(url, headers=write_headers).get_json()
    assert [t["transaction_date"][:10] for t in page["items"]] == [
        "2026-11-04",
        "2026-11-03",
        "2026-11-02",
        "2026-11-01",
    ]
    ranged = client.get(f"{url}?from=2026-11-02&to=2026-11-03", headers=write_headers).get_json()
    assert ranged["total"] == 2 and [t["transaction_date"][:10] for t in ranged["items"]] == [
        "2026-11-03",
        "2026-11-02",
    ]
    debits = client.get(f"{url}?type=debit", headers=write_headers).get_json()
    assert debits["total"] == 2 and {t["transaction_type"] for t in debits["items"]} == {"debit"}
    second = client.get(f"{url}?page=2&page_size=3", headers=write_headers).get_json()
    assert second["total"] == 4 and len(second["items"]) == 1


def test_list_of_unknown_user_is_404_and_bad_query_422(client, write_headers, user):
    assert client.get(f"/api/v1/users/{'0' * 24}/transactions", headers=write_headers).status_code == 404
    assert client.get("/api/v1/users/bad/transactions", headers=write_headers).status_code == 404
    url = f"/api/v1/users/{user['id']}/transactions"
    assert client.get(f"{url}?from=0001-01-01&to=9999-12-31", headers=write_headers).status_code == 200
    for query in ("from=2026-13-01", "to=yesterday", "type=refund", "from=2026-11-05&to=2026-11-01", "page=0"):
        assert client.get(f"{url}?{query}", headers=write_headers).status_code == 422, query


@pytest.mark.parametrize(
    "field,value",
    [
        ("transaction_amount", 0),
        ("transaction_amount", "0.00"),
        ("transaction_amount", -5),
        ("transaction_amount", "1.005"),
        ("transaction_amount", 1e12),
        ("transaction_amount", "1000000000000"),
        ("transaction_amount", "12abc"),
        ("transaction_amount", "NaN"),
        ("transaction_amount", "Infinity"),
        ("transaction_amount", True),
        ("transaction_amount", {"$gt": ""}),
        ("transaction_amount", [1]),
        ("transaction_type", "refund"),
        ("transaction_type", {"$gt": ""}),
        ("transaction_date", "2026-02-30T10:00:00"),
        ("transaction_date", "yesterday"),
        ("transaction_date", 1700000000),
        ("transaction_date", "0001-01-01T00:00:00+01:00"),
        ("transaction_date", "2026-11-21T25:00:00"),
        ("transaction_date", {"$gt": ""}),
        ("full_name", ""),
        ("full_name", "x" * 201),
        ("full_name", ["a"]),
        ("user_id", {"$gt": ""}),
        ("user_id", ["a"]),
        ("currency", "ghs"),
        ("currency", "GHSS"),
        ("currency", "USD\n"),
        ("currency", {"$gt": ""}),
        ("fee", "1.00"),
    ],
)
def test_bad_create_input_is_422(client, write_headers, user, field, value):
    body = {**TXN_FIELDS, "user_id": user["id"], field: value}
    response = client.post("/api/v1/transactions", json=body, headers=write_headers)
    assert response.status_code == 422, (field, value, response.get_json())
    assert field in response.get_json()["errors"]["json"]


def test_nan_json_literal_is_rejected(client, write_headers, user):
    raw = '{"user_id": "USER", "full_name": "A", "transaction_date": "2026-11-21T10:00:00", '.replace(
        "USER", user["id"]
    )
    raw += '"transaction_amount": NaN, "transaction_type": "credit"}'
    response = client.post("/api/v1/transactions", data=raw, content_type="application/json", headers=write_headers)
    assert response.status_code in (400, 422)


@pytest.mark.parametrize(
    "body",
    [{}, {"transaction_amount": "-1"}, {"user_id": "0" * 24}, {"currency": "USD"}, {"full_name": {"$gt": ""}}],
)
def test_bad_patch_input_is_422(client, write_headers, user, body):
    txn = make_txn(client, write_headers, user["id"])
    assert client.patch(f"/api/v1/transactions/{txn['id']}", json=body, headers=write_headers).status_code == 422


def test_a_create_answers_the_stored_times(client, write_headers, user):
    """Times keep milliseconds when stored: the create's answer already does (no paused worker
    here, so only the record's own times are compared, not the notification's progress)."""
    body = make_txn(client, write_headers, user["id"])
    read = client.get(f"/api/v1/transactions/{body['id']}", headers=write_headers).get_json()
    assert (body["created_at"], body["updated_at"]) == (read["created_at"], read["updated_at"])
