"""Request and response schemas of the audit trail."""

from marshmallow import Schema, fields, validate

from webapp.fields import Integer, Pattern, UtcDateTime, UtcIsoString
from webapp.pagination import CursorArgsSchema, cursor_page_schema

METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


class AuditArgsSchema(CursorArgsSchema):
    api_key_id = fields.String(validate=Pattern(r"^[0-9a-f]{24}$", error="Must be an API key id."))
    method = fields.String(validate=validate.OneOf(METHODS))
    status = Integer(validate=validate.Range(min=100, max=599))
    since = UtcDateTime(metadata={"description": "Records at or after this time."})
    until = UtcDateTime(metadata={"description": "Records before this time."})


class AuditRecordSchema(Schema):
    id = fields.String(attribute="_id", required=True)
    at = UtcIsoString(required=True)
    api_key_id = fields.String(required=True, allow_none=True)
    method = fields.String(required=True)
    route = fields.String(required=True, allow_none=True, metadata={"example": "/api/v1/users/<user_id>"})
    resource_id = fields.String(required=True, allow_none=True)
    status = fields.Integer(required=True)
    request_id = fields.String(required=True, allow_none=True)
    client_ip = fields.String(required=True, allow_none=True)


AuditPageSchema = cursor_page_schema(AuditRecordSchema, "AuditPage")
