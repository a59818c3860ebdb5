"""`python manage.py ingest [--wait]` as an operator runs it: a separate process that only talks to
the running system through the broker. Here the "running system" is this test process: its worker
thread executes the tasks against the stand-ins, and the command polls the run through
`assets.run_status`. (The subprocess opens its own, empty embedded database, which it never reads:
everything it prints comes back through task results.)"""

from __future__ import annotations

from pathlib import Path

from standins.server import Reply
from tests.support import run_manage
from webapp.assets.models import IngestionRun

ROOT = Path(__file__).resolve().parents[2]


manage = run_manage


def test_ingest_wait_shows_progress_and_succeeds(sources, worker):
    done = manage("ingest", "--wait")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    run = IngestionRun.objects.get()
    assert run.trigger == "cli" and run.status == "succeeded"
    assert lines[0] == f"ingestion {run.id} started (6 pages)"
    progress = [line for line in lines if line.startswith("pages ")]
    assert progress[-1] == "pages 6/6 [" + "#" * 30 + "] succeeded"
    assert lines[-1].startswith(f"run {run.id} succeeded: 250 assets, 600 prices, 0 items rejected, 6/6 pages, ")
    assert lines[-1].endswith(f"snapshot {run.id}")


def test_ingest_wait_exits_1_when_the_run_fails(sources, worker):
    cc, _ = sources
    cc.fail_page(0, Reply(200, {"Response": "Error", "Message": "bad key", "Type": 1, "Data": {}}))
    done = manage("ingest", "--wait")
    assert done.returncode == 1
    assert " failed: " in done.stdout
    assert "  error: CryptoCompare error: bad key" in done.stdout


def test_ingest_refuses_while_a_run_is_in_progress(sources, worker, client, admin_headers):
    cc, _ = sources
    gate = cc.hold_page(0)
    running = client.post("/api/v1/ingestions", headers=admin_headers).get_json()
    done = manage("ingest")
    gate.set()
    assert done.returncode == 1
    assert f"an ingestion is already in progress: run {running['id']}" in done.stderr
