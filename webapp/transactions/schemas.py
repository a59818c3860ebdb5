"""Request and response schemas of transactions and analytics. Responses dump what the services
return: stored transaction documents (`_id`, `amount_cents`, `notification`) and `Analytics`."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.fields import Amount, Pattern, Text, UtcDateTime
from webapp.money import Cents
from webapp.pagination import PageArgsSchema, page_schema
from webapp.transactions.models import NOTIFICATION_STATUSES, TYPES

MAX_AMOUNT = 10**12


class TransactionCreateSchema(Schema):
    user_id = Text(required=True, validate=validate.Length(min=1, max=64))
    full_name = Text(required=True, validate=validate.Length(min=1, max=200))
    transaction_date = UtcDateTime(required=True)
    transaction_amount = Amount(places=2, maximum=MAX_AMOUNT, required=True)
    transaction_type = fields.String(required=True, validate=validate.OneOf(TYPES))
    currency = fields.String(validate=Pattern(r"^[A-Z]{3}$", error="Must be an ISO 4217 code like GHS."))


class TransactionUpdateSchema(Schema):
    OPENAPI_EXTRA = {"minProperties": 1}  # the document states what `_not_empty` enforces

    full_name = Text(validate=validate.Length(min=1, max=200))
    transaction_date = UtcDateTime()
    transaction_amount = Amount(places=2, maximum=MAX_AMOUNT)
    transaction_type = fields.String(validate=validate.OneOf(TYPES))

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", field_name="_schema")


class NotificationSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(NOTIFICATION_STATUSES))
    message_sid = fields.String(allow_none=True, dump_default=None)
    provider = fields.String(
        allow_none=True, dump_default=None, metadata={"description": 'who sent it: "twilio" or "demo-twilio"'}
    )
    error_code = fields.String(allow_none=True, dump_default=None)
    attempts = fields.Integer(required=True)
    updated_at = fields.DateTime(allow_none=True, dump_default=None)


class TransactionSchema(Schema):
    id = fields.String(required=True, attribute="_id")
    user_id = fields.String(required=True)
    full_name = fields.String(required=True)
    transaction_date = fields.DateTime(required=True)
    transaction_amount = Cents(
        required=True, attribute="amount_cents", metadata={"description": 'Decimal string, e.g. "120.50".'}
    )
    transaction_type = fields.String(required=True)
    currency = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    notification = fields.Nested(NotificationSchema, required=True)


TransactionPageSchema = page_schema(TransactionSchema, "TransactionPage")


class DayRangeSchema(Schema):
    """Inclusive UTC day range `from`..`to` (YYYY-MM-DD)."""

    from_day = fields.Date(data_key="from", load_default=None)
    to_day = fields.Date(data_key="to", load_default=None)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_day") and data.get("to_day") and data["from_day"] > data["to_day"]:
            raise ValidationError("'from' must not be after 'to'.", field_name="from")


class TransactionListArgsSchema(PageArgsSchema, DayRangeSchema):
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))


class BusiestDaySchema(Schema):
    date = fields.String(required=True)
    count = fields.Integer(required=True)


class FactorSchema(Schema):
    name = fields.String(required=True)
    impact = fields.String(required=True, metadata={"description": "positive, neutral or negative"})
    points = fields.Integer(required=True, metadata={"description": "Points this factor adds above 300."})
    detail = fields.String(required=True)


class CreditScoreSchema(Schema):
    score = fields.Integer(required=True)
    band = fields.String(required=True)
    factors = fields.List(fields.Nested(FactorSchema), required=True)


class AnalyticsSchema(Schema):
    user_id = fields.String(required=True)
    from_day = fields.Date(data_key="from", allow_none=True)
    to_day = fields.Date(data_key="to", allow_none=True)
    transaction_count = fields.Integer(required=True)
    total_credit = Cents(required=True, attribute="credit_cents")
    total_debit = Cents(required=True, attribute="debit_cents")
    balance = Cents(required=True, attribute="balance_cents")
    average_transaction_value = fields.String(required=True)
    day_with_most_transactions = fields.Nested(BusiestDaySchema, allow_none=True)
    credit_score = fields.Nested(CreditScoreSchema, required=True)
    as_of = fields.DateTime(required=True)


class DailyItemSchema(Schema):
    date = fields.Date(required=True)
    transactions = fields.Integer(required=True)
    credit = fields.String(required=True, metadata={"description": 'Decimal string, e.g. "120.50".'})
    debit = fields.String(required=True)
    balance = fields.String(required=True, metadata={"description": "Balance at the end of the UTC day."})


class DailySchema(Schema):
    user_id = fields.String(required=True)
    from_day = fields.Date(data_key="from", required=True)
    to_day = fields.Date(data_key="to", required=True)
    items = fields.List(fields.Nested(DailyItemSchema), required=True)
