"""Response schemas of the encryption admin view."""

from marshmallow import Schema, fields


class KeyCountSchema(Schema):
    key_id = fields.String(required=True, metadata={"description": "First 8 hex digits of SHA-256 of the key."})
    count = fields.Integer(required=True)
    configured = fields.Boolean(required=True, metadata={"description": "False: no configured key opens them."})


class RotationStateSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["running", "succeeded", "failed"]})
    primary_key_id = fields.String(required=True)
    total = fields.Integer(required=True)
    scanned = fields.Integer(required=True)
    resealed = fields.Integer(required=True)
    unreadable = fields.Integer(required=True)


class KeyUsageSchema(Schema):
    primary_key_id = fields.String(required=True)
    configured_key_ids = fields.List(fields.String(), required=True)
    values = fields.List(fields.Nested(KeyCountSchema), required=True)
    unsealed = fields.Integer(required=True, metadata={"description": "Non-empty values stored in clear."})
    last_rotation = fields.Nested(RotationStateSchema, required=True, allow_none=True)
