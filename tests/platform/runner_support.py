"""Helpers for the `manage.py run` subprocess tests: start it in a temporary working folder with a
private Redis (a free port, so the runner starts its own redis-server), wait until it serves, and
inspect what it left behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import requests

from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
GRACE = 10  # SHUTDOWN_GRACE_SECONDS' default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_env(**overrides) -> dict:
    """This environment without the test run's settings: the defaults, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    for name in ("APP_ENV", "MONGO_URI", "LOG_FORMAT", "LOG_LEVEL", "REDIS_URL", "ADMIN_API_KEY"):
        env.pop(name, None)
    env.update(overrides)
    return env


class Run:
    """`python manage.py run ARGS` with its output in a file (read it with `output()`)."""

    def __init__(self, tmp_path: Path, *args: str, new_session: bool = False, **env):
        self.port = int(env.pop("PORT", free_port()))
        self.redis_port = free_port()
        self.log_path = tmp_path / "run.log"
        self.url = f"http://127.0.0.1:{self.port}"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "run", *args],
                cwd=tmp_path,
                env=default_env(PORT=str(self.port), REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0", **env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=new_session,
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        def ready():
            assert self.proc.poll() is None, self.output()
            try:
                return requests.get(f"{self.url}/health/live", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(ready, timeout=timeout, interval=0.1, message="manage.py run to serve")
        wait_for(lambda: "Press Ctrl-C" in self.output(), timeout=timeout, message="the banner")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        """Last resort for a failed test: the runner's whole tree, by pid."""
        if self.proc.poll() is None:
            for child in self.descendants():
                child.kill()
            self.proc.kill()
            self.proc.wait()


def still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def processes_mentioning(text: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(text in part for part in process.info["cmdline"] or ()):
            found.append(process)
    return found
