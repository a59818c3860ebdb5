"""`manage.py smoke` against a `manage.py run` started here: a subprocess on a free port with a
private Redis (the runner starts one), the embedded database, and every third party pointed at a
closed local port (no internet): the BTC quote and the asset listing are 503 "notes", not failures."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from tests.platform.test_processes import ROOT, child_env, free_port
from tests.support import wait_for

ADMIN_KEY = "smoke-admin-key-0123456789"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/health/ready", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture
def running(tmp_path):
    port = free_port()
    env = child_env(
        PORT=str(port),
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        ADMIN_API_KEY=ADMIN_KEY,
        COINGECKO_BASE_URL=CLOSED,
        COINBASE_BASE_URL=CLOSED,
        CRYPTOCOMPARE_BASE_URL=CLOSED,
        COINMARKETCAP_BASE_URL=CLOSED,
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(url) or proc.poll() is not None, timeout=60, message="manage.py run to be ready")
        assert proc.poll() is None, "manage.py run exited"
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _smoke(url: str, key: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "smoke", "--url", url, "--key", key],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_smoke_passes_against_a_running_service_and_fails_on_a_bad_key(running):
    result = _smoke(running, ADMIN_KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["health", "api", "user+stats", "dialog", "btc", "assets", "cleanup"]
    assert [line.split()[0] for line in lines] == ["ok", "ok", "ok", "ok", "note", "note", "ok"]
    assert "(503): No BTC price" in lines[4]  # the API's explanation, passed on
    assert ADMIN_KEY not in result.stdout and "example.invalid" not in result.stdout and "Smoke" not in result.stdout

    refused = _smoke(running, "fido_not-a-key")
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[-1].startswith("FAIL api key") and "401" in refused.stdout
