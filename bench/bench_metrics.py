"""Metrics benchmark (issue 13).

1. `GET /metrics` p50 with ~30 routes and ~15 task names holding series (every route with two
   statuses, every task with three outcomes and a duration histogram), scraped one at a time over
   one keep-alive connection by `bench.httpload` (wrk: a client whose own cost is negligible; the
   Python `requests` client added ~3 ms per scrape on the slow machine), beside the same client's
   p50 for `GET /health/live` as the transport's floor; and the in-process cost of rendering the
   same exposition (no HTTP). Goal: < 5 ms p50.
2. The HTTP metrics' overhead on `GET /health/live`: p50 with the after_request hook
   attached against p50 without it, same server, same run, same generator (4 connections), phases
   interleaved (off, on, eight times, 1.5 s each), the overhead being the median of each pair's
   ratio (adjacent phases share the machine's momentary load). Goal: < 5 %. Beside it, the hook's
   CPU cost per request in process (test client, interleaved), free of the transport's noise.
The load generator is a separate process (`bench.httpload`); the server is the
waitress server of `manage.py run`, in this process.
"""

from __future__ import annotations

import statistics
import time

from bench.httpload import run_httpload
from bench.support import ServedApp, get_app, timed

ROUTES = 30
TASKS = 15
PHASE_PAIRS = 8
PHASE_SECONDS = 1.5
CPU_PAIRS = 20
CPU_REQUESTS = 300
CONCURRENCY = 4
SCRAPES = 400  # in-process renders
SCRAPE_SECONDS = 4


def _populate(app) -> tuple[int, int]:
    """Series for ROUTES URL rules (the app's own, then made-up ones) and TASKS task names."""
    from webapp.metrics import metrics_of

    metrics = metrics_of(app)
    rules = sorted({r.rule for r in app.url_map.iter_rules()})
    rules += [f"/api/v1/extra{i}/<item_id>" for i in range(max(0, ROUTES - len(rules)))]
    for rule in rules[:ROUTES]:
        for status in ("200", "404"):
            metrics.http_requests.inc("GET", rule, status)
        metrics.http_duration.observe("GET", rule, value=0.004)
    names = sorted(n for n in app.extensions["celery"].tasks if not n.startswith("celery."))
    names += [f"extra.task{i}" for i in range(max(0, TASKS - len(names)))]
    for name in names[:TASKS]:
        for state in ("succeeded", "failed", "retried"):
            metrics.tasks.inc(name, state)
        metrics.task_duration.observe(name, value=0.02)
    return min(ROUTES, len(rules)), min(TASKS, len(names))


def _hooks(app, attached: bool) -> None:
    from webapp.metrics import http

    after = app.after_request_funcs.setdefault(None, [])
    if attached and http._observe not in after:
        after.append(http._observe)
    elif not attached and http._observe in after:
        after.remove(http._observe)


def _cpu_per_request(app) -> tuple[float, float]:
    """Median CPU microseconds per `GET /health/live` through the test client, hook off, hook on,
    interleaved: what the hook adds without the HTTP transport's noise."""
    client = app.test_client()
    samples = {False: [], True: []}
    for _ in range(CPU_PAIRS):
        for attached in (False, True):
            _hooks(app, attached)
            started = time.process_time()
            for _ in range(CPU_REQUESTS):
                client.get("/health/live")
            samples[attached].append((time.process_time() - started) / CPU_REQUESTS * 1e6)
    _hooks(app, True)
    return statistics.median(samples[False]), statistics.median(samples[True])


def run() -> dict:
    app = get_app()
    from webapp.metrics.routes import exposition

    routes, tasks = _populate(app)
    with app.test_request_context():
        size = len(exposition())
        render = timed(exposition, SCRAPES)
    rows = [{"case": f"render exposition in-process ({size} bytes)", **render}]
    phases = {"off": [], "on": []}
    with ServedApp(app) as served:
        scrape = run_httpload(f"{served.url}/metrics", connections=1, seconds=SCRAPE_SECONDS)
        floor = run_httpload(f"{served.url}/health/live", connections=1, seconds=SCRAPE_SECONDS)
        for case, result in ((f"GET /metrics ({routes} routes, {tasks} tasks)", scrape), ("GET /health/live", floor)):
            rows.append(
                {
                    "case": f"{case}, one connection ({result['tool']})",
                    "count": result["requests"],
                    "per_second": result["per_second"],
                    "p50_ms": result["p50_ms"],
                    "p99_ms": result["p99_ms"],
                }
            )
        live = f"{served.url}/health/live"
        run_httpload(live, connections=CONCURRENCY, seconds=1)  # warm up
        for _ in range(PHASE_PAIRS):
            for attached in (False, True):
                _hooks(app, attached)
                phases["on" if attached else "off"].append(run_httpload(live, [], CONCURRENCY, PHASE_SECONDS))
        _hooks(app, True)
    for phase, runs in phases.items():
        rows.append(
            {
                "case": f"GET /health/live, HTTP metrics {phase}, {CONCURRENCY} connections",
                "count": sum(r["requests"] for r in runs),
                "per_second": round(statistics.median(r["per_second"] for r in runs), 1),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 3),
                "p99_ms": max(r["p99_ms"] for r in runs),
            }
        )
    # Each pair's own ratio (adjacent phases share the machine's momentary load), then their median.
    paired = [on["p50_ms"] / off["p50_ms"] - 1 for off, on in zip(phases["off"], phases["on"], strict=True)]
    cpu_off, cpu_on = _cpu_per_request(app)
    rows.append(
        {
            "case": "GET /health/live in process (test client, one thread), CPU us per request",
            "count": CPU_PAIRS * CPU_REQUESTS * 2,
            "off_us": round(cpu_off, 1),
            "on_us": round(cpu_on, 1),
        }
    )
    return {
        "rows": rows,
        "ratios": {
            "metrics_scrape_p50_ms": scrape["p50_ms"],
            "live_sequential_p50_ms": floor["p50_ms"],
            "metrics_render_p50_ms": render["p50_ms"],
            "live_p50_overhead_pct": round(statistics.median(paired) * 100, 2),
            "live_p50_overhead_pct_per_pair": [round(x * 100, 1) for x in paired],
            "live_cpu_overhead_pct": round((cpu_on - cpu_off) / cpu_off * 100, 2),
        },
        "notes": f"/metrics and /health/live requested one at a time for {SCRAPE_SECONDS} s each over one "
        f"keep-alive connection ({scrape['tool']}); rendering timed {SCRAPES} times in process; "
        f"/health/live for {PHASE_SECONDS} s per phase over {CONCURRENCY} connections, {PHASE_PAIRS} off/on pairs "
        "interleaved, overhead = median of the pairs' p50 ratios; CPU per request in process from "
        f"{CPU_PAIRS} interleaved off/on pairs of {CPU_REQUESTS} requests (medians); "
        "waitress server, mongomock, real Redis. Goals: scrape p50 < 5 ms, overhead < 5 %.",
    }
