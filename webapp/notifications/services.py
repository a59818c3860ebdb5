"""Transaction SMS through Twilio: exactly one message per transaction.

Outbox: a transaction is inserted with `notification.status = "pending"`, then `send_sms` is
enqueued; if enqueueing fails, `sweep` (beat) re-enqueues it later.

Exactly once: `send_transaction_sms` first *claims* the notification with one conditional update
(pending -> sending, attempts + 1). Only the claimer calls Twilio, so redelivery, retries, the
sweeper and racing workers cannot send twice. The outcome is recorded conditionally on that same
claim (status sending, same attempt number):
- 201: `sent` with the Message SID.
- 4xx other than 429 (21211 invalid number, 21610 unsubscribed, ...): `failed` with Twilio's code.
- 429, 5xx, and connection failures that certainly never reached Twilio: back to `pending`, and the
  task retries with exponential backoff and full jitter; after SMS_MAX_RETRIES retries, `failed`.
- A read timeout (or a dropped response) is ambiguous: Twilio may have created the message. We do
  NOT resend; the notification stays `sending` (error_code "timeout"). Each send carries a
  StatusCallback with our transaction id (when PUBLIC_BASE_URL is set), so if the message exists
  its receipt records the SID and a final status. The sweeper never puts it back.
- A notification still `sending` after NOTIFICATION_STUCK_SECONDS with no timeout recorded was
  claimed by a worker that died before recording any outcome; the sweeper puts it back to
  `pending`, bounded by the attempt limit. (Had it died just after Twilio accepted, this sends a
  second SMS: Twilio's API has no idempotency key, so this crash window is the one residual risk.)
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta

import requests
from flask import current_app
from pymongo import ReturnDocument
from twilio.base.exceptions import TwilioRestException

from webapp.extensions import get_redis
from webapp.ids import object_id
from webapp.notifications import outbox, twilio_client
from webapp.notifications.models import Transaction
from webapp.provenance import source_label
from webapp.transactions import stats
from webapp.transactions.money import grouped
from webapp.users.models import User

log = logging.getLogger(__name__)
BACKOFF_CAP_SECONDS = 600


def initial_state(now: datetime) -> dict:
    return {"status": "pending", "message_sid": None, "error_code": None, "attempts": 0, "updated_at": now}


def enqueue_sms(transaction_id) -> bool:
    """Publish `notifications.send_sms`; False when the broker is unreachable (see outbox)."""
    return outbox.enqueue("notifications.send_sms", str(transaction_id))


def compose(doc: dict, balance_cents: int) -> str:
    verb = "credited" if doc["transaction_type"] == "credit" else "debited"
    cur = doc["currency"]
    return (
        f"Fido: your account was {verb} with {cur} {grouped(doc['amount_cents'])} on "
        f"{doc['transaction_date'].date().isoformat()}. Balance: {cur} {grouped(balance_cents)}"
    )


def backoff(attempt: int) -> float:
    """Full jitter: uniform in [0, base * 2^(attempt-1)], capped."""
    base = float(current_app.config["SMS_RETRY_BACKOFF_SECONDS"])
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, attempt - 1)))


def _finish(oid, attempts: int, status: str, **fields) -> None:
    now = datetime.now(UTC)
    update = {"notification.status": status, "notification.updated_at": now}
    update.update({f"notification.{k}": v for k, v in fields.items()})
    Transaction._get_collection().update_one(
        {"_id": oid, "notification.status": "sending", "notification.attempts": attempts}, {"$set": update}
    )


def _claim(oid) -> dict | None:
    now = datetime.now(UTC)
    return Transaction._get_collection().find_one_and_update(
        {"_id": oid, "deleted": False, "notification.status": "pending"},
        {
            "$set": {
                "notification.status": "sending",
                "notification.sending_since": now,
                "notification.updated_at": now,
            },
            "$inc": {"notification.attempts": 1},
        },
        return_document=ReturnDocument.AFTER,
    )


def send_transaction_sms(transaction_id: str) -> dict:
    """Claim and send the SMS of one transaction. Returns {"result": ...}: "sent", "skipped",
    "failed", "ambiguous", "noop" (not pending: done, claimed elsewhere, or gone) or "retry" with
    "countdown" (seconds) for the caller to schedule the next attempt."""
    cfg = current_app.config
    oid = object_id(transaction_id)
    if oid is None:
        return {"result": "noop"}
    doc = _claim(oid)
    if doc is None:
        return {"result": "noop"}
    attempts = doc["notification"]["attempts"]
    if attempts > 1 + int(cfg["SMS_MAX_RETRIES"]):
        _finish(oid, attempts, "failed", error_code="max_attempts")
        return {"result": "failed"}
    user = User.objects(id=doc["user_id"]).only("phone_number").as_pymongo().first()
    if user is None:
        _finish(oid, attempts, "failed", error_code="no_user")
        return {"result": "failed"}
    stats.apply_transaction(transaction_id)  # so the balance in the text includes this transaction
    body = compose(doc, stats.balances([doc["user_id"]]).get(doc["user_id"], 0))
    if not (cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN")):
        log.info("SMS not sent (no Twilio credentials) to %s: %s", user["phone_number"], body)
        _finish(oid, attempts, "skipped")
        return {"result": "skipped"}
    try:
        message = twilio_client.get_client(cfg).messages.create(**_message_args(cfg, user["phone_number"], body, oid))
    except TwilioRestException as exc:
        if exc.status == 429 or exc.status >= 500:
            return _transient(oid, attempts, str(exc.code or exc.status))
        _finish(oid, attempts, "failed", error_code=str(exc.code or exc.status))
        return {"result": "failed"}
    except requests.RequestException as exc:
        if twilio_client.never_reached_twilio(exc):
            return _transient(oid, attempts, "connection")
        log.warning("SMS of %s: ambiguous failure, not resending: %s", transaction_id, exc)
        _finish(oid, attempts, "sending", error_code="timeout")
        return {"result": "ambiguous"}
    _finish(oid, attempts, "sent", message_sid=message.sid, error_code=None, provider=source_label("twilio"))
    return {"result": "sent", "message_sid": message.sid}


def _message_args(cfg, to: str, body: str, oid) -> dict:
    args = {"to": to, "body": body}
    if cfg.get("TWILIO_MESSAGING_SERVICE_SID"):
        args["messaging_service_sid"] = cfg["TWILIO_MESSAGING_SERVICE_SID"]
    else:
        args["from_"] = cfg["TWILIO_FROM_NUMBER"]
    if cfg.get("PUBLIC_BASE_URL"):
        args["status_callback"] = f"{cfg['PUBLIC_BASE_URL'].rstrip('/')}/api/v1/webhooks/twilio/status?tx={oid}"
    return args


def _transient(oid, attempts: int, error_code: str) -> dict:
    if attempts >= 1 + int(current_app.config["SMS_MAX_RETRIES"]):
        _finish(oid, attempts, "failed", error_code=error_code)
        return {"result": "failed"}
    countdown = backoff(attempts)
    retry_at = datetime.now(UTC) + timedelta(seconds=countdown)
    _finish(oid, attempts, "pending", error_code=error_code, retry_at=retry_at)
    return {"result": "retry", "countdown": countdown}


def rate_limit_delay() -> float:
    """Seconds to wait before another SMS may go out under the global SMS_RATE_LIMIT ("10/s",
    "600/m"), counted in a fixed window in Redis shared by every worker; 0 when allowed. Fails open
    (0) when the cache Redis is unreachable."""
    spec = str(current_app.config.get("SMS_RATE_LIMIT") or "")
    try:
        limit, unit = spec.split("/")
        period = {"s": 1, "m": 60, "h": 3600}[unit.strip()[0]]
        limit = int(limit)
    except (ValueError, KeyError, IndexError):
        return 0.0
    now = time.time()
    window = int(now // period)
    key = f"fido:sms-rate:{period}:{window}"
    try:
        pipe = get_redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, period * 2)
        used = pipe.execute()[0]
    except Exception as exc:
        log.warning("SMS rate limit unavailable, sending anyway: %s", exc)
        return 0.0
    if used <= limit:
        return 0.0
    return (window + 1) * period - now + random.uniform(0, period / 10)


def sweep(limit: int = 500) -> dict:
    """Re-enqueue notifications left `pending` past NOTIFICATION_PENDING_GRACE_SECONDS (and past
    their scheduled retry, so the backoff holds), and put back to `pending` (then enqueue) those stuck
    in `sending` past NOTIFICATION_STUCK_SECONDS because a worker died mid-send. A send that timed out
    after reaching Twilio (`error_code` "timeout") is never put back: Twilio may have the message, so
    only a delivery receipt moves it on; resending could deliver a second SMS."""
    cfg = current_app.config
    coll = Transaction._get_collection()
    now = datetime.now(UTC)
    pending_before = now - timedelta(seconds=int(cfg["NOTIFICATION_PENDING_GRACE_SECONDS"]))
    stuck_before = now - timedelta(seconds=int(cfg["NOTIFICATION_STUCK_SECONDS"]))
    enqueued = reclaimed = 0
    for doc in coll.find(
        {
            "notification.status": "pending",
            "notification.updated_at": {"$lte": pending_before},
            "notification.retry_at": {"$not": {"$gt": now}},
            "deleted": False,
        },
        {"_id": 1},
    ).limit(limit):
        enqueued += enqueue_sms(doc["_id"])
    for doc in coll.find(
        {
            "notification.status": "sending",
            "notification.updated_at": {"$lte": stuck_before},
            "notification.error_code": {"$ne": "timeout"},
        },
        {"_id": 1, "notification": 1},
    ).limit(limit):
        back = coll.update_one(
            {
                "_id": doc["_id"],
                "notification.status": "sending",
                "notification.attempts": doc["notification"]["attempts"],
            },
            {"$set": {"notification.status": "pending", "notification.updated_at": now}},
        )
        if back.modified_count:
            reclaimed += 1
            enqueued += enqueue_sms(doc["_id"])
    return {"enqueued": enqueued, "reclaimed": reclaimed}
