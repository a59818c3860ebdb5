"""Response schema of the BTC price."""

from marshmallow import Schema, fields


class RatesSchema(Schema):
    EUR = fields.String(required=True)
    GBP = fields.String(required=True)
    USD = fields.String(required=True)


class BtcPriceSchema(Schema):
    base = fields.String(required=True, metadata={"example": "BTC"})
    rates = fields.Nested(RatesSchema, required=True, metadata={"description": "Fiat per 1 BTC, exact."})
    source = fields.String(required=True, metadata={"example": "coingecko"})
    fetched_at = fields.DateTime(required=True)
    age_seconds = fields.Float(required=True)
    stale = fields.Boolean(required=True, metadata={"description": "age_seconds > BTC_PRICE_MAX_AGE_SECONDS"})
