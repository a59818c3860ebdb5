"""The demo seed at the service level: an empty database is seeded once; calling the seed again (a
restart on a persisted database) or on a database that already holds users writes nothing."""

from datetime import UTC, datetime, timedelta

from demo.seed import DIALOGS, TRANSACTIONS_PER_USER, USERS, seed_once, seed_summary
from webapp.assets.models import IngestionRun
from webapp.dialogs import services as dialogs
from webapp.transactions.models import Transaction
from webapp.users import services as users
from webapp.users.models import User


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Transaction.objects.count(), IngestionRun.objects.count()


def test_an_empty_database_is_seeded_once(app):
    now = datetime.now(UTC)
    summary = seed_once(now)
    assert summary is not None
    assert summary["users"] == len(USERS) and summary["transactions"] == len(USERS) * TRANSACTIONS_PER_USER
    assert counts() == (len(USERS), len(USERS) * TRANSACTIONS_PER_USER, 1)
    dates = [d.replace(tzinfo=UTC) for d in Transaction.objects.distinct("transaction_date")]
    assert min(dates) >= now - timedelta(days=90, seconds=1) and max(dates) <= now
    assert max(dates) - min(dates) > timedelta(days=60)  # spread out, so daily series have substance
    consented = dialogs.list_dialogs(1, 100)["items"]
    assert sorted(d["dialog_id"] for d in consented) == sorted(d[1] for d in DIALOGS if d[4] is True)
    assert seed_summary()["summary"]["ingestion_run_id"] == summary["ingestion_run_id"]

    assert seed_once() is None  # the restart of a persisted database
    assert counts() == (len(USERS), len(USERS) * TRANSACTIONS_PER_USER, 1)


def test_a_database_that_already_holds_users_is_not_seeded(app):
    users.create_user({"name": "Someone", "email": "someone@example.com", "phone_number": "+233241999999"})
    assert seed_once() is None
    assert counts() == (1, 0, 0) and seed_summary() is None
