"""Platform benchmarks.

1. HTTP: requests/s and p50/p99 of `GET /health/live` (the bare framework) against an
   authenticated, rate-limited `GET /api/v1/api-keys`, same threaded server, same run -> ratio.
2. Celery: enqueue-to-result round trip of the no-op `platform.ping` task on the real Redis broker
   with an in-process worker (thread pool): tasks/s, p50/p99.
"""

from __future__ import annotations

import time

from bench.support import ServedApp, get_app, http_load, start_worker, summarize

REQUESTS = 2000
CONCURRENCY = 8
ROUND_TRIPS = 500


def run() -> dict:
    app = get_app()
    from tasks.platform import ping
    from webapp.apikeys.services import create_key

    _, key = create_key("bench", "admin")
    rows = []
    with ServedApp(app) as served:
        live = http_load(lambda s: s.get(f"{served.url}/health/live"), REQUESTS, CONCURRENCY)
        keyed = http_load(
            lambda s: s.get(f"{served.url}/api/v1/api-keys", headers={"X-API-Key": key}), REQUESTS, CONCURRENCY
        )
    rows.append({"case": "GET /health/live", **live})
    rows.append({"case": "GET /api/v1/api-keys (auth + limit)", **keyed})

    worker = start_worker(app, concurrency=4)
    try:
        ping.delay().get(timeout=10)  # warm up connections
        sequential = []
        started = time.perf_counter()
        for _ in range(ROUND_TRIPS):
            t0 = time.perf_counter()
            ping.delay().get(timeout=10)
            sequential.append(time.perf_counter() - t0)
        rows.append(
            {"case": "celery round trip (one at a time)", **summarize(sequential, time.perf_counter() - started)}
        )
        started = time.perf_counter()
        results = [ping.delay() for _ in range(ROUND_TRIPS)]
        for result in results:
            result.get(timeout=30)
        elapsed = time.perf_counter() - started
        rows.append(
            {
                "case": f"celery throughput ({ROUND_TRIPS} in flight)",
                "count": ROUND_TRIPS,
                "per_second": round(ROUND_TRIPS / elapsed, 1),
            }
        )
    finally:
        worker.stop()

    return {
        "rows": rows,
        "ratios": {
            "api_keys_vs_live_throughput": round(keyed["per_second"] / live["per_second"], 3),
            "api_keys_vs_live_p50": round(keyed["p50_ms"] / live["p50_ms"], 2),
            "api_keys_vs_live_p99": round(keyed["p99_ms"] / live["p99_ms"], 2),
        },
        "notes": f"{REQUESTS} requests per case from {CONCURRENCY} client threads against a threaded werkzeug "
        "server in the same process (mongomock database, real Redis for limits); ratios are what matter.",
    }
