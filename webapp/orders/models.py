"""Orders, the cap ledger and idempotency records."""

from __future__ import annotations

import mongoengine as me

from webapp.money import CURRENCIES


class Order(me.Document):
    amount = me.Decimal128Field(required=True)
    currency = me.StringField(required=True, choices=CURRENCIES)
    exchange_rate = me.Decimal128Field(required=True)  # fiat per 1 BTC at pricing time
    btc_amount = me.Decimal128Field(required=True)  # 8 decimal places, rounded up
    btc_sat = me.LongField(required=True)  # btc_amount in satoshis: what the cap ledger counts
    rate_source = me.StringField(required=True)
    rate_fetched_at = me.DateTimeField(required=True)
    api_key_id = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "btc_orders",
        # The cursor list sorts and ranges on (created_at, _id), both descending.
        "indexes": [{"fields": ["-created_at", "-id"]}],
    }


class CapLedger(me.Document):
    """One document, `_id: "btc_cap"`, holding the satoshis sold so far and the order count. Only
    ever changed by a conditional `$inc` (reserve) or a negative `$inc` (release of a failed insert)."""

    id = me.StringField(primary_key=True)
    sold_sat = me.LongField(required=True, default=0)
    orders = me.LongField(required=True, default=0)

    meta = {"collection": "btc_cap_ledger"}


class IdempotencyRecord(me.Document):
    """The first response to (API key, Idempotency-Key). `state` is "in_progress" while the first
    request runs, then "done" with `status` and the `order_id` it created (a replay answers that
    order). MongoDB's TTL monitor deletes a record after
    `expires_at` (created_at + IDEMPOTENCY_TTL_SECONDS); the code also ignores expired records, because
    the monitor runs only once a minute and mongomock has none."""

    scope = me.StringField(required=True)  # the API key id
    key = me.StringField(required=True, max_length=255)
    fingerprint = me.StringField(required=True)  # SHA-256 of the canonical parsed body
    state = me.StringField(required=True, choices=("in_progress", "done"))
    status = me.IntField()
    order_id = me.ObjectIdField()
    body = me.DictField()  # the response, in records of the previous release only (see _recorded_order)
    created_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "idempotency_keys",
        "indexes": [
            {"fields": ["scope", "key"], "unique": True},
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }
