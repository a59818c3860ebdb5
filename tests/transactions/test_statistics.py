"""Statistics: kept by the real worker on create/update/delete, applied once per event, reconciled."""

import threading

from bson import ObjectId

from tasks.notifications import sweep_pending
from tasks.transactions import apply_stats, reconcile_stats
from tests.support import override_settings, run_manage, wait_for
from tests.transactions.helpers import broker_down, make_txn, make_user, settled, stats_current
from webapp.transactions import stats
from webapp.transactions.models import DayBucket, Transaction, UserStats


def _analytics(client, headers, user_id, query=""):
    return client.get(f"/api/v1/users/{user_id}/analytics{query}", headers=headers).get_json()


def _figures(user_id):
    row = UserStats._get_collection().find_one({"_id": ObjectId(user_id)}) or {}
    return row.get("count", 0), row.get("credit_cents", 0), row.get("debit_cents", 0)


def test_create_update_delete_move_the_figures(client, write_headers, worker):
    user = make_user(client, write_headers)
    a = make_txn(client, write_headers, user["id"], transaction_amount="100.00")
    b = make_txn(client, write_headers, user["id"], transaction_amount="30.25", transaction_type="debit")
    stats_current(a["id"]), stats_current(b["id"])
    body = _analytics(client, write_headers, user["id"])
    assert (body["transaction_count"], body["total_credit"], body["total_debit"], body["balance"]) == (
        2,
        "100.00",
        "30.25",
        "69.75",
    )
    client.patch(
        f"/api/v1/transactions/{b['id']}",
        json={"transaction_amount": "50.00", "transaction_date": "2026-11-25T09:00:00"},
        headers=write_headers,
    )
    stats_current(b["id"])
    assert _figures(user["id"]) == (2, 10000, 5000)
    days = {r["day"]: r["count"] for r in DayBucket._get_collection().find({"user_id": ObjectId(user["id"])})}
    assert days == {"2026-11-21": 1, "2026-11-25": 1}
    client.delete(f"/api/v1/transactions/{a['id']}", headers=write_headers)
    stats_current(a["id"])
    assert _figures(user["id"]) == (1, 0, 5000)
    assert client.get(f"/api/v1/users/{user['id']}", headers=write_headers).get_json()["balance"] == "-50.00"
    assert Transaction._get_collection().find_one({"_id": ObjectId(a["id"])}) is None  # hard-deleted once counted


def test_same_event_delivered_many_times_counts_once(client, write_headers, worker):
    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"], transaction_amount="10.00")
    for _ in range(3):  # redeliveries through the broker
        apply_stats.delay(txn["id"])
    threads = [threading.Thread(target=stats.apply_transaction, args=(txn["id"],)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats_current(txn["id"])
    assert _figures(user["id"]) == (1, 1000, 0)


def test_event_resumed_after_a_crash_between_steps_counts_once(client, write_headers, worker):
    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"], transaction_amount="7.00")
    stats_current(txn["id"])
    oid = ObjectId(txn["id"])
    # A change whose task is not enqueued, so only this test applies it.
    Transaction._get_collection().update_one({"_id": oid}, {"$set": {"amount_cents": 1000}, "$inc": {"version": 1}})
    state, pending = stats.claim_event(oid)
    assert state == "pending" and pending["event"] == f"{oid}:1>2"
    stats.apply_event(pending)  # ... and the worker "dies" before finalizing
    assert _figures(user["id"]) == (1, 1000, 0)
    assert stats.apply_transaction(txn["id"]) == "applied"  # the redelivery resumes the same event
    assert stats.apply_transaction(txn["id"]) == "current"
    assert _figures(user["id"]) == (1, 1000, 0)


def test_reconciliation_repairs_planted_drift(client, write_headers, worker):
    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"], transaction_amount="40.00")
    stats_current(txn["id"])
    uid = ObjectId(user["id"])
    UserStats._get_collection().update_one({"_id": uid}, {"$inc": {"credit_cents": 999, "count": 3}})
    DayBucket._get_collection().insert_one(
        {"_id": f"{uid}:2020-01-01", "user_id": uid, "day": "2020-01-01", "count": 2}
    )
    result = reconcile_stats.delay(user["id"]).get(timeout=10)
    figures = {r["figure"] for r in result["repairs"]}
    assert figures == {"totals", "2020-01-01"}
    assert _figures(user["id"]) == (1, 4000, 0)
    assert reconcile_stats.delay(user["id"]).get(timeout=10)["repairs"] == []


def test_reconcile_stats_command_repairs_through_the_running_worker(client, write_headers, worker):
    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"], transaction_amount="40.00")
    stats_current(txn["id"])
    UserStats._get_collection().update_one({"_id": ObjectId(user["id"])}, {"$inc": {"debit_cents": 500}})
    done = run_manage("reconcile-stats", "--user", user["id"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "checked 1 user(s); 1 figure(s) repaired"
    assert f"user {user['id']} totals" in done.stdout
    assert _figures(user["id"]) == (1, 4000, 0)
    again = run_manage("reconcile-stats")
    assert again.returncode == 0 and "0 figure(s) repaired" in again.stdout


def test_reconciliation_finishes_unapplied_changes(client, write_headers, worker):
    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"], transaction_amount="5.00")
    oid = ObjectId(txn["id"])
    # A change whose task was never enqueued (Redis down during the PATCH).
    Transaction._get_collection().update_one({"_id": oid}, {"$set": {"amount_cents": 900}, "$inc": {"version": 1}})
    from webapp.transactions.reconcile import reconcile

    reconcile(user["id"])
    assert _figures(user["id"]) == (1, 900, 0)
    wait_for(lambda: Transaction._get_collection().find_one({"_id": oid})["stats_pending"] is None)


def test_reconcile_all_users_and_unknown_user(client, write_headers, app):
    from webapp.transactions.reconcile import reconcile

    make_user(client, write_headers)
    assert reconcile()["users_checked"] == 1
    assert reconcile("0" * 24) == {"users_checked": 0, "repairs": []}
    assert reconcile("bad") == {"users_checked": 0, "repairs": []}


def test_change_made_while_redis_is_down_is_counted_after_the_sweep(
    client, write_headers, worker, app, celery_app, monkeypatch
):
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    user = make_user(client, write_headers)
    txn = make_txn(client, write_headers, user["id"], transaction_amount="10.00")
    settled(client, write_headers, txn["id"])  # its SMS task (which also applies statistics) is done
    stats_current(txn["id"])
    with broker_down(celery_app):
        response = client.patch(
            f"/api/v1/transactions/{txn['id']}", json={"transaction_amount": "25.00"}, headers=write_headers
        )
    assert response.status_code == 200
    assert _figures(user["id"]) == (1, 1000, 0)  # the change is stored, its task never left
    sweep_pending.delay()
    wait_for(lambda: stats.sweep_dirty(0) >= 0 and _figures(user["id"]) == (1, 2500, 0), message="swept")
    doc = Transaction._get_collection().find_one({"_id": ObjectId(txn["id"])})
    assert "stats_dirty_at" not in doc
