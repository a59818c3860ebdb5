"""SMS under backlog: at most one live task per notification, a deferred task waits for its own
booked slot, and only SMS that really go out book a slot. Small numbers, a slow pace (1/m), the
worker paused so each step is driven here."""

import pytest
import redis
from bson import ObjectId

from tests.support import override_settings
from tests.transactions.helpers import make_txn, make_user
from webapp.notifications import pacing, services, sweeper
from webapp.transactions import services as transactions
from webapp.transactions.models import Transaction


@pytest.fixture
def user(client, write_headers):
    return make_user(client, write_headers)


def queued(app, queue: str = "notifications") -> int:
    return redis.Redis.from_url(app.config["CELERY_BROKER_URL"]).llen(queue)


def note(txn_id: str) -> dict:
    return Transaction._get_collection().find_one({"_id": ObjectId(txn_id)})["notification"]


def test_one_live_task_per_notification(client, write_headers, user, app, paused_worker, monkeypatch):
    txn = make_txn(client, write_headers, user["id"])
    assert queued(app, "default") == 1 and queued(app) == 0  # one publish per request: the stats step
    transactions.settle(txn["id"], sms=True)
    transactions.settle(txn["id"], sms=True)  # a redelivered statistics task publishes nothing more
    assert queued(app) == 1 and note(txn["id"])["publishes"] == 1
    assert sweeper.sweep() == {"enqueued": 0, "reclaimed": 0}  # its task is live (within the grace)
    # Past the grace with the task lost: the sweeper publishes one, once per grace, not per sweep.
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    assert sweeper.sweep()["enqueued"] == 1
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=30)
    assert sweeper.sweep()["enqueued"] == 0 and queued(app) == 2 and note(txn["id"])["publishes"] == 2


def test_the_sweeper_first_catches_a_creation_whose_stats_step_is_late(
    client, write_headers, user, app, paused_worker, monkeypatch
):
    txn = make_txn(client, write_headers, user["id"])
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    assert sweeper.sweep()["enqueued"] == 1
    assert not transactions.publish_first_sms(txn["id"])  # the late statistics step publishes no second one
    assert queued(app) == 1


def test_a_deferred_task_waits_for_its_own_slot(client, write_headers, user, twilio, app, paused_worker, monkeypatch):
    override_settings(app, monkeypatch, SMS_RATE_LIMIT="1 per minute")  # one send per 60 s
    ids = [make_txn(client, write_headers, user["id"])["id"] for _ in range(4)]
    assert services.deliver(ids[0])["result"] == "sent"
    second, third = services.deliver(ids[1]), services.deliver(ids[2])
    assert second["result"] == third["result"] == "deferred"
    assert 50 < second["countdown"] <= 60 and 110 < third["countdown"] <= 120  # consecutive slots
    # Deferred to its slot: the sweeper sees a live task even with no grace at all.
    override_settings(app, monkeypatch, NOTIFICATION_PENDING_GRACE_SECONDS=0)
    due = note(ids[1])["due_at"]
    assert sweeper.sweep()["enqueued"] == 1  # only ids[3], whose stats step never ran here
    assert note(ids[1])["due_at"] == due
    # At its slot the task sends without booking again: the next booking is the 4th slot.
    assert services.deliver(ids[1], slot_booked=True)["result"] == "sent"
    assert 170 < services.deliver(ids[3])["countdown"] <= 180
    assert len(twilio.messages) == 2


def test_finished_or_skipped_sms_book_no_slot(client, write_headers, user, app, paused_worker, monkeypatch):
    override_settings(app, monkeypatch, SMS_RATE_LIMIT="1 per minute")
    ids = [make_txn(client, write_headers, user["id"])["id"] for _ in range(3)]
    assert [services.deliver(i)["result"] for i in ids] == ["skipped"] * 3  # Twilio not configured
    assert services.deliver(ids[0])["result"] == "noop"
    assert services.deliver(str(ObjectId()))["result"] == "noop"
    assert pacing.reserve_slot() == 0.0  # no slot was booked by any of them


def test_pacing_spec():
    assert pacing.spacing("20 per second") == 0.05 and pacing.spacing("600/minute") == 0.1
    assert pacing.spacing("1 per hour") == 3600
