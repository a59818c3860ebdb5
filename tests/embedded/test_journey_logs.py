"""A full operator journey on `manage.py run` at LOG_LEVEL=DEBUG, defaults otherwise: no log line
at any level holds a secret or a personal value it used, and the only ERROR lines are the expected
failures of the ingestion and of the BTC price refresh against dead upstreams. After a clean stop,
neither the embedded database file (nor any file beside it but its key file) nor any Redis key or
value holds a personal value of the journey in plain text, UTF-16 or base64 (field encryption)."""

from __future__ import annotations

import base64
import re

from standins.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.embedded.runner import Runner, free_port, redis_dbs
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
        lambda: runner.call("GET", f"/transactions/{txn.json()['id']}").json()["notification"]["status"] == "sent",
        timeout=30,
        message="the transaction's SMS sent",
    )
    shown = runner.call("GET", f"/users/{user_id}").json()
    assert (shown["name"], shown["email"], shown["phone_number"]) == (NAME, EMAIL, PHONE)
    assert runner.call("GET", f"/transactions/{txn.json()['id']}").json()["full_name"] == NAME

    for dialog, consent in (("dlg-journey-1", True), ("dlg-journey-2", False)):
        pushed = runner.call("POST", f"/data/cust-journey/{dialog}", json={"text": DIALOG_TEXT, "language": "en"})
        assert pushed.status_code == 201, pushed.text
        assert runner.call("POST", f"/consents/{dialog}", json=consent).status_code == 200
    listed = runner.call("GET", "/data/cust-journey/dlg-journey-1")
    assert listed.status_code == 200 and listed.json()["messages"][0]["text"] == DIALOG_TEXT

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


def encodings(value: str) -> list[bytes]:
    """`value` as the journey could have stored it: UTF-8, UTF-16 (both byte orders) and base64
    (standard and urlsafe, at each of the three alignments inside a longer encoded string)."""
    raw = value.encode("utf-8")
    found = [raw, value.encode("utf-16-le"), value.encode("utf-16-be")]
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + raw)
            found.append(encoded[4 if offset else 0 : -4])  # the part that depends on `value` alone
    return found


def leaks_in(blob: bytes, values: list[str]) -> list[str]:
    lowered = blob.lower()
    return [v for v in values for form in encodings(v) if form.lower() in lowered]


def redis_contents():
    """Every (key, value) of the runner's Redis databases, each value's members joined."""
    readers = {
        b"string": lambda db, k: db.get(k) or b"",
        b"list": lambda db, k: b"\n".join(db.lrange(k, 0, -1)),
        b"set": lambda db, k: b"\n".join(db.smembers(k)),
        b"zset": lambda db, k: b"\n".join(db.zrange(k, 0, -1)),
        b"hash": lambda db, k: b"\n".join(a + b"=" + b for a, b in db.hgetall(k).items()),
    }
    for db in redis_dbs():
        for key in db.scan_iter():
            yield key, readers.get(db.type(key), lambda db, k: repr(db.dump(k)).encode())(db, key)


def test_a_full_journey_logs_no_secret_or_personal_value(tmp_path, runners, twilio_server):
    twilio_server.reset()
    dead = f"http://127.0.0.1:{free_port()}"
    runner = Runner(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER=FROM_NUMBER,
        TWILIO_API_BASE_URL=twilio_server.url,
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
    keys = {k["name"]: k["id"] for k in runner.call("GET", "/api-keys").json()["items"]}
    audit = runner.call("GET", "/audit", params={"page_size": 100}).json()
    assert audit["next_cursor"] is None
    writes = [(r["method"], r["route"], r["status"], r["api_key_id"]) for r in reversed(audit["items"])]
    admin = keys["journey-admin"]
    assert writes == [
        ("POST", "/api/v1/api-keys", 201, admin),
        ("POST", "/api/v1/users", 201, admin),
        ("POST", "/api/v1/transactions", 201, admin),
        *[
            ("POST", "/api/v1/data/<customer_id>/<dialog_id>", 201, admin),
            ("POST", "/api/v1/consents/<dialog_id>", 200, admin),
        ]
        * 2,
        ("POST", "/api/v1/ingestions", 202, admin),
    ]
    assert all(r["request_id"] for r in audit["items"])
    assert not leaks_in(repr(audit).encode(), values)
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

    personal = [NAME, EMAIL, PHONE, DIALOG_TEXT, SMS_MARKER]
    files = sorted(p for p in tmp_path.iterdir() if p.is_file() and p.name != "journey.db.key")
    assert (tmp_path / "journey.db") in files and (tmp_path / "journey.db.key").exists()
    in_files = {p.name: leaks_in(p.read_bytes(), personal) for p in files}
    assert not any(in_files.values()), in_files
    stored = b"".join(b"%s\n%s\n" % (key, value) for key, value in redis_contents())
    assert stored, "the journey left keys in Redis to scan"
    assert not leaks_in(stored, personal)
