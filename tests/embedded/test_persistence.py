"""The embedded database survives restarts: clean stops, SIGKILL after a snapshot, and one file is
never shared by two processes. Each test runs the real `manage.py run` (see runner.py)."""

from __future__ import annotations

import signal

import bson

from standins.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.embedded.runner import Runner, flush_redis, free_port
from tests.support import wait_for

USER = {"name": "Kofi Boateng", "email": "kofi@example.com", "phone_number": "+233201112223"}
TXN = {"full_name": "Kofi Boateng", "transaction_date": "2026-11-21T10:00:00", "transaction_amount": "12.50"}
TWILIO = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": FROM_NUMBER}


def _create(runner: Runner) -> tuple[str, str]:
    user = runner.call("POST", "/users", json=USER)
    assert user.status_code == 201, user.text
    user_id = user.json()["id"]
    txn = runner.call("POST", "/transactions", json={**TXN, "user_id": user_id, "transaction_type": "credit"})
    assert txn.status_code == 201, txn.text
    return user_id, txn.json()["id"]


def _stored_ids(path) -> set[str]:
    try:
        with open(path, "rb") as fh:
            return {str(r["doc"]["_id"]) for r in bson.decode_file_iter(fh) if "doc" in r}
    except (FileNotFoundError, bson.errors.InvalidBSON):
        return set()


def test_restart_keeps_users_transactions_and_sends_the_sms_left_pending(tmp_path, runners, twilio_server):
    twilio_server.reset()
    path = str(tmp_path / "fido.db")
    sweeps = {"NOTIFICATION_SWEEP_INTERVAL_SECONDS": "1", "NOTIFICATION_PENDING_GRACE_SECONDS": "1"}
    dead_twilio = f"http://127.0.0.1:{free_port()}"
    first = Runner(EMBEDDED_DB_PATH=path, TWILIO_API_BASE_URL=dead_twilio, **TWILIO, **sweeps)
    runners.append(first.start())
    user_id, txn_id = _create(first)

    def failed_once():
        notification = first.call("GET", f"/transactions/{txn_id}").json()["notification"]
        return notification if notification["attempts"] >= 1 and notification["status"] == "pending" else None

    wait_for(failed_once, timeout=30, message="a first SMS attempt that failed against the dead Twilio")
    stopped = first.stop()
    assert stopped.returncode == 0, stopped.stderr
    flush_redis()  # a restarted private redis-server holds no task of the previous run

    second = Runner(EMBEDDED_DB_PATH=path, TWILIO_API_BASE_URL=twilio_server.url, **TWILIO, **sweeps)
    runners.append(second.start())
    assert second.call("GET", f"/users/{user_id}").json()["email"] == USER["email"]
    assert second.call("GET", f"/transactions/{txn_id}").status_code == 200
    wait_for(lambda: twilio_server.messages, timeout=30, message="the SMS left pending to be sent")
    assert [m["to"] for m in twilio_server.messages] == [USER["phone_number"]]
    sent = wait_for(
        lambda: second.call("GET", f"/transactions/{txn_id}").json()["notification"]["status"] == "sent",
        message="the notification recorded as sent",
    )
    assert sent
    assert second.stop().returncode == 0


def test_sigkill_after_a_snapshot_keeps_the_data(tmp_path, runners):
    path = str(tmp_path / "fido.db")
    first = Runner(EMBEDDED_DB_PATH=path)
    runners.append(first.start())
    user_id, txn_id = _create(first)
    # The periodic snapshot (EMBEDDED_SNAPSHOT_SECONDS, default 5) writes the file on its own.
    wait_for(lambda: {user_id, txn_id} <= _stored_ids(path), timeout=20, message="a snapshot with the data")
    first.stop(signal.SIGKILL)

    second = Runner(EMBEDDED_DB_PATH=path)
    runners.append(second.start())
    assert second.call("GET", f"/users/{user_id}").status_code == 200
    assert second.call("GET", f"/transactions/{txn_id}").json()["transaction_amount"] == "12.50"
    assert second.stop().returncode == 0


def test_a_second_process_on_the_same_file_is_refused_with_one_line(tmp_path, runners):
    path = str(tmp_path / "fido.db")
    runners.append(Runner(EMBEDDED_DB_PATH=path).start())
    second = Runner(EMBEDDED_DB_PATH=path)
    runners.append(second.start(ready=False))
    done = second.wait()
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"Error: EMBEDDED_DB_PATH: {path} is in use by another process "
        "(stop it, or set EMBEDDED_DB_PATH to another file)"
    ]


def test_the_default_file_is_var_embedded_db_under_the_working_directory(tmp_path, runners):
    first = Runner(cwd=tmp_path, EMBEDDED_DB_PATH=None)
    runners.append(first.start())
    user_id, _ = _create(first)
    assert first.stop().returncode == 0
    assert user_id in _stored_ids(tmp_path / "var" / "embedded.db")

    second = Runner(cwd=tmp_path, EMBEDDED_DB_PATH=None)
    runners.append(second.start())
    assert second.call("GET", f"/users/{user_id}").status_code == 200
    assert second.stop().returncode == 0
