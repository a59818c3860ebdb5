"""The staff dashboard in a real browser: `manage.py run --demo` as a subprocess (temporary working
directory, a free port, the test Redis), then Debian's headless Chromium driven by playwright-core
(`drive.mjs`): a wrong key shows the 401 in the page; with the admin key every panel renders with
data (charts drawn, runs table filled), the page requests nothing outside 127.0.0.1, the phone
layout has no horizontal overflow. Screenshots land in tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.platform.test_processes import ROOT, child_env, free_port
from tests.support import wait_for

# Debian's package by default; CHROMIUM_PATH names another Chromium-based browser (the GitHub
# workflow points it at the runner's Google Chrome).
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
DRIVER = Path(__file__).with_name("drive.mjs")
ARTIFACTS = ROOT / "tests" / "artifacts"
KEY = "dashboard-test-admin-key"
PANELS = ("ready", "queues", "cap", "price", "runs", "assets", "user")


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no browser at {CHROMIUM} (bash .ci/run installs Debian's chromium; or set CHROMIUM_PATH)"
    if shutil.which("node") is None:
        return "node is not installed (bash .ci/run installs it)"
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed (npm ci; bash .ci/run does it)"
    return None


@pytest.fixture
def demo(tmp_path):
    # A Redis URL where none answers: the run starts a private redis-server and stops it on exit, so
    # this test shares no database with any other test or parallel run.
    port, redis_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run", "--demo"],
        cwd=tmp_path,
        env=child_env(
            PORT=str(port), REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", ADMIN_API_KEY=KEY, PYTHONPATH=str(ROOT)
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _json(url: str):
    try:
        response = requests.get(url, headers={"X-API-Key": KEY}, timeout=5)
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None


def test_every_panel_renders_with_data_in_chromium(demo, tmp_path):
    missing = _browser_missing()
    if missing and os.environ.get("FIDO_REQUIRE_BROWSER"):  # set by .ci/run, which installs them
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)
    proc, base = demo
    api = base + "/api/v1"

    def seeded():
        assert proc.poll() is None, "manage.py run --demo exited"
        runs = (_json(f"{api}/ingestions") or {}).get("items") or []
        points = (_json(f"{api}/prices/btc/history") or {}).get("points")
        users = (_json(f"{api}/users") or {}).get("items")
        if runs and runs[0]["status"] == "succeeded" and points and users:
            return users

    users = wait_for(seeded, timeout=60, interval=0.5, message="demo seed, first quote and first ingestion")
    user_id = users[0]["id"]
    wait_for(
        lambda: (_json(f"{api}/users/{user_id}/analytics") or {}).get("transaction_count"),
        timeout=30,
        message="the seeded user's statistics",
    )
    ARTIFACTS.mkdir(exist_ok=True)
    done = subprocess.run(
        [
            shutil.which("node"),
            str(DRIVER),
            base,
            KEY,
            user_id,
            str(ARTIFACTS),
            str(tmp_path / "chromium-profile"),
            str(CHROMIUM),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "failure" not in report, report["failure"]
    assert "401" in report["wrongKeyBanner"]
    assert report["bannerAfter"] == ""
    for name in PANELS:
        assert report["panels"][name]["state"] == "ok", (name, report["panels"][name])
    for chart in ("price-chart", "user-chart"):
        assert report["charts"][chart]["points"] > 0 and report["charts"][chart]["inked"] > 1000, report["charts"]
    assert report["switchedTo"] == "1hUSD"  # another range and currency redraw the price chart
    assert report["runsRows"] >= 1 and report["assetRows"] == 10
    assert "Credit score" in report["scoreText"]
    outside = [u for u in report["requests"] if urlparse(u).scheme != "data" and urlparse(u).hostname != "127.0.0.1"]
    assert outside == [] and len(report["requests"]) > 10
    assert report["phoneOverflow"] <= 0
    assert report["consoleErrors"] == [] or all("401" in e for e in report["consoleErrors"]), report["consoleErrors"]
    for name in ("dashboard-1280x800.png", "dashboard-390x844.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
