"""Dialogs: list latency of page 1 against page 50 (with and without filters) over 10,000
consented dialogs, and stale-dialog cleanup throughput through the real worker.

The 10,000 dialogs are bulk-inserted in the exact shape `append_message`/`grant_consent` write
(mongomock scans linearly, so seeding them one API call at a time would take many minutes); a
sample is checked against the API before measuring.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.support import ServedApp, get_app, start_worker, timed

CONSENTED = 10_000
STALE = 5_000
LANGUAGES = ("EN", "FR", "DE", "ES")
PAGE_SIZE = 20
REPEAT = 5
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _dialog(n: int, consent: str, at: datetime) -> dict:
    # Every filtered case below matches > 1,000 dialogs, so its page 50 (of 20) holds data.
    languages = [LANGUAGES[n % 4]] + (["EN"] if n % 2 == 0 else [])
    languages = list(dict.fromkeys(languages))
    messages = [
        {"text": f"message {k} of dialog {n}", "language": lang, "created_at": at} for k, lang in enumerate(languages)
    ]
    doc = {
        "dialog_id": f"{consent[:1]}-{n:06d}",
        "customer_id": f"cust-{(n // 5) % 2}",
        "consent": consent,
        "messages": messages,
        "messages_count": len(messages),
        "languages": languages,
        "created_at": at,
        "updated_at": at,
        "last_message_at": at,
    }
    if consent == "granted":
        doc["consented_at"] = at
    return doc


def _seed(collection, count: int, consent: str, start: datetime) -> float:
    """Bulk-load `count` dialogs. mongomock checks a unique index by scanning every document on each
    insert (quadratic), so the indexes are dropped for the load and rebuilt after it; mongomock
    answers queries by scanning either way. On a real MongoDB keep the indexes."""
    from webapp.dialogs.models import Dialog

    started = time.perf_counter()
    docs = [_dialog(n, consent, start + timedelta(seconds=n)) for n in range(count)]
    collection.drop_indexes()
    for offset in range(0, count, 1000):
        collection.insert_many(docs[offset : offset + 1000], ordered=False)
    Dialog.ensure_indexes()
    return time.perf_counter() - started


def _list_rows(served, headers) -> tuple[list[dict], dict]:
    import requests

    session = requests.Session()
    cases = {
        "no filter": {},
        "language=FR": {"language": "fr"},
        "customerId=cust-1": {"customerId": "cust-1"},
        "language+customer": {"language": "EN", "customerId": "cust-0"},
    }
    rows, ratios = [], {}
    for name, query in cases.items():
        p50 = {}
        for page in (1, 50):
            params = {**query, "page": page, "page_size": PAGE_SIZE}

            def call(params=params):
                response = session.get(f"{served.url}/api/v1/data", params=params, headers=headers)
                response.raise_for_status()
                return response

            body = call().json()
            total = body["total"]
            assert body["items"], f"{name}: page {page} is empty"
            stats = timed(call, REPEAT)
            p50[page] = stats["p50_ms"]
            rows.append({"case": f"list {name}, page {page}", "matching": total, **stats})
        ratios[f"list p50 page50/page1 ({name})"] = round(p50[50] / p50[1], 2)
    return rows, ratios


def run() -> dict:
    app = get_app()
    from tests.support import make_key
    from webapp.dialogs.models import Dialog

    collection = Dialog._get_collection()
    seed_s = _seed(collection, CONSENTED, "granted", T0)
    headers = {"X-API-Key": make_key("admin")}
    rows, ratios = [], {}
    with ServedApp(app) as served:
        import requests

        sample = requests.get(f"{served.url}/api/v1/data/cust-0/g-000042", headers=headers, timeout=10)
        assert sample.status_code == 200 and sample.json()["dialog_id"] == "g-000042", sample.text
        list_rows, ratios = _list_rows(served, headers)
        rows += list_rows

    # Cleanup: STALE pending dialogs idle for two days, next to the 10,000 consented ones.
    _seed(collection, STALE, "pending", T0 - timedelta(days=2))
    worker = start_worker(app, concurrency=2)
    try:
        from tasks.dialogs import cleanup_stale

        started = time.perf_counter()
        result = cleanup_stale.delay().get(timeout=600)
        took = time.perf_counter() - started
    finally:
        worker.stop()
    assert result == {"deleted": STALE}, result
    assert collection.count_documents({}) == CONSENTED
    rows.append(
        {
            "case": f"cleanup {STALE} stale (batch {app.config['DIALOG_CLEANUP_BATCH_SIZE']})",
            "count": STALE,
            "per_second": round(STALE / took, 1),
            "mean_ms": round(took * 1000, 1),
        }
    )
    ratios["cleanup dialogs/s"] = round(STALE / took, 1)
    ratios["seed 10,000 dialogs (s, bulk insert)"] = round(seed_s, 2)
    return {"rows": rows, "ratios": ratios}
