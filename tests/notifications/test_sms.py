"""SMS through the real worker and the real twilio client against the local Twilio stand-in."""

import logging
import threading

import pytest
from bson import ObjectId

from standins.server import Reply
from standins.twilio import FROM_NUMBER, error_reply
from tasks.notifications import send_sms, sweep_pending
from tests.support import override_settings, wait_for
from tests.transactions.helpers import broker_down, make_txn, make_user, settled, stats_current
from webapp import outbox
from webapp.clock import utcnow
from webapp.notifications import services, sweeper
from webapp.transactions import store
from webapp.transactions.models import Transaction


@pytest.fixture
def user(client, write_headers):
    return make_user(client, write_headers)


def test_happy_path_sends_one_sms_with_the_text(client, write_headers, worker, twilio, user):
    first = make_txn(client, write_headers, user["id"], transaction_amount="900.00")
    settled(client, write_headers, first["id"])
    txn = make_txn(client, write_headers, user["id"])
    assert txn["notification"]["status"] in {"pending", "sending", "sent"}
    done = settled(client, write_headers, txn["id"])
    assert done["notification"]["status"] == "sent" and done["notification"]["attempts"] == 1
    assert done["notification"]["provider"] == "twilio"  # "demo-twilio" only under `run --demo`
    message = twilio.messages[-1]
    assert message["sid"] == done["notification"]["message_sid"]
    assert message["to"] == "+233241234567" and message["from"] == FROM_NUMBER
    assert message["body"] == "Fido: your account was credited with GHS 120.50 on 2026-11-21. Balance: GHS 1,020.50"
    assert len(twilio.messages) == 2


def test_debit_text_and_status_callback_when_public_url_set(
    client, write_headers, worker, twilio, user, app, monkeypatch
):
    override_settings(app, monkeypatch, PUBLIC_BASE_URL="https://fido.example.com/")
    txn = make_txn(client, write_headers, user["id"], transaction_type="debit", transaction_amount="5", currency="USD")
    settled(client, write_headers, txn["id"])
    message = twilio.messages[-1]
    assert message["body"] == "Fido: your account was debited with USD 5.00 on 2026-11-21. Balance: USD -5.00"
    assert message["status_callback"] == f"https://fido.example.com/api/v1/webhooks/twilio/status?tx={txn['id']}"


def test_500_then_201_sends_exactly_one(client, write_headers, worker, twilio, user):
    twilio.script(error_reply(500, 20500, "Internal Server Error"))
    txn = make_txn(client, write_headers, user["id"])
    done = settled(client, write_headers, txn["id"])
    assert done["notification"]["status"] == "sent" and done["notification"]["attempts"] == 2
    assert len(twilio.requests) == 2 and len(twilio.messages) == 1


def test_429_is_retried(client, write_headers, worker, twilio, user):
    twilio.script(*[error_reply(429, 20429, "Too Many Requests")] * 2)
    done = settled(client, write_headers, make_txn(client, write_headers, user["id"])["id"])
    assert done["notification"]["status"] == "sent" and done["notification"]["attempts"] == 3
    assert len(twilio.messages) == 1


def test_transient_errors_give_up_after_the_bound(client, write_headers, worker, twilio, user, app, monkeypatch):
    override_settings(app, monkeypatch, SMS_MAX_RETRIES=2)
    twilio.script(*[error_reply(503, 20503, "Service Unavailable")] * 5)
    done = settled(client, write_headers, make_txn(client, write_headers, user["id"])["id"])
    assert done["notification"]["status"] == "failed" and done["notification"]["error_code"] == "20503"
    assert done["notification"]["attempts"] == 3 and len(twilio.requests) == 3


def test_permanent_error_fails_at_once_with_code(client, write_headers, worker, twilio, user):
    twilio.script(error_reply(400, 21211, "The 'To' number +233241234567 is not a valid phone number."))
    done = settled(client, write_headers, make_txn(client, write_headers, user["id"])["id"])
    assert done["notification"]["status"] == "failed" and done["notification"]["error_code"] == "21211"
    assert done["notification"]["attempts"] == 1 and len(twilio.requests) == 1


def test_timeout_is_never_resent(client, write_headers, worker, twilio, user, app, monkeypatch):
    override_settings(app, monkeypatch, TWILIO_TIMEOUT_SECONDS=0.3)
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    twilio.script(Reply(201, {"sid": "SM" + "0" * 32}, delay=1.5))
    txn = make_txn(client, write_headers, user["id"])

    def timed_out():
        note = client.get(f"/api/v1/transactions/{txn['id']}", headers=write_headers).get_json()["notification"]
        return note if note["error_code"] == "timeout" else None

    note = wait_for(timed_out)
    assert note["status"] == "sending"  # ambiguous: Twilio may have the message
    send_sms.delay(txn["id"])  # a redelivered task finds nothing pending
    assert sweeper.sweep() == {"enqueued": 0, "reclaimed": 0}
    assert services.send_transaction_sms(txn["id"]) == {"result": "noop"}
    assert len(twilio.requests) == 1
    # Even past NOTIFICATION_STUCK_SECONDS the sweeper leaves it: only a receipt may move it on.
    override_settings(app, monkeypatch, NOTIFICATION_STUCK_SECONDS=0)
    assert sweeper.sweep() == {"enqueued": 0, "reclaimed": 0}
    assert len(twilio.requests) == 1


def test_sweeper_resumes_a_send_whose_worker_died_after_claiming(
    client, write_headers, twilio, user, app, monkeypatch, paused_worker
):
    txn = make_txn(client, write_headers, user["id"])
    assert store.claim_sms(ObjectId(txn["id"]), utcnow())  # a worker claims it, then dies before calling Twilio
    assert sweeper.sweep() == {"enqueued": 0, "reclaimed": 0}  # not stuck yet
    override_settings(app, monkeypatch, NOTIFICATION_STUCK_SECONDS=0)
    assert sweeper.sweep() == {"enqueued": 1, "reclaimed": 1}
    paused_worker.start()  # consumes the original message and the sweeper's: one of them sends
    done = settled(client, write_headers, txn["id"])
    assert done["notification"]["status"] == "sent"
    assert len(twilio.requests) == 1


def test_sweeper_waits_for_a_scheduled_retry(client, write_headers, twilio, user, app, monkeypatch, paused_worker):
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    override_settings(app, monkeypatch, SMS_RETRY_BACKOFF_SECONDS=600)
    txn = make_txn(client, write_headers, user["id"])
    twilio.script(Reply(429, {"code": 20429, "message": "Too Many Requests", "status": 429}))
    outcome = services.send_transaction_sms(txn["id"])
    assert outcome["result"] == "retry"
    note = client.get(f"/api/v1/transactions/{txn['id']}", headers=write_headers).get_json()["notification"]
    assert note["status"] == "pending" and note["error_code"] == "20429"
    if outcome["countdown"] > 1:  # full jitter may pick ~0; otherwise the retry is in the future
        assert sweeper.sweep()["enqueued"] == 0


def test_task_twice_and_two_racing_threads_send_one_sms(client, write_headers, worker, twilio, user, app):
    twilio.script(Reply(500, {"code": 20500, "message": "x", "status": 500}, delay=0.3))  # keep the first slow
    txn = make_txn(client, write_headers, user["id"])

    def run():  # what a second worker's task does
        with app.app_context():
            outcome = services.send_transaction_sms(txn["id"])
            if outcome["result"] == "retry":
                send_sms.apply_async([txn["id"]], countdown=outcome["countdown"])

    send_sms.delay(txn["id"]), send_sms.delay(txn["id"])
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = settled(client, write_headers, txn["id"], statuses=("sent",))
    for _ in range(3):
        send_sms.delay(txn["id"])
    wait_for(lambda: services.send_transaction_sms(txn["id"]) == {"result": "noop"})
    assert len(twilio.messages) == 1 and twilio.messages[0]["sid"] == done["notification"]["message_sid"]


def test_without_credentials_the_sms_is_skipped_and_logged_by_id_only(client, write_headers, worker, user, caplog):
    caplog.set_level("INFO")
    txn = make_txn(client, write_headers, user["id"])
    done = settled(client, write_headers, txn["id"])
    assert done["notification"]["status"] == "skipped"
    wait_for(lambda: any(txn["id"] in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "+233241234567" not in logged and "credited" not in logged and "Ama" not in logged


def test_the_twilio_client_logs_no_request_details(client, write_headers, worker, twilio, user, caplog):
    caplog.set_level("DEBUG")
    done = settled(client, write_headers, make_txn(client, write_headers, user["id"])["id"])
    assert done["notification"]["status"] == "sent"
    assert not [r for r in caplog.records if r.name.startswith("twilio") and r.levelno < logging.WARNING]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "+233241234567" not in logged and "credited" not in logged


def test_redis_down_while_posting_then_the_sweeper_sends(
    client, write_headers, worker, twilio, user, app, celery_app, monkeypatch
):
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    with broker_down(celery_app):
        assert outbox.enqueue("notifications.send_sms", str(ObjectId())) is False  # the real publish path fails
        response = client.post(
            "/api/v1/transactions",
            json={
                "user_id": user["id"],
                "full_name": "A",
                "transaction_date": "2026-11-21T10:00:00",
                "transaction_amount": "120.50",
                "transaction_type": "credit",
            },
            headers=write_headers,
        )
    assert response.status_code == 201
    txn = response.get_json()
    stored = Transaction._get_collection().find_one({"_id": ObjectId(txn["id"])})
    assert stored["notification"]["status"] == "pending" and twilio.requests == []
    # Redis is back: the beat sweeper (run here until this process publishes again) re-enqueues it.
    sweep_pending.delay()
    wait_for(
        lambda: (
            sweeper.sweep()["enqueued"]
            or Transaction._get_collection().find_one(
                {"_id": ObjectId(txn["id"]), "notification.status": {"$ne": "pending"}}
            )
        )
    )
    done = settled(client, write_headers, txn["id"])
    assert done["notification"]["status"] == "sent" and len(twilio.messages) == 1
    assert twilio.messages[0]["body"].endswith("Balance: GHS 120.50")
    stats_current(txn["id"])
