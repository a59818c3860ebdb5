"""Schemas of the BTC price and its history."""

from marshmallow import Schema, fields, post_load, validate

from webapp.fields import UtcDateTime


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


class PriceHistoryArgsSchema(Schema):
    """`currency` in any case; `from`/`to` ISO 8601 (no offset = UTC), default the last 24 h."""

    currency = fields.String(
        load_default="EUR",
        validate=validate.Regexp(r"^([Ee][Uu][Rr]|[Gg][Bb][Pp]|[Uu][Ss][Dd])$", error="Must be EUR, GBP or USD."),
        metadata={"example": "EUR"},
    )
    start = UtcDateTime(data_key="from", load_default=None)
    end = UtcDateTime(data_key="to", load_default=None)
    interval = fields.String(load_default="5m", validate=validate.OneOf(["1m", "5m", "1h", "1d"]))

    @post_load
    def _upper(self, data, **kwargs):
        data["currency"] = data["currency"].upper()
        return data


class OhlcPointSchema(Schema):
    at = fields.DateTime(required=True, metadata={"description": "Start of the interval (UTC)."})
    open = fields.String(required=True)
    high = fields.String(required=True)
    low = fields.String(required=True)
    close = fields.String(required=True)


class PriceHistorySchema(Schema):
    currency = fields.String(required=True)
    interval = fields.String(required=True)
    start = fields.DateTime(data_key="from", required=True)
    end = fields.DateTime(data_key="to", required=True)
    points = fields.List(fields.Nested(OhlcPointSchema), required=True)
