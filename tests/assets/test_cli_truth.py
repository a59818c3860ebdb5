"""The ingestion CLI tells the truth, with the DEFAULT retry settings (ASSET_PAGE_MAX_RETRIES=4,
ASSET_RETRY_BACKOFF_MS=1000): a page that keeps failing is retried its full count and recorded as
failed on the run (no "failed unexpectedly"), and `manage.py ingest --wait` follows a run whose page
tasks are held without waiting behind them, then exits with the run's status."""

from __future__ import annotations

import subprocess
import sys

import pytest

from standins.asset_sources import cmc_error
from tests.assets.conftest import ASSET_LIMIT, CMC_PAGE_SIZE
from tests.support import ROOT, manage_env, override_settings, run_manage, wait_for
from webapp.assets.models import IngestionRun


@pytest.fixture
def default_retry_sources(app, cc, cmc, monkeypatch):
    """Both stand-ins with small limits; retry settings left at their defaults."""
    override_settings(app, monkeypatch, ASSET_LIMIT=ASSET_LIMIT)
    override_settings(app, monkeypatch, COINMARKETCAP_PAGE_SIZE=CMC_PAGE_SIZE)
    assert (app.config["ASSET_PAGE_MAX_RETRIES"], app.config["ASSET_RETRY_BACKOFF_MS"]) == (4, 1000)
    yield cc, cmc
    for server in (cc, cmc):
        for gate in server.gates.values():
            gate.set()
    wait_for(lambda: not IngestionRun.objects(status__in=["queued", "running"]).count(), timeout=60)


def test_a_page_failing_every_attempt_is_retried_the_default_count_and_recorded(
    default_retry_sources, worker, client, admin_headers
):
    _, cmc = default_retry_sources
    cmc.fail_page(2, *[cmc_error(503, 500, "Service Unavailable")] * 5)
    run_id = client.post("/api/v1/ingestions", headers=admin_headers).get_json()["id"]

    def finished():
        body = client.get(f"/api/v1/ingestions/{run_id}", headers=admin_headers).get_json()
        return body if body["status"] in ("succeeded", "failed") else None

    run = wait_for(finished, timeout=60, interval=0.2, message="the run to end")
    messages = [e["message"] for e in run["errors"]]
    assert cmc.requests_for(2) == 5  # the first attempt and ASSET_PAGE_MAX_RETRIES=4 retries
    assert any("gave up after 5 attempts" in m for m in messages), messages
    assert not any("failed unexpectedly" in m for m in messages), messages
    assert run["pages_done"] == run["pages_total"] == 6


def test_ingest_wait_follows_progress_while_page_tasks_are_held(default_retry_sources, worker, app, monkeypatch):
    cc, cmc = default_retry_sources
    # Slow upstream: held pages answer only when released (the HTTP timeout is raised above the
    # stand-in's 30 s hold, so no page gives up meanwhile). Hold more pages than the worker has
    # threads: every thread is busy and page tasks queue behind them.
    override_settings(app, monkeypatch, ASSET_HTTP_TIMEOUT_SECONDS=60)
    gates = [cc.hold_page(page) for page in range(3)] + [cmc.hold_page(page) for page in range(3)]
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "ingest", "--wait"], cwd=ROOT, env=manage_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("pages 0/6"):
                break  # progress read while every page is still held
        assert lines[-1] == "pages 0/6 [" + "." * 30 + "] running", lines
        for gate in gates:
            gate.set()
        rest, _ = proc.communicate(timeout=60)
    finally:
        for gate in gates:
            gate.set()
        if proc.poll() is None:
            proc.kill()
    lines += rest.splitlines()
    run = IngestionRun.objects.get()
    assert proc.returncode == 0, lines
    assert lines[-1].startswith(f"run {run.id} succeeded: 250 assets, 600 prices, 0 items rejected, 6/6 pages")


def test_ingest_without_wait_exits_0_quietly(default_retry_sources, worker):
    done = run_manage("ingest")
    run = wait_for(lambda: IngestionRun.objects.first(), message="the run")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"ingestion {run.id} started (6 pages)\n"
