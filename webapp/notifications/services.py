"""Transaction SMS through Twilio: exactly one message per transaction.

Outbox: a transaction is inserted with `notification.status = "pending"` (the state is the
transaction's, stored and changed only through `webapp.transactions.store`); its statistics step,
once the balance counts it, publishes `send_sms` (`webapp.transactions.services.publish_first_sms`).
If a publish fails, the sweeper (`webapp.notifications.sweeper`) publishes it later.

The statistics are counted before the text is composed: normally by the statistics step that
published this task; when the sweeper published it because that step was late or lost, this task
counts them first (`webapp.transactions.services.settle`, only when behind: one guarded event, never twice),
so the balance in the SMS always includes the transaction.

At most one live task per notification: every publish is a compare-and-set on
`notification.publishes` that also stamps `notification.due_at` (when the live task should run); a
task deferred by the pace or a retry moves `due_at` to its own future time. The sweeper publishes
only for notifications with no live task: pending and `due_at` older than
NOTIFICATION_PENDING_GRACE_SECONDS.

Pace (SMS_RATE_LIMIT): `deliver` books a slot (`pacing.reserve_slot`) only for a notification that
is pending and will really be sent; a task whose slot is in the future defers itself to that slot
(already booked) instead of asking again. A skipped SMS (Twilio not configured) books no slot.

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
from datetime import timedelta

import requests
from twilio.base.exceptions import TwilioRestException

from webapp.clock import utcnow
from webapp.ids import object_id
from webapp.money import grouped
from webapp.notifications import pacing, twilio_client
from webapp.provenance import source_label
from webapp.settings import current as current_settings
from webapp.transactions import services as transactions
from webapp.transactions import store
from webapp.users import services as users

log = logging.getLogger(__name__)
BACKOFF_CAP_SECONDS = 600


def twilio_configured(cfg) -> bool:
    return bool(cfg.transactions.TWILIO_ACCOUNT_SID and cfg.transactions.TWILIO_AUTH_TOKEN)


def deliver(transaction_id: str, slot_booked: bool = False) -> dict:
    """The SMS task's body: pace, then `send_transaction_sms`. Returns its outcome, or
    {"result": "deferred", "countdown": s}: the slot booked for this notification is `s` seconds
    away; the caller runs this again then with `slot_booked=True` (no second booking)."""
    cfg = current_settings()
    oid = object_id(transaction_id)
    if oid is None:
        return {"result": "noop"}
    if twilio_configured(cfg) and not slot_booked:
        if not store.sms_pending(oid):
            return {"result": "noop"}  # sent, claimed elsewhere or gone: no slot spent
        wait = pacing.reserve_slot()
        if wait > 0:
            store.defer_sms(oid, utcnow() + timedelta(seconds=wait))
            return {"result": "deferred", "countdown": wait}
    return send_transaction_sms(transaction_id)


def compose(doc: dict, balance_cents: int) -> str:
    verb = "credited" if doc["transaction_type"] == "credit" else "debited"
    cur = doc["currency"]
    return (
        f"Fido: your account was {verb} with {cur} {grouped(doc['amount_cents'])} on "
        f"{doc['transaction_date'].date().isoformat()}. Balance: {cur} {grouped(balance_cents)}"
    )


def backoff(attempt: int) -> float:
    """Full jitter: uniform in [0, base * 2^(attempt-1)], capped."""
    base = float(current_settings().transactions.SMS_RETRY_BACKOFF_SECONDS)
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, attempt - 1)))


def _finish(oid, attempts: int, status: str, **fields) -> None:
    store.record_sid(oid, attempts, status, utcnow(), **fields)


def send_transaction_sms(transaction_id: str) -> dict:
    """Claim and send the SMS of one transaction. Returns {"result": ...}: "sent", "skipped",
    "failed", "ambiguous", "noop" (not pending: done, claimed elsewhere, or gone) or "retry" with
    "countdown" (seconds) for the caller to schedule the next attempt."""
    cfg = current_settings()
    oid = object_id(transaction_id)
    if oid is None:
        return {"result": "noop"}
    doc = store.claim_sms(oid, utcnow())
    if doc is None:
        return {"result": "noop"}
    attempts = doc["notification"]["attempts"]
    if attempts > 1 + int(cfg.transactions.SMS_MAX_RETRIES):
        _finish(oid, attempts, "failed", error_code="max_attempts")
        return {"result": "failed"}
    phone = users.phone_number(doc["user_id"])
    if phone is None:
        _finish(oid, attempts, "failed", error_code="no_user")
        return {"result": "failed"}
    if not twilio_configured(cfg):
        log.info("SMS of transaction %s skipped: Twilio is not configured", transaction_id)
        _finish(oid, attempts, "skipped")
        return {"result": "skipped"}
    if doc.get("stats_pending") is not None or (doc.get("stats_version") or 0) < doc["version"]:
        transactions.settle(transaction_id)  # published by the sweeper before its statistics step
    body = compose(doc, transactions.balances([doc["user_id"]]).get(doc["user_id"], 0))
    try:
        message = twilio_client.get_client(cfg).messages.create(**_message_args(cfg, phone, body, oid))
    except TwilioRestException as exc:
        if exc.status == 429 or exc.status >= 500:
            return _transient(oid, attempts, str(exc.code or exc.status))
        _finish(oid, attempts, "failed", error_code=str(exc.code or exc.status))
        return {"result": "failed"}
    except requests.RequestException as exc:
        if twilio_client.never_reached_twilio(exc):
            return _transient(oid, attempts, "connection")
        log.warning("SMS of %s: ambiguous failure, not resending: %s", transaction_id, type(exc).__name__)
        _finish(oid, attempts, "sending", error_code="timeout")
        return {"result": "ambiguous"}
    _finish(oid, attempts, "sent", message_sid=message.sid, error_code=None, provider=source_label("twilio"))
    return {"result": "sent", "message_sid": message.sid}


def _message_args(cfg, to: str, body: str, oid) -> dict:
    args = {"to": to, "body": body}
    if cfg.transactions.TWILIO_MESSAGING_SERVICE_SID:
        args["messaging_service_sid"] = cfg.transactions.TWILIO_MESSAGING_SERVICE_SID
    else:
        args["from_"] = cfg.transactions.TWILIO_FROM_NUMBER
    if cfg.platform.PUBLIC_BASE_URL:
        args["status_callback"] = f"{cfg.platform.PUBLIC_BASE_URL.rstrip('/')}/api/v1/webhooks/twilio/status?tx={oid}"
    return args


def _transient(oid, attempts: int, error_code: str) -> dict:
    if attempts >= 1 + int(current_settings().transactions.SMS_MAX_RETRIES):
        _finish(oid, attempts, "failed", error_code=error_code)
        return {"result": "failed"}
    countdown = backoff(attempts)
    retry_at = utcnow() + timedelta(seconds=countdown)
    _finish(oid, attempts, "pending", error_code=error_code, retry_at=retry_at, due_at=retry_at)
    return {"result": "retry", "countdown": countdown}


def count_by_status() -> dict[str, int]:
    """Transactions per SMS state (`{"sent": 12, ...}`), for the metrics gauge. One `$group` over the
    collection: callers cache it (the metrics read it at most every 10 s)."""
    return store.count_by_sms_status()
