"""Demonstration data for the offline demo, applied once per database.

Contract of `seed_once()`: on a database with no users and no seed marker it claims the marker
(one insert on a fixed `_id`, atomic) and writes a few users with transactions spread over the
last 90 days (their SMS and statistics go through the normal outbox and Celery tasks), dialogs with
and without consent, and starts a first asset ingestion. It returns what it wrote. On any other
database it writes nothing and returns None: a restart on a persisted demo database, or a database
that already holds someone's users, is left alone. Deterministic (fixed random seed) except for
the dates, which are relative to `now`. A crash half-way leaves a partial seed that is not redone.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pymongo.errors import DuplicateKeyError

from demo.models import SEED_ID, DemoState
from webapp.assets import services as assets
from webapp.dialogs import services as dialogs
from webapp.errors import DomainError
from webapp.transactions import services as transactions
from webapp.users import services as users
from webapp.users.models import User

# Fictional people (example.com addresses, numbers from the stand-in's point of view only).
USERS = (
    ("Ama Mensah", "ama.demo@example.com", "+233241000001", Decimal("2500")),
    ("Kofi Boateng", "kofi.demo@example.com", "+233241000002", Decimal("900")),
    ("Efua Owusu", "efua.demo@example.com", "+233241000003", Decimal("4200")),
    ("Yaw Asante", "yaw.demo@example.com", "+233241000004", Decimal("300")),
)
TRANSACTIONS_PER_USER = 15
DIALOGS = (  # (customer, dialog, language, messages, consent: True / False / None = not answered)
    ("cust-ama", "dlg-demo-001", "en", ["Hello, I need help with a transfer", "It arrived, thank you"], True),
    ("cust-kofi", "dlg-demo-002", "fr", ["Bonjour, ma carte est bloquée", "Merci, c'est réglé"], True),
    ("cust-efua", "dlg-demo-003", "en", ["What are your opening hours?"], None),
    ("cust-yaw", "dlg-demo-004", "en", ["Please do not keep this conversation"], False),
)


def seed_once(now: datetime | None = None) -> dict | None:
    if User.objects.limit(1).count(with_limit_and_skip=True):
        return None
    now = now or datetime.now(UTC)
    try:
        DemoState._get_collection().insert_one({"_id": SEED_ID, "applied_at": now, "summary": {}})
    except DuplicateKeyError:
        return None
    summary = {
        "users": _users_and_transactions(now),
        "dialogs": _dialogs(now),
        "ingestion_run_id": _first_ingestion(),
    }
    summary["transactions"] = len(USERS) * TRANSACTIONS_PER_USER
    DemoState._get_collection().update_one({"_id": SEED_ID}, {"$set": {"summary": summary}})
    return summary


def seed_summary() -> dict | None:
    """The marker of an applied seed: {"applied_at", "summary"}, or None."""
    return DemoState._get_collection().find_one({"_id": SEED_ID}, {"_id": 0})


def _users_and_transactions(now: datetime) -> int:
    rng = random.Random(15)
    for name, email, phone, opening in USERS:
        user = users.create_user({"name": name, "email": email, "phone_number": phone})
        days = sorted(rng.sample(range(1, 90), TRANSACTIONS_PER_USER - 1), reverse=True)
        moments = [now - timedelta(days=90)] + [now - timedelta(days=d, hours=rng.randint(0, 12)) for d in days]
        for n, moment in enumerate(moments):
            credit = n == 0 or rng.random() < 0.45
            amount = opening if n == 0 else Decimal(rng.randint(500, 40000)) / 100
            transactions.create_transaction(
                {
                    "user_id": str(user.user.id),
                    "full_name": name,
                    "transaction_date": moment,
                    "transaction_amount": amount,
                    "transaction_type": "credit" if credit else "debit",
                    "currency": "GHS",
                }
            )
    return len(USERS)


def _dialogs(now: datetime) -> int:
    for customer, dialog, language, texts, consent in DIALOGS:
        for n, text in enumerate(texts):
            dialogs.append_message(customer, dialog, text, language, now=now - timedelta(minutes=10 - n))
        if consent is not None:
            dialogs.set_consent(dialog, consent, now=now)
    return len(DIALOGS)


def _first_ingestion() -> str | None:
    try:
        return str(assets.request_ingestion("schedule")["_id"])
    except DomainError:  # one already running, or the queue is unreachable: beat starts one later
        return None
