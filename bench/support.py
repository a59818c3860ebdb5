"""Benchmark helpers: the app on mongomock and the real Redis, a worker thread, an HTTP server in a
thread, a concurrent load generator, and percentile arithmetic.

Benchmarks report ratios measured in one run; absolute numbers depend on the machine.
Redis: `BENCH_REDIS_HOST` (default 127.0.0.1:6379); database `BENCH_REDIS_DB` (default 10) is the
broker, +1 results, +2 cache.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "10"))
BENCH_REDIS_HOST = os.environ.get("BENCH_REDIS_HOST", "127.0.0.1:6379")


def configure_env(**overrides: str) -> None:
    os.environ.update(
        {
            "APP_ENV": "testing",
            "MONGO_URI": "mongomock://localhost/fido-bench",
            "REDIS_URL": f"redis://{BENCH_REDIS_HOST}/{BENCH_REDIS_DB}",
            "LOG_FORMAT": "text",
            "EMBEDDED_DB_PATH": "",
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_DEFAULT": "100000000 per minute",
            **overrides,
        }
    )


_APP = None


def get_app():
    """One app per benchmark process (MongoEngine's connection and Celery's default app are global)."""
    global _APP
    if _APP is None:
        configure_env()
        from webapp import create_app

        _APP = create_app()
        _APP.app_context().push()
        from tests.support import clean_state

        clean_state(_APP)
    return _APP


def start_worker(app, concurrency: int = 4):
    from workers.embedded import WorkerThread

    return WorkerThread(
        app.extensions["celery"], concurrency=concurrency, hostname=f"bench-{concurrency}@local"
    ).start()


class ServedApp:
    """The Flask app behind the embedded runner's HTTP server (waitress) on 127.0.0.1 (a free port)."""

    def __init__(self, app, threads: int = 8):
        from workers.web import WebServer

        self.server = WebServer(app, "127.0.0.1", 0, threads, app.config["MAX_CONTENT_LENGTH"])
        self.url = f"http://127.0.0.1:{self.server.port}"

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop(time.monotonic() + 5)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summarize(latencies: list[float], elapsed: float) -> dict:
    return {
        "count": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
    }


def http_load(request_fn, total: int, concurrency: int) -> dict:
    """Call `request_fn(session)` `total` times from `concurrency` threads; it must return a response.
    Fails loudly on any non-2xx answer, so a benchmark never measures errors."""
    import requests

    latencies: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    def one(_):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        started = time.perf_counter()
        response = request_fn(session)
        took = time.perf_counter() - started
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"benchmark request failed: {response.status_code} {response.text[:200]}")
        with lock:
            latencies.append(took)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(total)))
    return summarize(latencies, time.perf_counter() - started)


def timed(fn, repeat: int) -> dict:
    latencies = []
    started = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        latencies.append(time.perf_counter() - t0)
    return summarize(latencies, time.perf_counter() - started)
