"""`manage.py rotate-encryption-keys --wait` against `manage.py run` (embedded database file): data
sealed under the old key, the service restarted with the new key first, the command re-seals
everything with a progress bar, and the service restarted with the new key alone reads it all."""

from __future__ import annotations

from tests.embedded.runner import Runner
from webapp.crypto import key_id, new_key

PERSON = {"name": "Esi Rotation", "email": "esi.rotation@example.com", "phone_number": "+233271234567"}


def test_rotate_command_follows_the_run_and_the_old_key_can_go(tmp_path, runners):
    old, new = new_key(), new_key()
    path = str(tmp_path / "rot.db")

    first = Runner(EMBEDDED_DB_PATH=path, FIELD_ENCRYPTION_KEYS=old)
    runners.append(first.start())
    user_id = first.call("POST", "/users", json=PERSON).json()["id"]
    assert first.call("POST", "/data/c-r/d-r", json={"text": "rotating words", "language": "en"}).status_code == 201
    assert first.stop().returncode == 0

    second = Runner(EMBEDDED_DB_PATH=path, FIELD_ENCRYPTION_KEYS=f"{new},{old}")
    runners.append(second.start())
    done = second.manage("rotate-encryption-keys", "--wait", timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("rotation ") and f"key {key_id(new)}" in lines[0]
    assert lines[-2].startswith("documents ") and "[##############################] succeeded" in lines[-2]
    assert lines[-1].endswith(
        f"succeeded: 4 values re-sealed under key {key_id(new)}, 2 documents scanned, 0 unreadable"
    )
    again = second.manage("rotate-encryption-keys", "--wait", timeout=120)
    assert again.returncode == 0 and " 0 values re-sealed" in again.stdout.splitlines()[-1]
    usage = second.call("GET", "/admin/encryption").json()
    assert [(v["key_id"], v["count"]) for v in usage["values"]] == [(key_id(new), 4)]
    assert second.stop().returncode == 0

    third = Runner(EMBEDDED_DB_PATH=path, FIELD_ENCRYPTION_KEYS=new)
    runners.append(third.start())
    shown = third.call("GET", f"/users/{user_id}").json()
    assert {k: shown[k] for k in PERSON} == PERSON
    assert third.stop().returncode == 0
