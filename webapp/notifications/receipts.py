"""Delivery receipts: Twilio's signed status callbacks update the notification.

The signature (`X-Twilio-Signature`) is checked first with the auth token over the URL Twilio
called: PUBLIC_BASE_URL + path + query when configured (behind a proxy the request URL differs),
else the request URL. Statuses only move forward (a late "sent" never overwrites "delivered").
The callback URL carries our transaction id (`?tx=`), so a message whose creation answer was lost
(ambiguous timeout) is still matched and gets its SID.
"""

from __future__ import annotations

from marshmallow import ValidationError
from twilio.request_validator import RequestValidator

from webapp.clock import utcnow
from webapp.errors import DomainError, Invalid
from webapp.ids import object_id
from webapp.notifications.schemas import CALLBACK_STATUS, StatusCallbackSchema
from webapp.settings import current as current_settings
from webapp.transactions import store

# The statuses each new status may replace.
# Tuples (immutable); each query gets a list of its own.
_MAY_REPLACE = {
    "sent": ("sending", "sent"),
    "delivered": ("sending", "sent"),
    "undelivered": ("sending", "sent"),
    "failed": ("sending", "sent"),
}


class Forbidden(DomainError):
    status = 403


def callback_url(request_url: str, path_and_query: str) -> str:
    base = current_settings().platform.PUBLIC_BASE_URL
    return base.rstrip("/") + path_and_query if base else request_url


def handle_status_callback(url: str, params: dict, signature: str, tx_hint: str | None) -> str:
    """Validate and apply one receipt; returns the resulting status, or "ignored"."""
    token = current_settings().transactions.TWILIO_AUTH_TOKEN
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        raise Forbidden("Invalid or missing X-Twilio-Signature.")
    try:
        data = StatusCallbackSchema().load(params)
    except ValidationError as exc:
        raise Invalid(errors={"form": exc.messages}) from None
    status = CALLBACK_STATUS[data["MessageStatus"]]
    hinted = object_id(tx_hint) if tx_hint else None
    applied = store.record_receipt(
        data["MessageSid"], hinted, status, _MAY_REPLACE[status], data["ErrorCode"], utcnow()
    )
    return status if applied else "ignored"
