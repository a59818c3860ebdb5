"""Request and response schemas of BTC orders."""

from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from webapp.fields import Amount, DecimalString, Pattern, UtcIsoString, any_case_pattern
from webapp.money import CURRENCIES
from webapp.pagination import CursorArgsSchema, cursor_page_schema

# 1-255 printable ASCII characters, not starting or ending with a space.
IDEMPOTENCY_KEY = r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$"


class Currency(fields.String):
    """EUR, GBP or USD in any case; loaded upper-case (documented as a pattern: an enum cannot
    say "any case")."""

    def __init__(self, **kwargs):
        super().__init__(validate=Pattern(any_case_pattern(CURRENCIES)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text.upper() not in CURRENCIES:
            raise ValidationError(f"Must be one of {', '.join(CURRENCIES)} (any case).")
        return text.upper()


class OrderCreateSchema(Schema):
    currency = Currency(required=True)
    amount = Amount(places=2, maximum=Decimal("1000000000"), required=True, metadata={"example": "69.00"})


class IdempotencyHeaderSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # every other header

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=Pattern(IDEMPOTENCY_KEY, error="Must be 1-255 printable ASCII characters."),
    )


class OrderSchema(Schema):
    """Dumps a stored order document: decimals (Decimal128) as exact strings, times in UTC."""

    id = fields.String(attribute="_id", required=True)
    amount = DecimalString(required=True, metadata={"example": "69.00"})
    currency = fields.String(required=True)
    exchange_rate = DecimalString(required=True, metadata={"description": "Fiat per 1 BTC."})
    btc_amount = DecimalString(required=True, metadata={"example": "0.00112678"})
    rate_source = fields.String(required=True)
    rate_fetched_at = UtcIsoString(required=True)
    created_at = UtcIsoString(required=True)


OrderPageSchema = cursor_page_schema(OrderSchema, "OrderPage")


class OrderListArgsSchema(CursorArgsSchema):
    pass


class OrderSummarySchema(Schema):
    orders_count = fields.Integer(required=True)
    total_btc = fields.String(required=True)
    cap_btc = fields.String(required=True)
    remaining_btc = fields.String(required=True)
