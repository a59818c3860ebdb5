"""Transactions benchmark.

1. Statistics cost per transaction for users with 10, 1,000 and 10,000 prior transactions: the
   statistics task body (`stats.apply_transaction`) for new transactions, counting every database
   call it makes (a counting proxy around the three collections) and timing it. All three users
   live in the same collections while measured, so the embedded database's per-query cost is the
   same for each and the ratios isolate the effect of the user's own history.
2. `POST /api/v1/transactions` over HTTP (threaded server, real worker, Twilio stand-in): requests
   per second and latency, and the latency from POST to the SMS accepted (201) by the stand-in,
   for one request at a time and for a burst (where it includes queueing behind the burst).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from bson import ObjectId

from bench.support import ServedApp, get_app, http_load, percentile, start_worker, summarize

HISTORIES = (10, 1_000, 10_000)
MEASURED = 200
POSTS, CONCURRENCY = 200, 8
IDLE_POSTS = 30


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


class TimedTwilio:
    """The Twilio stand-in, remembering when each message was accepted (by SID)."""

    def __new__(cls):
        from standins.twilio import TwilioStandin

        class Standin(TwilioStandin):
            accepted: dict = {}

            def handle(self, req):
                reply = super().handle(req)
                if reply.status == 201:
                    self.accepted[reply.body["sid"]] = time.perf_counter()
                return reply

        return Standin()


def _http(app) -> list[dict]:
    from standins import twilio as tw
    from tests.support import clean_state, make_key
    from webapp.transactions.models import Transaction
    from webapp.users.services import create_user

    clean_state(app)  # the HTTP part runs on empty collections (the embedded database scans)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    standin = TimedTwilio().start()
    app.config.update(
        TWILIO_ACCOUNT_SID=tw.ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=tw.AUTH_TOKEN,
        TWILIO_FROM_NUMBER=tw.FROM_NUMBER,
        TWILIO_API_BASE_URL=standin.url,
        SMS_RATE_LIMIT="100000 per second",
    )
    key = make_key("write")
    user_id = create_user({"name": "Load", "email": "load@bench.local", "phone_number": "+233241234567"})["id"]
    posted: dict = {}
    lock = threading.Lock()
    worker = start_worker(app, concurrency=4)
    try:
        with ServedApp(app) as served:
            body = {
                "user_id": user_id,
                "full_name": "Load",
                "transaction_date": "2026-11-21T10:00:00",
                "transaction_amount": "12.34",
                "transaction_type": "credit",
            }

            def post(session):
                t0 = time.perf_counter()
                response = session.post(f"{served.url}/api/v1/transactions", json=body, headers={"X-API-Key": key})
                with lock:
                    posted[response.json().get("id")] = t0
                return response

            load = http_load(post, POSTS, CONCURRENCY)
            deadline = time.monotonic() + 120
            query = {"user_id": ObjectId(user_id), "notification.status": "sent"}
            while Transaction._get_collection().count_documents(query) < POSTS and time.monotonic() < deadline:
                time.sleep(0.05)
            docs = list(Transaction._get_collection().find(query, {"notification.message_sid": 1}))
            # Unloaded: one POST at a time, waiting for its SMS before the next.
            idle = []
            session = requests.Session()
            for _ in range(IDLE_POSTS):
                before = len(standin.accepted)
                t0 = time.perf_counter()
                post(session)
                while len(standin.accepted) == before and time.perf_counter() - t0 < 30:
                    time.sleep(0.002)
                idle.append(max(standin.accepted.values()) - t0)
    finally:
        worker.stop()
        standin.stop()
    e2e = [standin.accepted[d["notification"]["message_sid"]] - posted[str(d["_id"])] for d in docs]
    return [
        {"case": f"POST /transactions x{POSTS} c{CONCURRENCY}", **load},
        {
            "case": "POST -> SMS accepted, one at a time",
            "count": len(idle),
            "p50_ms": round(percentile(idle, 50) * 1000, 2),
            "p99_ms": round(percentile(idle, 99) * 1000, 2),
        },
        {
            "case": f"POST -> SMS accepted, burst of {POSTS}",
            "count": len(e2e),
            "p50_ms": round(percentile(e2e, 50) * 1000, 2),
            "p99_ms": round(percentile(e2e, 99) * 1000, 2),
        },
    ]


def run() -> dict:
    app = get_app()
    stats_rows = _stats_cost()
    http_rows = _http(app)
    by = {r["case"]: r for r in stats_rows}
    small, large = by["stats, 10 prior"], by["stats, 10000 prior"]
    mid = by["stats, 1000 prior"]
    return {
        "rows": stats_rows + http_rows,
        "notes": "Embedded database (mongomock): every query scans the collection, so absolute times grow "
        "with the collection size; the per-transaction operation count is the algorithm's cost.",
        "ratios": {
            "db_ops_10000_vs_10": round(large["db_ops_per_txn"] / small["db_ops_per_txn"], 3),
            "db_ops_1000_vs_10": round(mid["db_ops_per_txn"] / small["db_ops_per_txn"], 3),
            "time_p50_10000_vs_10": round(large["p50_ms"] / small["p50_ms"], 2),
            "time_p50_1000_vs_10": round(mid["p50_ms"] / small["p50_ms"], 2),
            "sms_sent_of_posted": f"{http_rows[2]['count']}/{POSTS}",
        },
    }
