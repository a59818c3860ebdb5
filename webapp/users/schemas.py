"""Request and response schemas of users."""

from marshmallow import Schema, fields, validate

from webapp.fields import Pattern, Text
from webapp.money import Cents
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
    """Dumps a `webapp.users.services.Account` (the user and its balance)."""

    id = fields.String(required=True, attribute="user.id")
    name = fields.String(required=True, attribute="user.name")
    email = fields.String(required=True, attribute="user.email")
    phone_number = fields.String(required=True, attribute="user.phone_number")
    balance = Cents(
        required=True, attribute="balance_cents", metadata={"description": "Credits minus debits, decimal string."}
    )
    created_at = fields.DateTime(required=True, attribute="user.created_at")
    updated_at = fields.DateTime(required=True, attribute="user.updated_at")


UserPageSchema = page_schema(UserSchema, "UserPage")
