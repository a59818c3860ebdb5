"""Transactions benchmark.

1. Statistics cost per transaction for users with 10, 1,000 and 10,000 prior transactions: the
   statistics task body (`stats.apply_transaction`) for new transactions, counting every database
   call it makes (a counting proxy around the three collections) and timing it. All three users
   live in the same collections while measured, so the embedded database's per-query cost is the
   same for each and the ratios isolate the effect of the user's own history.
2. Sustained `POST /api/v1/transactions` with the worker running (statistics and SMS to the Twilio
   stand-in) at ~1k and ~10k stored transactions, the load generator in a separate process
   (bench/loadgen.py), min/median/max over 3 repeats: POSTs per second, transactions fully processed
   (POST to SMS accepted) per second, and MongoDB operations per transaction (the embedded
   database's operation counter: deterministic, comparable across commits). Goal: 10k >= 0.8x 1k.
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from bench.loadgen import run_load
from bench.support import ServedApp, get_app, percentile, start_worker, summarize
from webapp import settings

HISTORIES = (10, 1_000, 10_000)
MEASURED = 200
SIZES = (1_000, 10_000)  # stored transactions before the sustained runs
POSTS, CONCURRENCY, REPEATS = 200, 8, 3
_BODY = {
    "full_name": "Load",
    "transaction_date": "2026-11-21T10:00:00",
    "transaction_amount": "12.34",
    "transaction_type": "credit",
}


class CountingCollection:
    """Forwards to a pymongo/mongomock collection, counting each database call by method name."""

    CALLS = {"find", "find_one", "find_one_and_update", "insert_one", "insert_many", "update_one", "update_many"}
    CALLS |= {"delete_one", "delete_many", "count_documents", "bulk_write", "aggregate"}

    def __init__(self, inner, counts: dict):
        self._inner, self._counts = inner, counts

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name not in self.CALLS:
            return attr

        def counted(*args, **kwargs):
            self._counts[name] = self._counts.get(name, 0) + 1
            return attr(*args, **kwargs)

        return counted


def _txn_doc(user_id, when, cents, kind, applied: bool) -> dict:
    doc = {
        "_id": ObjectId(),
        "user_id": user_id,
        "full_name": "Bench",
        "transaction_date": when,
        "amount_cents": cents,
        "transaction_type": kind,
        "currency": "GHS",
        "created_at": when,
        "updated_at": when,
        "version": 1,
        "deleted": False,
        "stats_version": 1 if applied else 0,
        "stats_applied": None,
        "stats_pending": None,
        "notification": {"status": "sent", "attempts": 1, "updated_at": when},
    }
    if applied:
        doc["stats_applied"] = {"day": when.strftime("%Y-%m-%d"), "type": kind, "cents": cents}
    return doc


def _stats_cost() -> list[dict]:
    from webapp.transactions import stats
    from webapp.transactions.models import DayBucket, Transaction, UserStats
    from webapp.transactions.reconcile import reconcile_user
    from webapp.users.models import User

    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    users = {}
    for history in HISTORIES:
        user = User(
            name=f"h{history}",
            email=f"h{history}@bench.local",
            email_key=f"h{history}@bench.local",
            phone_number="+233241234567",
        ).save()
        docs = [
            _txn_doc(
                user.id,
                start + timedelta(hours=rng.randrange(24 * 365)),
                rng.randrange(1, 10**6),
                rng.choice(("credit", "debit")),
                applied=True,
            )
            for _ in range(history)
        ]
        Transaction._get_collection().insert_many(docs, ordered=False)
        quiet = logging.getLogger("webapp.transactions.reconcile")
        level, quiet.level = quiet.level, logging.ERROR  # building from nothing is not drift worth logging
        reconcile_user(user.id)  # builds the figures the history implies
        quiet.setLevel(level)
        users[history] = user.id

    counts: dict = {h: {} for h in HISTORIES}
    latencies: dict = {h: [] for h in HISTORIES}
    new_docs = {
        h: [
            _txn_doc(
                uid,
                start + timedelta(hours=rng.randrange(24 * 365)),
                rng.randrange(1, 10**6),
                rng.choice(("credit", "debit")),
                applied=False,
            )
            for _ in range(MEASURED)
        ]
        for h, uid in users.items()
    }
    Transaction._get_collection().insert_many([d for docs in new_docs.values() for d in docs], ordered=False)
    originals = {m: m._get_collection() for m in (Transaction, UserStats, DayBucket)}
    try:
        for i in range(MEASURED):  # interleaved, so drift in the shared collections hits all three alike
            for history in HISTORIES:
                for model, coll in originals.items():
                    model._collection = CountingCollection(coll, counts[history])
                t0 = time.perf_counter()
                assert stats.apply_transaction(str(new_docs[history][i]["_id"])) == "applied"
                latencies[history].append(time.perf_counter() - t0)
    finally:
        for model, coll in originals.items():
            model._collection = coll
    rows = []
    for history, user_id in users.items():
        assert reconcile_user(user_id) == [], "the incremental figures must equal a full recomputation"
        ops = sum(counts[history].values())
        rows.append(
            {
                "case": f"stats, {history} prior",
                "db_ops_per_txn": round(ops / MEASURED, 2),
                "ops_detail": ",".join(f"{k}={v / MEASURED:g}" for k, v in sorted(counts[history].items())),
                **{k: v for k, v in summarize(latencies[history], 1).items() if k not in ("per_second", "count")},
            }
        )
    return rows


def _seed(user_ids: list, count: int) -> None:
    """Store `count` more settled transactions (statistics applied, SMS sent) spread over the users."""
    from webapp.transactions.models import Transaction

    rng = random.Random(count)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    docs = [
        _txn_doc(
            user_ids[i % len(user_ids)],
            start + timedelta(hours=rng.randrange(24 * 365)),
            rng.randrange(1, 10**6),
            rng.choice(("credit", "debit")),
            applied=True,
        )
        for i in range(count)
    ]
    for i in range(0, len(docs), 1000):
        Transaction._get_collection().insert_many(docs[i : i + 1000], ordered=False)


def _sustained_once(url: str, key: str, user_id: str, standin) -> dict:
    """POSTS transactions from a separate process, then wait until every SMS is accepted by the
    stand-in. Returns POST req/s, end-to-end transactions/s (POST to last SMS) and DB ops per txn."""
    from webapp import embedded_db

    body = {**_BODY, "user_id": user_id}
    spec = {"url": f"{url}/api/v1/transactions", "headers": {"X-API-Key": key}, "body": body}
    before_sms, before_ops = len(standin.messages), embedded_db.state().operations
    started = time.perf_counter()
    load = run_load({**spec, "total": POSTS, "concurrency": CONCURRENCY})
    deadline = time.monotonic() + 300
    while len(standin.messages) - before_sms < POSTS:
        if time.monotonic() > deadline:
            raise RuntimeError("the SMS of the benchmark's transactions were not all sent in 300 s")
        time.sleep(0.02)
    processed = time.perf_counter() - started
    return {
        "post_per_s": POSTS / load["elapsed_s"],
        "processed_per_s": POSTS / processed,
        "p50_ms": percentile(load["latencies_s"], 50) * 1000,
        "db_ops_per_txn": (embedded_db.state().operations - before_ops) / POSTS,
    }


def _spread(values: list[float]) -> dict:
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1), "max": round(max(values), 1)}


def _sustained(app) -> list[dict]:
    from standins import twilio as tw
    from standins.twilio import TwilioStandin
    from tests.support import clean_state, make_key
    from webapp.users.services import create_user

    clean_state(app)
    standin = TwilioStandin().start()
    settings.replace(
        app,
        TWILIO_ACCOUNT_SID=tw.ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=tw.AUTH_TOKEN,
        TWILIO_FROM_NUMBER=tw.FROM_NUMBER,
        TWILIO_API_BASE_URL=standin.url,
        SMS_RATE_LIMIT="100000 per second",
    )
    key = make_key("write")
    users = [
        str(account.user.id)
        for account in (
            create_user({"name": f"Load {n}", "email": f"load{n}@bench.local", "phone_number": "+233241234567"})
            for n in range(20)
        )
    ]
    rows, stored = [], 0
    worker = start_worker(app, concurrency=4)
    try:
        with ServedApp(app) as served:
            for size in SIZES:
                _seed([ObjectId(u) for u in users], size - stored)
                stored = size
                runs = []
                for _ in range(REPEATS):
                    runs.append(_sustained_once(served.url, key, users[0], standin))
                    stored += POSTS
                rows.append(
                    {
                        "case": f"POST /transactions, ~{size} stored, x{POSTS} c{CONCURRENCY}, worker on",
                        **{f"post_per_s_{k}": v for k, v in _spread([r["post_per_s"] for r in runs]).items()},
                        **{f"processed_per_s_{k}": v for k, v in _spread([r["processed_per_s"] for r in runs]).items()},
                        "p50_ms_median": round(statistics.median(r["p50_ms"] for r in runs), 1),
                        "db_ops_per_txn": sorted({round(r["db_ops_per_txn"], 2) for r in runs}),
                    }
                )
    finally:
        worker.stop()
        standin.stop()
    return rows


def run() -> dict:
    app = get_app()
    stats_rows = _stats_cost()
    load_rows = _sustained(app)
    by = {r["case"]: r for r in stats_rows}
    small, large, mid = by["stats, 10 prior"], by["stats, 10000 prior"], by["stats, 1000 prior"]
    low, high = load_rows[0], load_rows[-1]
    return {
        "rows": stats_rows + load_rows,
        "notes": "Embedded database (mongomock) with the _id fast path (webapp/embedded_db). Sustained rows: "
        "the load generator is a separate process (bench/loadgen.py); processed_per_s counts POST to the "
        "last SMS accepted by the Twilio stand-in; db_ops_per_txn counts every collection call of the "
        "request and its statistics and SMS tasks (embedded operation counter).",
        "ratios": {
            "db_ops_10000_vs_10": round(large["db_ops_per_txn"] / small["db_ops_per_txn"], 3),
            "db_ops_1000_vs_10": round(mid["db_ops_per_txn"] / small["db_ops_per_txn"], 3),
            "time_p50_10000_vs_10": round(large["p50_ms"] / small["p50_ms"], 2),
            "time_p50_1000_vs_10": round(mid["p50_ms"] / small["p50_ms"], 2),
            "post_per_s_median_10k_vs_1k (goal >= 0.8)": round(high["post_per_s_median"] / low["post_per_s_median"], 2),
            "processed_per_s_median_10k_vs_1k (goal >= 0.8)": round(
                high["processed_per_s_median"] / low["processed_per_s_median"], 2
            ),
        },
    }
