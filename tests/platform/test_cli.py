"""manage.py key commands in embedded mode go through the running worker (here: the test worker),
so they act on the database the service holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import run_manage
from webapp.apikeys.models import ApiKey
from webapp.apikeys.services import authenticate

ROOT = Path(__file__).resolve().parents[2]


def manage(app, *args) -> subprocess.CompletedProcess:
    return run_manage(*args)


def test_help_lists_every_command():
    done = subprocess.run([sys.executable, "manage.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0
    for command in (
        "run",
        "api",
        "worker",
        "beat",
        "flower",
        "create-api-key",
        "list-api-keys",
        "revoke-api-key",
        "openapi",
    ):
        assert command in done.stdout


def test_key_lifecycle_through_the_running_worker(app, worker):
    created = manage(app, "create-api-key", "--name", "ops", "--scope", "write")
    assert created.returncode == 0, created.stderr
    fields = dict(line.split(":", 1) for line in created.stdout.strip().splitlines())
    key, key_id = fields["key"].strip(), fields["id"].strip()
    assert authenticate(key).scope == "write"  # the test process's database holds it

    listed = manage(app, "list-api-keys")
    assert listed.returncode == 0 and key_id in listed.stdout and key not in listed.stdout

    revoked = manage(app, "revoke-api-key", key_id)
    assert revoked.returncode == 0 and f"revoked {key_id}" in revoked.stdout
    assert authenticate(key) is None
    again = manage(app, "revoke-api-key", key_id)
    assert again.returncode != 0 and "no active key" in again.stderr


def test_bad_scope_is_refused_before_anything_is_created(app):
    before = ApiKey.objects.count()
    done = manage(app, "create-api-key", "--name", "x", "--scope", "root")
    assert done.returncode == 2 and "root" in done.stderr
    assert ApiKey.objects.count() == before


def test_openapi_command_writes_the_document(tmp_path, app):
    target = tmp_path / "openapi.json"
    done = manage(app, "openapi", "--output", str(target))
    assert done.returncode == 0, done.stderr
    import json

    assert "/api/v1/api-keys" in json.loads(target.read_text())["paths"]
