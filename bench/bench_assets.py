"""Asset ingestion and the assets API.

1. Ingestion throughput: assets ingested per second (ASSET_LIMIT / run wall time, POST to
   `succeeded`) with a worker of 1 and of 2 threads. The stand-ins answer every page after a fixed
   PAGE_LATENCY_S (200 ms, a plausible round trip to these public APIs) to simulate network
   latency, since local servers answer in well under a millisecond. The speedup measures how well
   page tasks overlap their waits; the CPU work (parsing, and above all mongomock, which scans
   whole collections where MongoDB would use an index) shares one GIL and does not scale with
   threads, so the figure is a floor for processes on a real MongoDB.
2. The storing step (`pipeline.store_page`: id derivation, one bulk insert per page, the atomic page
   counter) against a raw `insert_many` of the same documents into a scratch collection on the same
   backend (mongomock here), and against MongoEngine per-document saves for scale.
3. `GET /api/v1/assets?limit=100` served over HTTP, from the Redis cache against uncached (the
   cache key is deleted before each uncached request; that extra DEL is in the uncached figure).
   Old snapshots are removed first, so one snapshot of ASSET_LIMIT items is stored: mongomock has
   no indexes, and every stored item would otherwise add to each uncached scan.
"""

from __future__ import annotations

import statistics
import time

from bench.support import ServedApp, get_app, http_load, start_worker
from webapp import settings

ASSET_LIMIT = 2000
CMC_PAGE_SIZE = 200
PAGE_LATENCY_S = 0.2
RUNS_PER_SETTING = 2
STORE_PAGES, STORE_PAGE_SIZE = 40, 100
HTTP_REQUESTS, HTTP_CONCURRENCY = 400, 4


def _configure(app, cc, cmc):
    from tests.support import clean_state

    clean_state(app)
    settings.replace(
        app,
        CRYPTOCOMPARE_BASE_URL=cc.url,
        COINMARKETCAP_BASE_URL=cmc.url,
        COINMARKETCAP_API_KEY="bench",
        ASSET_LIMIT=ASSET_LIMIT,
        COINMARKETCAP_PAGE_SIZE=CMC_PAGE_SIZE,
    )


def _ingest_once(client, headers) -> float:
    started = time.perf_counter()
    run = client.post("/api/v1/ingestions", headers=headers).get_json()
    while True:
        body = client.get(f"/api/v1/ingestions/{run['id']}", headers=headers).get_json()
        if body["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.01)
    if body["status"] != "succeeded" or body["assets_ingested"] != ASSET_LIMIT:
        raise RuntimeError(f"benchmark run did not succeed: {body}")
    return time.perf_counter() - started


def bench_ingestion(app, headers) -> list[dict]:
    rows = []
    client = app.test_client()
    for threads in (1, 2):
        worker = start_worker(app, concurrency=threads)
        try:
            _ingest_once(client, headers)  # warm-up
            durations = [_ingest_once(client, headers) for _ in range(RUNS_PER_SETTING)]
        finally:
            worker.stop()
        median = statistics.median(durations)
        rows.append(
            {
                "case": f"ingest {ASSET_LIMIT} assets, worker threads={threads}",
                "pages": ASSET_LIMIT // 100 + ASSET_LIMIT * 2 // CMC_PAGE_SIZE,
                "median_s": round(median, 3),
                "assets_per_s": round(ASSET_LIMIT / median, 1),
            }
        )
    return rows


def bench_storing(app) -> list[dict]:
    from bson import ObjectId

    from webapp.assets import pipeline
    from webapp.assets.models import RankingStage

    settings.replace(app, ASSET_LIMIT=STORE_PAGES * STORE_PAGE_SIZE)
    pages = [
        [
            {"rank": p * STORE_PAGE_SIZE + n + 1, "symbol": f"S{p}-{n}", "name": f"Coin {p}-{n}"}
            for n in range(STORE_PAGE_SIZE)
        ]
        for p in range(STORE_PAGES)
    ]
    run_id = pipeline.claim_run("cli")
    pipeline.begin_run(run_id)
    started = time.perf_counter()
    for p, items in enumerate(pages):
        pipeline.store_page(run_id, "ranking", p, items, [])
    store_s = time.perf_counter() - started
    pipeline.fail_run(run_id, "benchmark")

    scratch = RankingStage._get_collection().database["bench_raw_insert"]
    raw_id = ObjectId()
    started = time.perf_counter()
    for items in pages:
        scratch.insert_many([{"_id": f"{raw_id}:{i['rank']}", "run_id": raw_id, **i} for i in items], ordered=False)
    raw_s = time.perf_counter() - started
    scratch.drop()

    doc_id = ObjectId()
    started = time.perf_counter()
    for items in pages[:4]:  # a tenth of the pages: per-document saves are slow
        for i in items:
            RankingStage(id=f"{doc_id}:{i['rank']}", run_id=doc_id, **i).save()
    per_doc_s = (time.perf_counter() - started) * STORE_PAGES / 4
    RankingStage.objects(run_id=doc_id).delete()

    total = STORE_PAGES * STORE_PAGE_SIZE
    return [
        {
            "case": "store_page (bulk insert + page counter)",
            "docs": total,
            "seconds": round(store_s, 4),
            "docs_per_s": round(total / store_s),
        },
        {
            "case": "raw insert_many, same docs",
            "docs": total,
            "seconds": round(raw_s, 4),
            "docs_per_s": round(total / raw_s),
        },
        {
            "case": "MongoEngine save() per doc (extrapolated from 1/10)",
            "docs": total,
            "seconds": round(per_doc_s, 4),
            "docs_per_s": round(total / per_doc_s),
        },
    ]


def bench_http(app, key) -> list[dict]:
    from webapp.assets import pipeline
    from webapp.extensions import get_redis
    from webapp.identity import namespaced

    headers = {"X-API-Key": key}
    rows = []
    settings.replace(app, ASSET_SNAPSHOT_RETENTION_SECONDS=0)
    pipeline.remove_old_snapshots()  # only the newest stays
    with ServedApp(app) as served:
        url = f"{served.url}/api/v1/assets?limit=100"
        first = __import__("requests").get(url, headers=headers, timeout=10)
        cache_key = namespaced(f"assets:listing:{first.headers['ETag'].strip(chr(34))}")
        redis = get_redis()

        def cached(session):
            return session.get(url, headers=headers, timeout=10)

        def uncached(session):
            redis.delete(cache_key)
            return session.get(url, headers=headers, timeout=10)

        for name, fn in (("cached", cached), ("uncached", uncached)):
            http_load(fn, 50, HTTP_CONCURRENCY)  # warm-up
            stats = http_load(fn, HTTP_REQUESTS, HTTP_CONCURRENCY)
            rows.append({"case": f"GET /api/v1/assets?limit=100 {name}", **stats})
    return rows


def run() -> dict:
    from standins.asset_sources import CoinMarketCapStandin, CryptoCompareStandin, coins, listings
    from webapp.apikeys.services import create_key

    app = get_app()
    cc = CryptoCompareStandin(coins(ASSET_LIMIT)).start()
    cmc = CoinMarketCapStandin(listings(ASSET_LIMIT * 2), CMC_PAGE_SIZE).start()
    cc.delay = cmc.delay = PAGE_LATENCY_S
    try:
        _configure(app, cc, cmc)
        admin = create_key("bench-admin", "admin")[1]
        ingestion = bench_ingestion(app, {"X-API-Key": admin})
        http = bench_http(app, create_key("bench-read", "read")[1])
        storing = bench_storing(app)
    finally:
        cc.stop()
        cmc.stop()
    rows = ingestion + storing + http
    return {
        "rows": rows,
        "ratios": {
            "ingest_speedup_2_vs_1_threads": round(ingestion[1]["assets_per_s"] / ingestion[0]["assets_per_s"], 2),
            "store_page_vs_raw_insert_many_time": round(storing[0]["seconds"] / storing[1]["seconds"], 2),
            "per_doc_save_vs_store_page_time": round(storing[2]["seconds"] / storing[0]["seconds"], 1),
            "assets_get_cached_vs_uncached_rps": round(http[0]["per_second"] / http[1]["per_second"], 2),
        },
        "notes": (
            f"stand-ins add {PAGE_LATENCY_S * 1000:.0f} ms per page to simulate network latency; "
            "mongomock backend; worker thread pool in-process"
        ),
    }
