"""SMS backlog benchmark: 1,000 SMS created in a burst, paced at SMS_RATE_LIMIT 20/s.

Ideal: 1,000 / 20 = 50 s from the first send to the last. The bound: all sent within 1.15 x 50 s
of the burst's start, each transaction's message accepted exactly once by the Twilio stand-in
(counted there, by the transaction id in its StatusCallback), and no notification task left in the
broker afterwards. A beat-like sweeper runs every 5 s meanwhile (default grace), so a sweeper that
re-published waiting notifications would show up as duplicates and leftover tasks. Also reported:
task runs per SMS (a deferral plus the send is 2; every extra run is a wasted wake-up).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import redis
from celery.signals import task_prerun

from bench.support import get_app, start_worker
from webapp import settings

SMS, RATE = 1_000, 20
IDEAL_S = SMS / RATE
BOUND = 1.15
SWEEP_EVERY_S = 5.0


def _standin():
    from standins.twilio import TwilioStandin

    class Standin(TwilioStandin):
        accepted_at: list = []

        def handle(self, req):
            reply = super().handle(req)
            if reply.status == 201:
                self.accepted_at.append(time.perf_counter())
            return reply

    return Standin()


def _sent_per_transaction(standin) -> Counter:
    return Counter(parse_qs(urlsplit(m["status_callback"]).query)["tx"][0] for m in standin.messages)


def run() -> dict:
    from standins import twilio as tw
    from tests.support import clean_state
    from webapp.notifications import sweeper
    from webapp.transactions.services import create_transaction
    from webapp.users.services import create_user

    app = get_app()
    clean_state(app)
    standin = _standin().start()
    settings.replace(
        app,
        TWILIO_ACCOUNT_SID=tw.ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=tw.AUTH_TOKEN,
        TWILIO_FROM_NUMBER=tw.FROM_NUMBER,
        TWILIO_API_BASE_URL=standin.url,
        PUBLIC_BASE_URL="https://bench.example.com",
        SMS_RATE_LIMIT=f"{RATE} per second",
        NOTIFICATION_PENDING_GRACE_SECONDS=30,
    )
    runs = Counter()

    def count(sender=None, **_):
        runs[sender.name] += 1

    task_prerun.connect(count, weak=False)
    user = create_user({"name": "Bench", "email": "bench@example.com", "phone_number": "+233241234567"})
    worker = start_worker(app)
    stop = threading.Event()
    sweeps = Counter()

    def beat():
        with app.app_context():
            while not stop.wait(SWEEP_EVERY_S):
                sweeps["runs"] += 1
                sweeps["published"] += sweeper.sweep()["enqueued"]

    beat_thread = threading.Thread(target=beat, daemon=True)
    try:
        started = time.perf_counter()
        body = {
            "user_id": str(user.user.id),
            "full_name": "Bench",
            "transaction_date": datetime(2026, 11, 21, tzinfo=UTC),
            "transaction_amount": Decimal("1.00"),
            "transaction_type": "credit",
        }
        for _ in range(SMS):
            create_transaction(body)
        burst_s = time.perf_counter() - started
        beat_thread.start()
        deadline = started + BOUND * IDEAL_S + 30  # wait a little past the bound to count stragglers
        while len(standin.messages) < SMS and time.perf_counter() < deadline:
            time.sleep(0.2)
        all_sent_s = (standin.accepted_at[-1] if standin.accepted_at else time.perf_counter()) - started
        time.sleep(2.0)  # let every acknowledgement land before counting leftovers
        broker = redis.Redis.from_url(app.config["CELERY_BROKER_URL"])
        left = broker.llen("notifications") + broker.hlen("unacked")
    finally:
        stop.set()
        worker.stop()
        standin.stop()
        task_prerun.disconnect(count)
    per_txn = _sent_per_transaction(standin)
    first_to_last = standin.accepted_at[-1] - standin.accepted_at[0] if standin.accepted_at else None
    row = {
        "case": f"{SMS} SMS burst at {RATE}/s",
        "burst_create_s": round(burst_s, 2),
        "all_sent_s": round(all_sent_s, 2),
        "first_to_last_send_s": round(first_to_last, 2) if first_to_last else None,
        "bound_s": round(BOUND * IDEAL_S, 2),
        "messages": len(standin.messages),
        "transactions_sent": len(per_txn),
        "sent_twice": sum(1 for n in per_txn.values() if n > 1),
        "sms_task_runs": runs["notifications.send_sms"],
        "stats_task_runs": runs["transactions.apply_stats"],
        "sweeps": sweeps["runs"],
        "sweep_published": sweeps["published"],
        "tasks_left": left,
    }
    return {
        "rows": [row],
        "ratios": {
            "all_sent_vs_ideal": round(all_sent_s / IDEAL_S, 3),
            "within_bound": all_sent_s <= BOUND * IDEAL_S,
            "each_exactly_once": len(per_txn) == SMS and row["sent_twice"] == 0 and len(standin.messages) == SMS,
            "no_task_left": left == 0,
            "sms_task_runs_per_sms": round(runs["notifications.send_sms"] / SMS, 3),
        },
    }
