"""Request and response schemas of users."""

from marshmallow import Schema, fields, validate

from webapp.fields import Pattern, Text
from webapp.pagination import page_schema

E164 = Pattern(r"^\+[1-9][0-9]{7,14}$", error="Must be an E.164 phone number like +233241234567.")


class UserCreateSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone_number = fields.String(required=True, validate=E164)
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=256))


class UserUpdateSchema(Schema):
    name = Text(validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=254))
    phone_number = fields.String(validate=E164)
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=256))


class UserSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone_number = fields.String(required=True)
    balance = fields.String(required=True, metadata={"description": "Credits minus debits, decimal string."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


UserPageSchema = page_schema(UserSchema, "UserPage")
