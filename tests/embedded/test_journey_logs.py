"""A full operator journey on `manage.py run` at LOG_LEVEL=DEBUG, defaults otherwise: no log line
at any level holds a secret or a personal value it used, and the only ERROR lines are the expected
failures of the ingestion and of the BTC price refresh against dead upstreams."""

from __future__ import annotations

import re

from tests.embedded.runner import Runner, free_port
from tests.support import wait_for

NAME, EMAIL, PHONE = "Abena Journeyperson", "abena.journey@example.org", "+233509876543"
DIALOG_TEXT = "my confidential chatbot words"
SMS_MARKER = "your account was"  # every transaction SMS starts "Fido: your account was ..."
KEY = re.compile(r"fido_[A-Za-z0-9_\-]{40,}")


def _journey(runner: Runner) -> list[str]:
    """Drive every domain; return the secret and personal values it used."""
    made = runner.manage("create-api-key", "--name", "journey-admin", "--scope", "admin")
    assert made.returncode == 0, made.stderr
    cli_key = KEY.search(made.stdout).group(0)
    runner.key = cli_key
    api_key = runner.call("POST", "/api-keys", json={"name": "journey-write", "scope": "write"}).json()["key"]
    assert runner.manage("list-api-keys").returncode == 0

    user = runner.call("POST", "/users", json={"name": NAME, "email": EMAIL, "phone_number": PHONE})
    assert user.status_code == 201, user.text
    user_id = user.json()["id"]
    assert runner.call("GET", f"/users/{user_id}", headers={"X-API-Key": api_key}).status_code == 200
    txn = runner.call(
        "POST",
        "/transactions",
        json={
            "user_id": user_id,
            "full_name": NAME,
            "transaction_date": "2026-11-21T10:00:00",
            "transaction_amount": "12.50",
            "transaction_type": "credit",
        },
    )
    assert txn.status_code == 201, txn.text
    wait_for(
        lambda: runner.call("GET", f"/transactions/{txn.json()['id']}").json()["notification"]["status"] != "pending",
        timeout=30,
        message="the transaction's SMS handled",
    )

    for dialog, consent in (("dlg-journey-1", True), ("dlg-journey-2", False)):
        pushed = runner.call("POST", f"/data/cust-journey/{dialog}", json={"text": DIALOG_TEXT, "language": "en"})
        assert pushed.status_code == 201, pushed.text
        assert runner.call("POST", f"/consents/{dialog}", json=consent).status_code == 200
    assert runner.call("GET", "/data/cust-journey/dlg-journey-1").status_code == 200

    started = runner.call("POST", "/ingestions")
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    wait_for(
        lambda: runner.call("GET", f"/ingestions/{run_id}").json()["status"] == "failed",
        timeout=120,
        interval=0.5,
        message="the ingestion against a dead upstream to fail",
    )
    return [cli_key, api_key, NAME, "Journeyperson", EMAIL, PHONE, PHONE[1:], DIALOG_TEXT, SMS_MARKER]


def test_a_full_journey_logs_no_secret_or_personal_value(tmp_path, runners):
    dead = f"http://127.0.0.1:{free_port()}"
    runner = Runner(
        EMBEDDED_DB_PATH=str(tmp_path / "journey.db"),
        LOG_LEVEL="DEBUG",
        LOG_FORMAT=None,
        MONGO_URI=None,
        ADMIN_API_KEY=None,  # generated: printed once by the banner, nowhere else
        COINGECKO_BASE_URL=dead,
        COINBASE_BASE_URL=dead,
        CRYPTOCOMPARE_BASE_URL=dead,
        COINMARKETCAP_BASE_URL=dead,
    )
    runners.append(runner.start())
    values = _journey(runner)
    stopped = runner.stop()
    assert stopped.returncode == 0, stopped.stderr[-3000:]

    lines = (stopped.stdout + stopped.stderr).splitlines()
    banner_keys = [m.group(0) for line in stopped.stdout.splitlines()[:12] for m in KEY.finditer(line)]
    assert len(banner_keys) == 1, "the banner prints the generated admin key once"
    admin_key = banner_keys[0]
    assert sum(admin_key in line for line in lines) == 1, "the generated admin key appears only in the banner"
    leaks = [f"{value!r} in: {line[:300]}" for line in lines for value in values if value.lower() in line.lower()]
    errors = [line[:300] for line in lines if re.search(r"\bERROR\b|Traceback", line)]
    # Expected: the upstreams are dead (no test reaches the internet), so the ingestion and the BTC
    # price refresh fail and may say so at ERROR. Nothing else may.
    expected = re.compile(r"ingest|asset|price provider", re.I)
    unexpected = [f"unexpected error: {line}" for line in errors if not expected.search(line)]
    assert not leaks + unexpected, "\n".join((leaks + unexpected)[:30])
