"""`GET /api/v1/users/{id}/analytics/daily`: one item per UTC day from the per-day statistics, with
the end-of-day balance, bounded to 366 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.transactions.helpers import make_txn, make_user, stats_current


def daily(client, headers, user_id, **params):
    return client.get(f"/api/v1/users/{user_id}/analytics/daily", query_string=params, headers=headers)


def test_days_with_totals_and_end_of_day_balance(client, write_headers, read_headers, worker):
    user = make_user(client, write_headers)
    for date, amount, kind in (
        ("2026-10-30T09:00:00Z", "500.00", "credit"),  # before the range: the opening balance
        ("2026-11-01T09:00:00Z", "100.50", "credit"),
        ("2026-11-01T18:00:00Z", "20.25", "debit"),
        ("2026-11-03T12:00:00Z", "10.00", "debit"),
        ("2026-11-05T12:00:00Z", "1.00", "credit"),  # after the range
    ):
        txn = make_txn(
            client, write_headers, user["id"], transaction_date=date, transaction_amount=amount, transaction_type=kind
        )
        stats_current(txn["id"])
    response = daily(client, read_headers, user["id"], **{"from": "2026-11-01", "to": "2026-11-03"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["from"] == "2026-11-01" and body["to"] == "2026-11-03"
    assert body["items"] == [
        {"date": "2026-11-01", "transactions": 2, "credit": "100.50", "debit": "20.25", "balance": "580.25"},
        {"date": "2026-11-02", "transactions": 0, "credit": "0.00", "debit": "0.00", "balance": "580.25"},
        {"date": "2026-11-03", "transactions": 1, "credit": "0.00", "debit": "10.00", "balance": "570.25"},
    ]


def test_default_is_the_30_days_ending_today(client, write_headers, read_headers):
    user = make_user(client, write_headers)
    body = daily(client, read_headers, user["id"]).get_json()
    today = datetime.now(UTC).date()
    assert len(body["items"]) == 30
    assert body["to"] == today.isoformat() and body["from"] == (today - timedelta(days=29)).isoformat()
    assert all(item["balance"] == "0.00" for item in body["items"])


def test_bounds_and_errors(client, write_headers, read_headers):
    user = make_user(client, write_headers)
    assert daily(client, read_headers, user["id"], **{"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200
    too_long = daily(client, read_headers, user["id"], **{"from": "2025-01-01", "to": "2026-01-02"})  # 367 days
    assert too_long.status_code == 422 and "366" in too_long.get_json()["message"]
    assert daily(client, read_headers, user["id"], **{"from": "2026-02-01", "to": "2026-01-01"}).status_code == 422
    assert daily(client, read_headers, user["id"], **{"from": "01/02/2026"}).status_code == 422
    missing = daily(client, read_headers, "ffffffffffffffffffffffff")
    assert missing.status_code == 404 and missing.get_json()["code"] == 404
    assert daily(client, read_headers, "not-an-id").status_code == 404
    assert client.get(f"/api/v1/users/{user['id']}/analytics/daily").status_code == 401
