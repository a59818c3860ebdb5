"""Users over HTTP: create, list, read, change, delete; validation; passwords never leave."""

import pytest

from tests.transactions.helpers import make_txn, make_user, settled, stats_current
from webapp.users.models import User


def test_create_returns_user_with_zero_balance_and_hashes_password(client, write_headers):
    body = make_user(client, write_headers, password="correct horse battery")
    assert body["balance"] == "0.00"
    assert body["email"] == "ama@example.com" and body["phone_number"] == "+233241234567"
    assert "password" not in body and "password_hash" not in body
    stored = User.objects.get(id=body["id"])
    assert stored.password_hash.startswith("scrypt:") and "correct horse" not in stored.password_hash


def test_duplicate_email_is_409_case_insensitively(client, write_headers):
    make_user(client, write_headers, email="Ama@Example.com")
    response = client.post(
        "/api/v1/users",
        json={"name": "Other", "email": "ama@EXAMPLE.com", "phone_number": "+233241234568"},
        headers=write_headers,
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == 409


def test_list_get_patch(client, write_headers):
    first = make_user(client, write_headers)
    make_user(client, write_headers, email="kofi@example.com", name="Kofi")
    page = client.get("/api/v1/users?page_size=1", headers=write_headers).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["name"] == "Kofi"
    assert client.get(f"/api/v1/users/{first['id']}", headers=write_headers).get_json()["name"] == "Ama Mensah"
    patched = client.patch(f"/api/v1/users/{first['id']}", json={"name": "Ama K. Mensah"}, headers=write_headers)
    assert patched.status_code == 200 and patched.get_json()["name"] == "Ama K. Mensah"
    taken = client.patch(f"/api/v1/users/{first['id']}", json={"email": "KOFI@example.com"}, headers=write_headers)
    assert taken.status_code == 409


def test_the_list_shows_each_user_as_the_single_read_does(client, write_headers):
    """The list is built from raw rows (no documents); it must match the document path field for
    field, including a value stored before encryption (kept as it is, as the model's field does)."""
    made = [
        make_user(client, write_headers, email=f"user{i}@example.com", name=f"User {i}", password="long enough pw")
        for i in range(3)
    ]
    User._get_collection().update_one({"_id": User.objects.get(id=made[1]["id"]).id}, {"$set": {"name": "Plain"}})
    page = client.get("/api/v1/users?page_size=10", headers=write_headers).get_json()
    singles = [client.get(f"/api/v1/users/{user['id']}", headers=write_headers).get_json() for user in made[::-1]]
    assert page["items"] == singles and page["total"] == 3
    assert singles[1]["name"] == "Plain"
    assert all("password" not in item and "password_hash" not in item for item in page["items"])


def test_delete_erases_the_user_and_keeps_its_transactions_de_identified(client, write_headers, worker):
    from webapp.transactions.models import Transaction, UserStats
    from webapp.users.models import User

    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"])
    settled(client, write_headers, txn["id"])
    stats_current(txn["id"])
    assert client.get(f"/api/v1/users/{user['id']}", headers=write_headers).get_json()["balance"] == "120.50"
    assert client.delete(f"/api/v1/users/{user['id']}", headers=write_headers).status_code == 204
    assert client.get(f"/api/v1/users/{user['id']}", headers=write_headers).status_code == 404
    assert User.objects.count() == 0
    kept = client.get(f"/api/v1/transactions/{txn['id']}", headers=write_headers).get_json()
    assert kept["full_name"] == "" and kept["transaction_amount"] == txn["transaction_amount"]
    assert Transaction._get_collection().find_one({})["full_name"] == ""
    assert UserStats.objects.count() == 0  # the account is closed: no new transaction, lists 404
    assert client.get(f"/api/v1/users/{user['id']}/transactions", headers=write_headers).status_code == 404


@pytest.mark.parametrize("user_id", ["nope", "0" * 24, "123", "6" * 25])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_or_malformed_id_is_404(client, write_headers, user_id, method):
    kwargs = {"json": {"name": "x"}} if method == "patch" else {}
    assert getattr(client, method)(f"/api/v1/users/{user_id}", headers=write_headers, **kwargs).status_code == 404


GOOD = {"name": "Ama", "email": "ama@example.com", "phone_number": "+233241234567"}


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", ""),
        ("name", "x" * 201),
        ("name", {"$gt": ""}),
        ("name", ["Ama"]),
        ("name", 12),
        ("email", "not-an-email"),
        ("email", {"$gt": ""}),
        ("email", ["a@b.co"]),
        ("phone_number", "0241234567"),
        ("phone_number", "+0241234567"),
        ("phone_number", "+23324123456789012"),
        ("phone_number", {"$gt": ""}),
        ("phone_number", 233241234567),
        ("phone_number", "+233241234567\n"),
        ("password", "short"),
        ("password", {"$gt": ""}),
        ("unknown", "x"),
    ],
)
def test_bad_create_input_is_422(client, write_headers, field, value):
    response = client.post("/api/v1/users", json={**GOOD, field: value}, headers=write_headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("body", [{"name": ""}, {"email": {"$ne": None}}, {"role": "admin"}, {"phone_number": [1]}])
def test_bad_patch_input_is_422(client, write_headers, body):
    user = make_user(client, write_headers)
    assert client.patch(f"/api/v1/users/{user['id']}", json=body, headers=write_headers).status_code == 422


def test_missing_fields_and_non_object_body_are_422(client, write_headers):
    assert client.post("/api/v1/users", json={}, headers=write_headers).status_code == 422
    assert client.post("/api/v1/users", json=["x"], headers=write_headers).status_code == 422
    assert client.post("/api/v1/users", json=GOOD).status_code == 401


def test_what_a_write_answers_is_what_a_later_read_answers(client, write_headers):
    """Stored times keep milliseconds (BSON dates): a create or change answers the stored value,
    not a finer one that a later read would contradict."""
    made = make_user(client, write_headers)
    read = client.get(f"/api/v1/users/{made['id']}", headers=write_headers).get_json()
    assert made == read
    patched = client.patch(f"/api/v1/users/{made['id']}", json={"name": "Ama K."}, headers=write_headers).get_json()
    assert patched == client.get(f"/api/v1/users/{made['id']}", headers=write_headers).get_json()
