"""Analytics over all time and day ranges: totals, average, busiest day (ties: earliest), empty users."""

import pytest

from tests.transactions.helpers import make_txn, make_user, stats_current


@pytest.fixture
def user(client, write_headers):
    return make_user(client, write_headers)


def _get(client, headers, user_id, query=""):
    response = client.get(f"/api/v1/users/{user_id}/analytics{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_empty_user_has_defined_figures_and_score(client, write_headers, user):
    body = _get(client, write_headers, user["id"])
    assert body["transaction_count"] == 0 and body["balance"] == "0.00"
    assert body["average_transaction_value"] == "0.00" and body["day_with_most_transactions"] is None
    assert body["from"] is None and body["to"] is None
    assert 300 <= body["credit_score"]["score"] <= 850 and body["credit_score"]["band"] == "poor"
    assert {f["name"] for f in body["credit_score"]["factors"]} == {
        "net_flow",
        "history_length",
        "activity",
        "spending_cover",
    }


def test_all_time_and_ranges(client, write_headers, worker, user):
    plan = [
        ("2026-11-01T09:00:00", "100.00", "credit"),
        ("2026-11-01T23:59:59", "50.00", "debit"),
        ("2026-11-02T00:00:00", "10.01", "credit"),
        ("2026-11-02T05:00:00", "20.00", "credit"),
        ("2026-11-05T12:00:00", "0.99", "debit"),
    ]
    for day, amount, kind in plan:
        stats_current(
            make_txn(
                client,
                write_headers,
                user["id"],
                transaction_date=day,
                transaction_amount=amount,
                transaction_type=kind,
            )["id"]
        )
    body = _get(client, write_headers, user["id"])
    assert body["transaction_count"] == 5
    assert (body["total_credit"], body["total_debit"], body["balance"]) == ("130.01", "50.99", "79.02")
    assert body["average_transaction_value"] == "36.20"  # 181.00 / 5
    assert body["day_with_most_transactions"] == {"date": "2026-11-01", "count": 2}  # tie with 11-02: earliest
    ranged = _get(client, write_headers, user["id"], "?from=2026-11-02&to=2026-11-05")
    assert (ranged["from"], ranged["to"], ranged["transaction_count"]) == ("2026-11-02", "2026-11-05", 3)
    assert (ranged["total_credit"], ranged["total_debit"]) == ("30.01", "0.99")
    assert ranged["day_with_most_transactions"] == {"date": "2026-11-02", "count": 2}
    only_last = _get(client, write_headers, user["id"], "?from=2026-11-05")
    assert only_last["transaction_count"] == 1 and only_last["average_transaction_value"] == "0.99"
    assert _get(client, write_headers, user["id"], "?from=0001-01-01&to=9999-12-31")["transaction_count"] == 5
    empty = _get(client, write_headers, user["id"], "?from=2027-01-01&to=2027-01-31")
    assert empty["transaction_count"] == 0 and empty["day_with_most_transactions"] is None
    assert empty["credit_score"] == body["credit_score"]  # the score is all-time


def test_bad_queries(client, write_headers, user):
    assert client.get(f"/api/v1/users/{'0' * 24}/analytics", headers=write_headers).status_code == 404
    assert client.get("/api/v1/users/xyz/analytics", headers=write_headers).status_code == 404
    for query in ("from=2026-11-31", "to=11/02/2026", "from=2026-11-05&to=2026-11-01", "from=%7B%22%24gt%22%3A1%7D"):
        assert client.get(f"/api/v1/users/{user['id']}/analytics?{query}", headers=write_headers).status_code == 422


def test_dates_before_year_1000_bucket_as_four_digit_days(client, write_headers, user):
    txn = make_txn(client, write_headers, user["id"], transaction_date="0999-03-04T10:00:00Z")
    stats_current(txn["id"])
    body = _get(client, write_headers, user["id"], "?from=0999-03-01&to=0999-03-31")
    assert body["transaction_count"] == 1
    assert body["day_with_most_transactions"] == {"date": "0999-03-04", "count": 1}
