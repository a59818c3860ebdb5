"""Platform benchmarks (issue 14), each repeated 3 times and reported as min/median/max. The HTTP
load generator is a separate process (`bench/httpload.py`: wrk when installed, else Python).

1. Bare `GET /health/live` req/s on the embedded server (waitress, `manage.py run`'s) against
   werkzeug's threaded server serving the same `create_app()`. Goal: >= 1.5x.
2. Authenticated `GET /api/v1/api-keys` and `GET /api/v1/users` (20 per page) on the embedded
   server, as ratios of its bare req/s. Goals: >= 0.7x and >= 0.5x.
3. Per request, deterministic (bench/counts.py): Redis round trips (goal: 0 on health, at most 1
   per rate limit on the authenticated routes), Redis commands including those a Lua script runs,
   and MongoDB operations (the embedded database's counter), in the table and under
   `counts_per_request`.
4. Celery no-op round trip (`platform.ping`, one at a time, result awaited): the embedded worker
   thread (in this process, as in `manage.py run`) against a separate `celery worker --pool threads`
   process on the same broker. Goal: >= 0.9x. In both cases the client is the same separate process
   (`bench/ping_client.py`), so neither worker shares its interpreter lock with the load generator.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time

import requests

from bench.counts import per_request
from bench.httpload import run_httpload
from bench.ping_client import run_round_trips
from bench.support import get_app, start_worker

REPEATS = 3
SECONDS = 3
CONNECTIONS = 8
ROUND_TRIPS = 1000  # ~5 s a run: long enough to average over the shared machine's load swings
COUNTED_REQUESTS = 50
TABLE_COUNTS = ("redis_round_trips", "redis_commands", "mongo_operations")


def _load(url: str, key: str | None = None) -> float:
    result = run_httpload(url, [f"X-API-Key: {key}"] if key else [], CONNECTIONS, SECONDS)
    _load.tool = result["tool"]
    return result["per_second"]


def _spread(values: list[float], digits: int = 1) -> dict:
    return {name: round(fn(values), digits) for name, fn in (("min", min), ("median", statistics.median), ("max", max))}


def _ratio(top: list[float], bottom: list[float]) -> dict:
    return _spread([a / b for a, b in zip(top, bottom, strict=True)], 3) | {
        "of_medians": round(statistics.median(top) / statistics.median(bottom), 3)
    }


def _counts_per_request(app, url: str, key: str | None) -> dict:
    """Redis round trips and commands, MongoDB operations per request (bench/counts.py)."""
    session = requests.Session()
    headers = {"X-API-Key": key} if key else {}
    session.get(url, headers=headers).raise_for_status()  # warm connections and caches

    def workload():
        for _ in range(COUNTED_REQUESTS):
            session.get(url, headers=headers).raise_for_status()

    return per_request(app.config["CELERY_BROKER_URL"], COUNTED_REQUESTS, workload)


def _serve_werkzeug(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access line per request (fair baseline)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _http(app, key: str) -> tuple[list[dict], dict, dict]:
    from workers.web import WebServer

    embedded = WebServer(app, "127.0.0.1", 0, CONNECTIONS, 1024 * 1024).start()
    werkzeug = _serve_werkzeug(app)
    base, wbase = f"http://127.0.0.1:{embedded.port}", f"http://127.0.0.1:{werkzeug.server_port}"
    runs = {"bare_embedded": [], "bare_werkzeug": [], "api_keys": [], "users": []}
    try:
        for _ in range(REPEATS):  # interleaved, so drift in the machine's load hits every case alike
            runs["bare_embedded"].append(_load(f"{base}/health/live"))
            runs["bare_werkzeug"].append(_load(f"{wbase}/health/live"))
            runs["api_keys"].append(_load(f"{base}/api/v1/api-keys", key))
            runs["users"].append(_load(f"{base}/api/v1/users?page_size=20", key))
        counts = {
            f"GET {path}": _counts_per_request(app, base + path, None if path == "/health/live" else key)
            for path in ("/health/live", "/api/v1/api-keys", "/api/v1/users?page_size=20")
        }
    finally:
        embedded.stop(time.monotonic() + 5)
        werkzeug.shutdown()
        werkzeug.server_close()
    rows = [
        {"case": "GET /health/live, embedded (waitress)", **_spread(runs["bare_embedded"])},
        {"case": "GET /health/live, werkzeug threaded", **_spread(runs["bare_werkzeug"])},
        {"case": "GET /api/v1/api-keys, embedded", **_spread(runs["api_keys"])},
        {"case": "GET /api/v1/users?page_size=20, embedded", **_spread(runs["users"])},
    ]
    ratios = {
        "embedded_vs_werkzeug_bare": _ratio(runs["bare_embedded"], runs["bare_werkzeug"]),
        "api_keys_vs_bare": _ratio(runs["api_keys"], runs["bare_embedded"]),
        "users_vs_bare": _ratio(runs["users"], runs["bare_embedded"]),
    }
    for row, path in zip(rows, ("/health/live", None, "/api/v1/api-keys", "/api/v1/users?page_size=20"), strict=True):
        if path:  # the counts are the embedded server's (the werkzeug row serves the same app)
            row |= {name: counts[f"GET {path}"][name] for name in TABLE_COUNTS}
    return rows, ratios, counts


def _embedded_round_trips(app) -> float:
    worker = start_worker(app, concurrency=4)
    try:
        return run_round_trips(ROUND_TRIPS)
    finally:
        worker.stop()


def _separate_round_trips() -> float:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.remote_worker", "4"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return run_round_trips(ROUND_TRIPS)
    finally:
        process.terminate()
        process.wait(30)


def _celery(app) -> tuple[list[dict], dict]:
    embedded, separate = [], []
    for repeat in range(REPEATS):  # interleaved, the order alternating, so drift in load hits both alike
        if repeat % 2:
            separate.append(_separate_round_trips())
            embedded.append(_embedded_round_trips(app))
        else:
            embedded.append(_embedded_round_trips(app))
            separate.append(_separate_round_trips())
    rows = [
        {"case": "celery ping round trips/s, embedded worker thread", **_spread(embedded)},
        {"case": "celery ping round trips/s, separate --pool threads worker", **_spread(separate)},
    ]
    return rows, {"celery_embedded_vs_separate": _ratio(embedded, separate)}


def run() -> dict:
    app = get_app()
    from webapp.apikeys.services import create_key
    from webapp.users.services import create_user

    _, key = create_key("bench", "admin")
    for i in range(40):
        create_user({"name": f"Bench {i}", "email": f"bench{i}@example.com", "phone_number": f"+23320{i:07d}"})
    http_rows, ratios, counts = _http(app, key)
    celery_rows, celery_ratios = _celery(app)
    return {
        "rows": http_rows + celery_rows,
        "ratios": ratios | celery_ratios,
        "counts_per_request": counts,
        "goals": {
            "embedded_vs_werkzeug_bare": ">= 1.5",
            "api_keys_vs_bare": ">= 0.7",
            "users_vs_bare": ">= 0.5",
            "redis_round_trips_health": "0",
            "redis_round_trips_authenticated": "<= 1 per rate limit (1 here: the default budget)",
            "celery_embedded_vs_separate": ">= 0.9",
        },
        "notes": f"req/s from a separate load-generator process ({getattr(_load, 'tool', '?')}, {CONNECTIONS} "
        f"keep-alive connections, {SECONDS}s per run, {REPEATS} interleaved runs; min/median/max); the servers "
        f"run {CONNECTIONS} request threads in the benchmark process. Celery: {ROUND_TRIPS} sequential ping "
        "round trips per run from a separate client process (bench/ping_client.py) in both cases. "
        "Ratios `of_medians` compare medians; min/median/max are per-run ratios.",
    }
