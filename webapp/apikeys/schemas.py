"""Request and response schemas of API key management."""

from marshmallow import Schema, fields, validate

from webapp.apikeys.models import SCOPES
from webapp.fields import Text


class ApiKeyCreateSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=100))
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))


class ApiKeySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    scope = fields.String(required=True)
    prefix = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class ApiKeyCreatedSchema(Schema):
    """Dumps a `webapp.apikeys.services.IssuedKey` (the new key's document and its secret)."""

    id = fields.String(required=True, attribute="record.id")
    name = fields.String(required=True, attribute="record.name")
    scope = fields.String(required=True, attribute="record.scope")
    prefix = fields.String(required=True, attribute="record.prefix")
    created_at = fields.DateTime(required=True, attribute="record.created_at")
    key = fields.String(required=True, metadata={"description": "The secret key, shown only once."})


class ApiKeyListSchema(Schema):
    items = fields.List(fields.Nested(ApiKeySchema), required=True)
