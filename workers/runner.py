"""The embedded runner behind `python manage.py run`: ONE process serves the API (waitress) and runs
a Celery worker (thread pool) and beat, so they share the in-process database. It uses the Redis at
REDIS_URL, or starts a private `redis-server` when none answers.

Process contract:
- The parts start in order and stop in reverse: private Redis, worker, beat, HTTP server (bound
  before flower starts, so a taken port fails the start with nothing else launched), flower.
  Another part is one `runner.add(...)` line at the right place: anything with `stop(deadline)`.
- SIGINT/SIGTERM: stop accepting requests, let in-flight requests and tasks finish until
  SHUTDOWN_GRACE_SECONDS have passed, stop beat and flower, stop the private Redis LAST. The
  private redis-server and flower run in sessions of their own, so a terminal's Ctrl-C reaches only
  this process. A clean stop and a failed start print no traceback and leave no child process.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

from config.fields import mask_url
from config.settings import is_embedded_mongo
from webapp.settings import current as current_settings
from workers.embedded import BeatThread, PrivateRedis, WorkerThread, redis_answers

log = logging.getLogger("fido.run")
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Part:
    """A started component: `stop(deadline)` must return by `deadline` (time.monotonic())."""

    def __init__(self, name: str, stop):
        self.name = name
        self._stop = stop

    def stop(self, deadline: float) -> None:
        self._stop(deadline)


class Runner:
    """The started parts, in start order; `stop_all` stops them in reverse, each once."""

    def __init__(self):
        self.parts: list = []

    def add(self, part):
        self.parts.append(part)
        return part

    def stop_all(self, deadline: float) -> None:
        while self.parts:
            part = self.parts.pop()
            try:
                part.stop(deadline)
            except Exception as exc:  # a part that fails to stop must not keep the others running
                log.warning("stopping %s failed: %s", getattr(part, "name", part), type(exc).__name__)


def flower_command(settings) -> list[str]:
    """Flower on HOST with the app loaded (every task listed). Credentials go in the environment
    (FLOWER_BASIC_AUTH, which flower reads), never on the command line."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        "flower",
        f"--address={settings.HOST}",
        f"--port={settings.FLOWER_PORT}",
        "--logging=warning",
    ]


def flower_env(basic_auth: str) -> dict:
    """This environment plus the credentials, with the project importable from any working folder."""
    path = os.pathsep.join(p for p in (PROJECT_ROOT, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "FLOWER_BASIC_AUTH": basic_auth, "PYTHONPATH": path}


class Flower:
    """Flower in a session of its own; `start()` returns once it listens (RuntimeError if it died)."""

    def __init__(self, settings, basic_auth: str):
        self.name = "flower"
        self.settings = settings
        self.process = subprocess.Popen(
            flower_command(settings), env=flower_env(basic_auth), start_new_session=True, stdin=subprocess.DEVNULL
        )

    def start(self, timeout: float = 30.0) -> Flower:
        host = "127.0.0.1" if self.settings.HOST in ("0.0.0.0", "::") else self.settings.HOST
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"flower exited with status {self.process.returncode}")
            try:
                socket.create_connection((host, self.settings.FLOWER_PORT), 0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"flower did not listen on port {self.settings.FLOWER_PORT} within {timeout:.0f}s")

    def stop(self, deadline: float) -> None:
        stop_child(self.process, deadline)


def stop_child(process: subprocess.Popen, deadline: float) -> None:
    """SIGTERM, wait until `deadline` (at most 5 s), then SIGKILL; always reaps the child."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(max(0.5, min(5.0, deadline - time.monotonic())))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _ensure_redis(settings):
    """None if Redis answers; a started PrivateRedis if we could start one; else SystemExit."""
    if redis_answers(settings.CELERY_BROKER_URL):
        return None
    if not PrivateRedis.available():
        print(
            f"Error: Redis at {mask_url(settings.CELERY_BROKER_URL)} unreachable and no redis-server is "
            "installed to start a private one (install redis-server, or point REDIS_URL at a running Redis)",
            file=sys.stderr,
        )
        raise SystemExit(1)
    print(f"No Redis at {mask_url(settings.REDIS_URL)}: starting a private redis-server (no persistence).", flush=True)
    return PrivateRedis(settings.REDIS_URL).start()


def _ensure_admin_key(app) -> tuple[str, bool]:
    """The admin key and whether this process generated it."""
    from webapp.apikeys.services import ensure_key, generate_key

    configured = current_settings(app).platform.ADMIN_API_KEY
    key = configured or generate_key()
    with app.app_context():  # again after the embedded database file was loaded over create_app's
        ensure_key("admin (ADMIN_API_KEY)" if configured else "admin (embedded runner)", "admin", key)
    return key, not configured


def _banner(settings, admin_key: str, generated: bool, flower_auth: tuple[str, bool] | None, demo_part) -> str:
    host = "localhost" if settings.HOST in ("0.0.0.0", "127.0.0.1", "::") else settings.HOST
    base = f"http://{host}"
    lines = [
        f"Fido is running (embedded mode, database {settings.MONGO_URI}).",
        f"  API:     {base}:{settings.PORT}/api/v1",
        f"  Docs:    {base}:{settings.PORT}/api/docs",
        f"  Health:  {base}:{settings.PORT}/health/ready",
        f"  Flower:  {base}:{settings.FLOWER_PORT}" + ("" if flower_auth else "  (start with --with-flower)"),
    ]
    if generated:
        lines.append(f"  Admin API key: {admin_key}  (generated; shown once)")
    else:
        lines.append(f"  Admin API key: from ADMIN_API_KEY ({admin_key[:9]}…)")
    if flower_auth and flower_auth[1]:
        user, _, password = flower_auth[0].partition(":")
        lines.append(f"  Flower login:  {user} / {password}  (generated; shown once)")
    elif flower_auth:
        lines.append("  Flower login:  from FLOWER_BASIC_AUTH")
    if demo_part is not None:  # demo hook: its stand-ins, seed and example calls
        lines.append(demo_part.banner(f"{base}:{settings.PORT}", admin_key if generated else "$ADMIN_API_KEY"))
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _on_stop_signal(settings) -> threading.Event:
    requested = threading.Event()

    def handler(signum, _frame):
        if not requested.is_set():
            requested.set()
            name = signal.Signals(signum).name
            print(f"\nReceived {name}: stopping (up to {settings.SHUTDOWN_GRACE_SECONDS}s).", flush=True)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return requested


def run_embedded(settings, with_flower: bool = False, demo: bool = False) -> int:
    from webapp import create_app
    from workers.web import WebServer

    if with_flower:
        settings.CELERY_TASK_EVENTS = True  # flower shows what the worker's events tell it
    stop_requested = _on_stop_signal(settings)
    runner = Runner()
    try:
        private_redis = _ensure_redis(settings)
        if private_redis is not None:
            runner.add(Part("redis-server", lambda _deadline: private_redis.stop()))
        demo_part = None
        if demo:  # demo hook (demo/part.py): stand-ins before the app, so the settings point at them
            from demo.part import DemoPart

            demo_part = DemoPart()
            runner.add(Part("demo stand-ins", lambda _deadline: demo_part.stop()))
            settings = demo_part.start(settings)
        app = create_app(settings)
        # -- embedded database file (h3): lock + load before anything runs; its last save happens
        # after the worker and beat stopped, before the private Redis stops (reverse order) --
        if is_embedded_mongo(settings.MONGO_URI):
            from webapp.embedded_db import open_file

            embedded_file = open_file(settings)
            if embedded_file is not None:
                runner.add(Part("embedded database file", lambda _deadline: embedded_file.close()))
        celery_app = app.extensions["celery"]
        admin_key, generated = _ensure_admin_key(app)
        runner.add(WorkerThread(celery_app, concurrency=settings.WORKER_CONCURRENCY).start())
        runner.add(BeatThread(celery_app).start())
        if demo_part is not None:  # demo hook: seed once, first refresh
            demo_part.after_start(app)
        try:
            web = WebServer(app, settings.HOST, settings.PORT, settings.WEB_THREADS, settings.MAX_CONTENT_LENGTH)
        except OSError as exc:
            print(f"Error: cannot listen on {settings.HOST}:{settings.PORT}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        runner.add(web.start())
        flower_auth = None
        if with_flower:
            flower_auth = (settings.FLOWER_BASIC_AUTH, False)
            if not settings.FLOWER_BASIC_AUTH:
                flower_auth = (f"fido:{secrets.token_urlsafe(18)}", True)
            flower = runner.add(Flower(settings, flower_auth[0]))
            try:
                flower.start()
            except RuntimeError as exc:
                print(f"Error: {exc}", file=sys.stderr)
                return 1
        print(_banner(settings, admin_key, generated, flower_auth, demo_part), flush=True)
        while not stop_requested.wait(0.5):
            pass
        return 0
    finally:
        runner.stop_all(time.monotonic() + settings.SHUTDOWN_GRACE_SECONDS)
        print("Stopped.", flush=True)
