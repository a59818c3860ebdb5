"""The embedded runner behind `python manage.py run`: ONE process serves the API and runs a Celery
worker (thread pool) and beat, so they share the in-process database. It uses the Redis at
REDIS_URL, or starts a private `redis-server` when none answers. SIGINT/SIGTERM stop it cleanly."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading

from werkzeug.serving import make_server

from config.fields import mask_url
from config.settings import is_embedded_mongo
from workers.embedded import BeatThread, PrivateRedis, WorkerThread, redis_answers

log = logging.getLogger("fido.run")


def flower_command(settings) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "--broker",
        settings.CELERY_BROKER_URL,
        "flower",
        f"--port={settings.FLOWER_PORT}",
    ]
    if settings.FLOWER_BASIC_AUTH:
        cmd.append(f"--basic-auth={settings.FLOWER_BASIC_AUTH}")
    return cmd


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


def _ensure_admin_key(app) -> str:
    from webapp.apikeys.services import ensure_key, generate_key

    key = app.config.get("ADMIN_API_KEY") or generate_key()
    with app.app_context():
        ensure_key("admin (embedded runner)", "admin", key)
    return key


def run_embedded(settings, with_flower: bool = False, demo: bool = False) -> int:
    from webapp import create_app

    if with_flower:
        settings.CELERY_TASK_EVENTS = True  # flower shows what the worker's events tell it
    private_redis = _ensure_redis(settings)
    started = []
    embedded_file = None
    demo_part = None
    try:
        # ---- demo hook (issue 15; the logic lives in demo/): the stand-ins start before the app so
        # the settings point at them, the seed runs once the worker consumes, and they stop last.
        if demo:
            from demo.part import DemoPart

            demo_part = DemoPart()
            started.append(demo_part)
            settings = demo_part.start(settings)
        # ---- end of demo hook
        app = create_app(settings)
        # -- embedded database file (h3): lock + load before anything runs; final save on stop --
        if is_embedded_mongo(settings.MONGO_URI):
            from webapp.embedded_db import open_file

            embedded_file = open_file(settings)
        # -- end embedded database file --
        celery_app = app.extensions["celery"]
        admin_key = _ensure_admin_key(app)
        started.append(WorkerThread(celery_app, concurrency=settings.WORKER_CONCURRENCY).start())
        started.append(BeatThread(celery_app).start())
        if demo_part is not None:  # demo hook: seed once, first refresh
            demo_part.after_start(app)
        flower = None
        if with_flower:
            flower = subprocess.Popen(flower_command(settings))
        server = make_server(settings.HOST, settings.PORT, app, threaded=True)

        stopping = threading.Event()

        def _stop(signum, _frame):
            if not stopping.is_set():
                stopping.set()
                print(f"\nReceived {signal.Signals(signum).name}: stopping.", flush=True)
                threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        base = f"http://{'localhost' if settings.HOST in ('0.0.0.0', '127.0.0.1') else settings.HOST}"
        print(
            f"Fido is running (embedded mode, database {settings.MONGO_URI}).\n"
            f"  API:     {base}:{settings.PORT}/api/v1\n"
            f"  Docs:    {base}:{settings.PORT}/api/docs\n"
            f"  Health:  {base}:{settings.PORT}/health/ready\n"
            f"  Flower:  {base}:{settings.FLOWER_PORT}"
            + ("" if with_flower else "  (start with --with-flower)")
            + f"\n  Admin API key: {admin_key}\n"
            + (demo_part.banner(f"{base}:{settings.PORT}", admin_key) + "\n" if demo_part is not None else "")
            + "Press Ctrl-C to stop.",
            flush=True,
        )
        server.serve_forever()
        server.server_close()
        if flower is not None:
            flower.terminate()
            flower.wait(10)
        return 0
    finally:
        for part in reversed(started):
            part.stop()
        if embedded_file is not None:  # (h3) after the worker and beat, before the private Redis
            embedded_file.close()
        if private_redis is not None:
            private_redis.stop()
        print("Stopped.", flush=True)
