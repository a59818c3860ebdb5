"""Metrics benchmark (issue 13).

1. `GET /metrics` p50 with ~30 routes and ~15 task names holding series (every route with two
   statuses, every task with three outcomes and a duration histogram), scraped one at a time; and
   the in-process cost of rendering the same exposition (no HTTP). Goal: < 5 ms p50.
2. The HTTP metrics' overhead on `GET /health/live`: p50 with the before/after_request pair
   attached against p50 without it, same server, same run, phases interleaved (off, on, off, on)
   so drift hits both. Goal: < 5 %.
The load generator is a separate process (`bench.loadgen`); the server is the waitress server of
`manage.py run`, in this process.
"""

from __future__ import annotations

from bench.loadgen import run_load
from bench.support import ServedApp, get_app, percentile, summarize, timed

ROUTES = 30
TASKS = 15
LIVE_REQUESTS = 3000
CONCURRENCY = 4
SCRAPES = 400


def _load(url: str, total: int, concurrency: int) -> dict:
    result = run_load({"url": url, "method": "GET", "total": total, "concurrency": concurrency})
    return summarize(result["latencies_s"], result["elapsed_s"])


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

    before = app.before_request_funcs.setdefault(None, [])
    after = app.after_request_funcs.setdefault(None, [])
    if attached and http._start not in before:
        before.insert(0, http._start)
        after.append(http._observe)
    elif not attached and http._start in before:
        before.remove(http._start)
        after.remove(http._observe)


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
        scrape = _load(f"{served.url}/metrics", SCRAPES, 1)
        rows.append({"case": f"GET /metrics ({routes} routes, {tasks} tasks)", **scrape})
        _load(f"{served.url}/health/live", 300, CONCURRENCY)  # warm up
        for attached in (False, True, False, True):
            _hooks(app, attached)
            phases["on" if attached else "off"].append(
                _load(f"{served.url}/health/live", LIVE_REQUESTS // 2, CONCURRENCY)
            )
        _hooks(app, True)
    for phase, runs in phases.items():
        rows.append(
            {
                "case": f"GET /health/live, HTTP metrics {phase}",
                "count": sum(r["count"] for r in runs),
                "per_second": round(sum(r["per_second"] for r in runs) / len(runs), 1),
                "p50_ms": round(percentile([r["p50_ms"] for r in runs], 50), 3),
                "p99_ms": max(r["p99_ms"] for r in runs),
            }
        )
    off = sum(r["p50_ms"] for r in phases["off"]) / 2
    on = sum(r["p50_ms"] for r in phases["on"]) / 2
    return {
        "rows": rows,
        "ratios": {
            "metrics_scrape_p50_ms": scrape["p50_ms"],
            "metrics_render_p50_ms": render["p50_ms"],
            "live_p50_overhead_pct": round((on - off) / off * 100, 2),
        },
        "notes": f"/metrics scraped {SCRAPES} times one at a time; /health/live {LIVE_REQUESTS} requests per "
        f"setting from {CONCURRENCY} client threads in a separate process, phases interleaved off/on/off/on; "
        "waitress server, mongomock, real Redis. Goals: scrape p50 < 5 ms, overhead < 5 %.",
    }
