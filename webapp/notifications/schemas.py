"""Twilio's status callback form (only the fields we use; Twilio sends many more)."""

from marshmallow import EXCLUDE, Schema, fields, validate

from webapp.fields import Pattern

# Twilio callback MessageStatus -> our notification status.
CALLBACK_STATUS = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}


class StatusCallbackSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # AccountSid, From, To, SmsSid, ApiVersion, ...

    MessageSid = fields.String(required=True, validate=Pattern(r"^(SM|MM)[0-9a-fA-F]{32}$"))
    MessageStatus = fields.String(required=True, validate=validate.OneOf(sorted(CALLBACK_STATUS)))
    ErrorCode = fields.String(load_default=None, validate=validate.Length(max=10))
