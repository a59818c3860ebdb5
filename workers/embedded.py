"""In-process Celery worker and beat, and a private Redis, for the embedded runner and the tests.

`WorkerThread` runs a real Celery worker (thread pool) on the real broker inside this process, so
it shares the in-process database. It installs no signal handlers; the owner stops it.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlsplit

import redis
from celery import Celery
from celery._state import _set_task_join_will_block
from celery.beat import EmbeddedService
from celery.bootsteps import CLOSE

log = logging.getLogger(__name__)


class WorkerThread:
    """A Celery WorkController in a daemon thread. `start()` returns once it consumes."""

    def __init__(self, celery_app: Celery, concurrency: int = 4, hostname: str | None = None):
        self.celery_app = celery_app
        self.concurrency = concurrency
        self.hostname = hostname or f"embedded-{socket.gethostname()}-{id(self):x}@localhost"
        self.controller = None
        self.thread = None

    def start(self, timeout: float = 20.0) -> WorkerThread:
        ready = threading.Event()

        class Controller(self.celery_app.WorkController):
            def on_consumer_ready(self, consumer):
                super().on_consumer_ready(consumer)
                ready.set()

        self.controller = Controller(
            pool="threads",
            concurrency=self.concurrency,
            hostname=self.hostname,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
        )
        self.thread = threading.Thread(target=self.controller.start, name="celery-worker", daemon=True)
        self.thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the embedded Celery worker did not start in time")
        # The pool marks this process as one whose result.get() would deadlock; only the pool's own
        # threads run tasks here, so callers in other threads may wait for results.
        _set_task_join_will_block(False)
        return self

    def stop(self, deadline: float | None = None) -> None:
        """Warm stop: running tasks finish; returns by `deadline` (time.monotonic(); default 20 s)."""
        if self.controller is None:
            return
        deadline = deadline or time.monotonic() + 20.0
        # The consumer's event loop ends itself at its next turn; stopping the controller while that
        # loop still runs races with it (kombu: "Set changed size during iteration").
        consumer = getattr(self.controller, "consumer", None)
        if consumer is not None:
            consumer.blueprint.state = CLOSE
            self.thread.join(max(0.1, deadline - time.monotonic()))
        stopper = threading.Thread(target=self.controller.stop, kwargs={"in_sighandler": False, "exitcode": 0})
        stopper.start()  # waits for running tasks; joined only until the deadline
        stopper.join(max(0.1, deadline - time.monotonic()))
        self.controller = None


class BeatThread:
    """celery beat in a daemon thread, with its schedule file in a private temporary folder."""

    def __init__(self, celery_app: Celery):
        self.tmpdir = tempfile.mkdtemp(prefix="fido-beat-")
        self.service = EmbeddedService(
            celery_app, thread=True, schedule_filename=f"{self.tmpdir}/schedule", max_interval=1.0
        )

    def start(self) -> BeatThread:
        self.service.start()
        return self

    def stop(self, deadline: float | None = None) -> None:
        self.service.stop()
        self.service.join(max(0.1, min(5.0, (deadline or time.monotonic() + 5.0) - time.monotonic())))
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except redis.RedisError:
        return False


class PrivateRedis:
    """A throwaway `redis-server` (no persistence) on the host and port of `url`, in a session of
    its own so a terminal's Ctrl-C does not reach it; its owner stops it."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.url = url
        self.process = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 10.0) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                self.host,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if redis_answers(self.url, 0.2):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"could not start redis-server on {self.host}:{self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
