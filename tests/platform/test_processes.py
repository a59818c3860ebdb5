"""Whole-process behaviour, in subprocesses: the embedded runner, production guards, Redis outages."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from config.settings import ConfigError, load_config
from tests.support import wait_for
from workers.embedded import redis_answers

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update({"LOG_LEVEL": "WARNING", "LOG_FORMAT": "text", "APP_ENV": "development", **overrides})
    return env


def test_production_refuses_embedded_database(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("MONGO_URI", "mongomock://localhost/fido")
    with pytest.raises(ConfigError, match="embedded"):
        load_config("production")


def test_production_refuses_missing_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/fido")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("production")


def test_production_accepts_a_real_database(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("MONGO_URI", "mongodb://db.example:27017/fido")
    monkeypatch.setenv("FIELD_ENCRYPTION_KEYS", "A" * 43 + "=")
    monkeypatch.setenv("FIELD_INDEX_KEY", "i" * 32)
    assert load_config("production").ENV_NAME == "production"


@pytest.mark.parametrize("command", ["api", "worker", "beat", "flower"])
def test_deployment_commands_refuse_embedded_database(command):
    done = subprocess.run(
        [sys.executable, "manage.py", command],
        cwd=ROOT,
        env=child_env(MONGO_URI="mongomock://localhost/fido", FLOWER_BASIC_AUTH="u:p"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "embedded" in done.stderr


def test_api_keeps_serving_when_rate_limit_storage_is_down():
    script = (
        "from webapp import create_app\n"
        "app = create_app()\n"
        "c = app.test_client()\n"
        "r = [c.get('/api/v1/api-keys', headers={'X-API-Key': 'k-admin'}) for _ in range(3)]\n"
        "print([x.status_code for x in r], r[-1].headers.get('X-RateLimit-Remaining'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=child_env(ADMIN_API_KEY="k-admin", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[200, 200, 200] 597"


def test_embedded_runner_starts_private_redis_serves_and_stops_cleanly():
    port, redis_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    assert not redis_answers(redis_url)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run"],
        cwd=ROOT,
        env=child_env(PORT=str(port), REDIS_URL=redis_url, ADMIN_API_KEY="runner-admin-key"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def ready():
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=3)
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stdout.read()
                return None
            return response if response.status_code == 200 else None

        body = wait_for(ready, timeout=60, interval=0.2, message="the embedded runner to be ready").json()
        assert all(check["ok"] for check in body["checks"].values()), json.dumps(body)
        assert redis_answers(redis_url)  # the private redis-server it started
        keys = requests.get(
            f"http://127.0.0.1:{port}/api/v1/api-keys", headers={"X-API-Key": "runner-admin-key"}, timeout=5
        )
        assert keys.status_code == 200
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert f"http://localhost:{port}/api/docs" in output
    assert "runner-admin-key" not in output  # a configured key: only its first 9 characters
    assert "Admin API key: from ADMIN_API_KEY (runner-ad…)" in output
    assert "Stopped." in output
    assert "DEMO MODE" not in output  # the demo's stand-ins start only with --demo
    deadline = time.monotonic() + 10
    while redis_answers(redis_url, 0.2) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not redis_answers(redis_url), "the private redis-server outlived the runner"
