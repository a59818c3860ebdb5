"""Strict input: decimals are ASCII digits with at most one point (no underscores, no full-width
digits, no exponent), integers in query strings likewise, text has no control characters except
where a field documents line breaks, and a pattern never lets a trailing newline through."""

import pytest

from tests.transactions.helpers import TXN_FIELDS, make_user


@pytest.fixture
def user(client, write_headers):
    return make_user(client, write_headers)


def _create_txn(client, headers, user, **fields):
    body = {**TXN_FIELDS, "user_id": user["id"], **fields}
    return client.post("/api/v1/transactions", json=body, headers=headers)


@pytest.mark.parametrize(
    "amount",
    ["1_000", "１２", "1e3", "1E3", "+5", "05", "5.", ".5", "1.500", "0.00", "1,5", " 5", "5\n", "٣"],
)
def test_decimal_strings_are_plain_ascii(client, write_headers, user, amount):
    response = _create_txn(client, write_headers, user, transaction_amount=amount)
    assert response.status_code == 422, (amount, response.get_json())
    assert "transaction_amount" in response.get_json()["errors"]["json"]


def test_json_numbers_with_an_exponent_are_refused(client, write_headers, user):
    body = '{"user_id": "' + user["id"] + '", "full_name": "Ama", "transaction_date": "2026-11-21T10:00:00", '
    headers = {**write_headers, "Content-Type": "application/json"}
    for number in ("1e3", "1.5E2", "100e-2"):
        payload = body + f'"transaction_amount": {number}, "transaction_type": "credit"}}'
        response = client.post("/api/v1/transactions", data=payload, headers=headers)
        assert response.status_code == 422, number
    accepted = client.post(
        "/api/v1/transactions",
        data=body + '"transaction_amount": 120.5, "transaction_type": "credit"}',
        headers=headers,
    )
    assert accepted.status_code == 201 and accepted.get_json()["transaction_amount"] == "120.50"


@pytest.mark.parametrize("amount", ["0.5", "0.05", "120.50", "999999999999.99", 7, "10"])
def test_plain_decimals_are_accepted(client, write_headers, user, amount):
    assert _create_txn(client, write_headers, user, transaction_amount=amount).status_code == 201


@pytest.mark.parametrize("value", ["１２", "1_0", "1e1", "+", "2\n"])
def test_integer_query_parameters_are_ascii_digits(client, read_headers, value):
    response = client.get("/api/v1/users", query_string={"page_size": value}, headers=read_headers)
    assert response.status_code == 422, value
    assert client.get("/api/v1/ingestions", query_string={"page": value}, headers=read_headers).status_code == 422


@pytest.mark.parametrize("name", ["Ama\x00", "Ama\nMensah", "Ama\tM", "\x1b[31mAma", "Ama\x7f", "Ama\x85"])
def test_control_characters_in_names_are_refused(client, write_headers, admin_headers, user, name):
    body = {"name": name, "email": "kofi@example.com", "phone_number": "+233241234568"}
    assert client.post("/api/v1/users", json=body, headers=write_headers).status_code == 422
    assert client.patch(f"/api/v1/users/{user['id']}", json={"name": name}, headers=write_headers).status_code == 422
    assert _create_txn(client, write_headers, user, full_name=name).status_code == 422
    key = client.post("/api/v1/api-keys", json={"name": name, "scope": "read"}, headers=admin_headers)
    assert key.status_code == 422


def test_dialog_text_allows_line_breaks_but_no_other_control_character(client, write_headers):
    url = "/api/v1/data/c-1/d-1"
    ok = client.post(url, json={"text": "Hello,\r\n\tworld\n", "language": "en"}, headers=write_headers)
    assert ok.status_code == 201
    for text in ("Hello\x00", "bell\x07", "esc\x1b"):
        refused = client.post(url, json={"text": text, "language": "en"}, headers=write_headers)
        assert refused.status_code == 422 and "text" in refused.get_json()["errors"]["json"]


@pytest.mark.parametrize(
    "field,value",
    [("currency", "GHS\n"), ("phone_number", "+233241234567\n")],
)
def test_a_trailing_newline_never_passes_a_pattern(client, write_headers, user, field, value):
    if field == "currency":
        assert _create_txn(client, write_headers, user, currency=value).status_code == 422
    else:
        patch = client.patch(f"/api/v1/users/{user['id']}", json={field: value}, headers=write_headers)
        assert patch.status_code == 422
