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
import tempfile
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
        self.key = ADMIN_KEY  # the key `call` sends
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready: bool = True) -> Runner:
        # Files, not pipes: a pipe nobody reads while the process runs fills up and blocks its logging.
        self._out, self._err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "run"],
            cwd=self.cwd,
            env=self.env,
            stdout=self._out,
            stderr=self._err,
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
                raise AssertionError(f"runner exited: {self._read()[1]}") from None
            return False

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-API-Key": self.key, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)

    def _read(self) -> tuple[str, str]:
        texts = []
        for fh in (self._out, self._err):
            fh.seek(0)
            texts.append(fh.read())
        return texts[0], texts[1]

    def stop(self, sig=signal.SIGTERM, timeout: float = 60) -> subprocess.CompletedProcess:
        self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout: float = 60) -> subprocess.CompletedProcess:
        self.proc.wait(timeout)
        out, err = self._read()
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def manage(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """`python manage.py ARGS` as an operator runs it next to this runner (same settings)."""
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
