"""`python manage.py run` as a subprocess, for the tests about the embedded database's life.

Redis: the test Redis (`TEST_REDIS_HOST`), databases `RUNNER_REDIS_DB`.. +2 (default 4), which no
in-process test worker consumes. `flush_redis()` empties them, as a restarted private redis-server
(no persistence) would be.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import redis
import requests

from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
RUNNER_REDIS_DB = int(os.environ.get("RUNNER_REDIS_DB", "4"))
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1:6379")
REDIS_URL = f"redis://{REDIS_HOST}/{RUNNER_REDIS_DB}"
ADMIN_KEY = "fido_runner-test-admin-key-0123456789abcdefghijkl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flush_redis() -> None:
    for offset in range(3):
        redis.Redis.from_url(f"redis://{REDIS_HOST}/{RUNNER_REDIS_DB + offset}").flushdb()


def redis_dbs() -> list[redis.Redis]:
    return [redis.Redis.from_url(f"redis://{REDIS_HOST}/{RUNNER_REDIS_DB + offset}") for offset in range(3)]


class Runner:
    """One `manage.py run`; `env` overrides the defaults (which are the product's own)."""

    def __init__(self, cwd: Path = ROOT, **env: str):
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
        self.env.update(
            {"APP_ENV": "development", "PORT": str(self.port), "REDIS_URL": REDIS_URL, "ADMIN_API_KEY": ADMIN_KEY}
        )
        self.env.update({k: v for k, v in env.items() if v is not None})
        for name in [k for k, v in env.items() if v is None]:  # None: unset, the product's default
            self.env.pop(name, None)
        self.cwd = cwd
        self.proc = None
        self.output = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready: bool = True) -> Runner:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "run"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if ready:
            wait_for(self._ready, timeout=60, interval=0.2, message="the embedded runner to be ready")
        return self

    def _ready(self):
        try:
            return requests.get(f"{self.url}/health/live", timeout=3).status_code == 200
        except requests.ConnectionError:
            if self.proc.poll() is not None:
                raise AssertionError(f"runner exited: {self.proc.stderr.read()}") from None
            return False

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-API-Key": ADMIN_KEY, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)

    def stop(self, sig=signal.SIGTERM, timeout: float = 60) -> subprocess.CompletedProcess:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        self.output = out + err
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def wait(self, timeout: float = 60) -> subprocess.CompletedProcess:
        out, err = self.proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)
