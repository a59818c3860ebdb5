"""The price history: one document per usable quote, rates as Decimal128 (exact)."""

from __future__ import annotations

import mongoengine as me


class PriceQuote(me.Document):
    source = me.StringField(required=True, max_length=50)
    fetched_at = me.DateTimeField(required=True)
    # {"EUR": Decimal128, "GBP": ..., "USD": ...}: fiat per 1 BTC.
    rates = me.DictField(required=True)

    meta = {
        "collection": "btc_price_history",
        # Latest quote (fallback when Redis is down) and retention pruning both range on fetched_at.
        "indexes": [{"fields": ["-fetched_at"]}],
    }
