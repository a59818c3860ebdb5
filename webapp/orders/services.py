"""BTC buy orders.

Pricing: `btc_amount = amount / rate`, computed with 60 significant digits and ROUND_CEILING on both
the division and the quantization to 8 places, so the result is the exact ceiling to a whole satoshi
(rounding up at the 60th digit can only push a value up to, never past, the next satoshi boundary).
An order is priced only with a quote at most BTC_PRICE_MAX_AGE_SECONDS old (503 otherwise).

Cap: the ledger document `{_id: "btc_cap", sold_sat, orders}` holds the satoshis sold (and the
number of orders, for the summary). An order reserves its
satoshis with ONE conditional update, `{_id, sold_sat <= cap_sat - order_sat}` + `$inc`, which the
database applies atomically, so the sum can never pass the cap whatever the number of threads,
processes or hosts. Nothing matched -> 409 with remaining_btc. The order is inserted after the
reservation; if that insert fails, the reservation is released with a negative `$inc`.

Idempotency (optional `Idempotency-Key`, scoped to the API key): the request first CLAIMS the key by
inserting an "in_progress" record (unique index on scope+key: exactly one concurrent request wins).
The winner creates the order and stores its 201 response; a refused request (409, 503) releases the
claim so the client may retry with the same key. A loser with the same body waits for the stored
response (up to IDEMPOTENCY_WAIT_SECONDS) and replays it, or gets 409 "in progress"; a different
body with the same key is 422. Records live IDEMPOTENCY_TTL_SECONDS; a claim left "in_progress" for
CLAIM_LEASE_SECONDS by a dead process is taken over by the next request with the key.

Embedded database: mongomock would apply a conditional update or a unique-index insert as a read then
a write; `webapp.extensions` serialises mongomock's writes so they keep the server's single-document
atomicity that this module relies on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, localcontext

from bson import Decimal128, ObjectId
from bson.errors import InvalidId
from flask import current_app
from pymongo.errors import DuplicateKeyError

from webapp.errors import Conflict, Invalid, NotFound
from webapp.ids import object_id_or_404
from webapp.orders.models import CapLedger, IdempotencyRecord, Order
from webapp.pagination import decode_cursor, encode_cursor
from webapp.prices.services import fresh_quote

SAT_PER_BTC = 100_000_000
SATOSHI = Decimal("0.00000001")
LEDGER_ID = "btc_cap"
IDEMPOTENCY_WAIT_SECONDS = 5.0
# An "in_progress" claim older than this was left by a process that died mid-request (creating an
# order takes milliseconds); the next request with the key takes it over instead of waiting 24 hours.
CLAIM_LEASE_SECONDS = 60


def btc_for(amount: Decimal, rate: Decimal) -> Decimal:
    """amount / rate rounded UP to 8 decimal places (a whole satoshi), exactly."""
    with localcontext() as ctx:
        # Enough digits for the whole quotient plus 8 decimals and a margin, however extreme the rate.
        ctx.prec = max(60, amount.adjusted() - rate.adjusted() + 30)
        ctx.rounding = ROUND_CEILING
        return (amount / rate).quantize(SATOSHI, rounding=ROUND_CEILING)


def cap_sat() -> int:
    return int(Decimal(current_app.config["BTC_ORDER_CAP"]) * SAT_PER_BTC)


def sat_to_btc(sat: int) -> str:
    return format(Decimal(sat).scaleb(-8).quantize(SATOSHI), "f")


def _now_millis() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # what MongoDB stores


# ---- the cap ---------------------------------------------------------------------------------------


def _reserve(order_sat: int) -> None:
    """Add `order_sat` to the ledger if the cap allows it (one conditional update), else Conflict."""
    ledger = CapLedger._get_collection()
    limit = cap_sat() - order_sat
    for _attempt in range(2):
        reserved = ledger.update_one(
            {"_id": LEDGER_ID, "sold_sat": {"$lte": limit}}, {"$inc": {"sold_sat": order_sat, "orders": 1}}
        )
        if reserved.matched_count:
            return
        if ledger.find_one({"_id": LEDGER_ID}, {"_id": 1}) is not None:
            break
        _ensure_ledger()  # first order ever: create the ledger, then try once more
    sold = _sold_sat()
    raise Conflict(
        "This order would exceed the BTC order cap.",
        errors={"remaining_btc": sat_to_btc(max(0, cap_sat() - sold))},
    )


def _ensure_ledger() -> None:
    """Create the ledger at 0 if absent; safe when several processes race (upsert on _id)."""
    try:
        CapLedger._get_collection().update_one(
            {"_id": LEDGER_ID}, {"$setOnInsert": {"sold_sat": 0, "orders": 0}}, upsert=True
        )
    except DuplicateKeyError:  # another process's upsert won; the ledger exists
        pass


def _release(order_sat: int) -> None:
    CapLedger._get_collection().update_one({"_id": LEDGER_ID}, {"$inc": {"sold_sat": -order_sat, "orders": -1}})


def _ledger() -> dict:
    return CapLedger._get_collection().find_one({"_id": LEDGER_ID}) or {"sold_sat": 0, "orders": 0}


def _sold_sat() -> int:
    return int(_ledger()["sold_sat"])


# ---- creation --------------------------------------------------------------------------------------


def _create(api_key_id: str, currency: str, amount: Decimal) -> dict:
    quote = fresh_quote()
    rate = quote["rates"][currency]
    btc = btc_for(amount, rate)
    numerator, denominator = btc.as_integer_ratio()
    order_sat = numerator * SAT_PER_BTC // denominator  # exact integer arithmetic (btc has 8 places)
    _reserve(order_sat)
    doc = {
        "_id": ObjectId(),
        "amount": Decimal128(amount),
        "currency": currency,
        "exchange_rate": Decimal128(rate),
        "btc_amount": Decimal128(btc),
        "btc_sat": order_sat,
        "rate_source": quote["source"],
        "rate_fetched_at": quote["fetched_at"],
        "api_key_id": api_key_id,
        "created_at": _now_millis(),
    }
    orders = Order._get_collection()
    try:
        orders.insert_one(doc)
    except BaseException:
        # Release only when the order is known to be absent: an insert that failed ambiguously (a
        # network error after the write) may have stored it, and a reservation too many is the safe side.
        with contextlib.suppress(Exception):
            if orders.find_one({"_id": doc["_id"]}, {"_id": 1}) is None:
                _release(order_sat)
        raise
    return public(doc)


def create_order(api_key_id: str, body: dict, idempotency_key: str | None = None) -> tuple[dict, int, bool]:
    """Create an order from the validated `body` ({"currency", "amount"}).
    Returns (response body, status, replayed)."""
    if idempotency_key is None:
        return _create(api_key_id, body["currency"], body["amount"]), 201, False
    fingerprint = _fingerprint(body)
    for _attempt in range(3):
        claim = _claim(api_key_id, idempotency_key, fingerprint)
        if claim is not None:
            break
        stored = _wait_for_answer(api_key_id, idempotency_key, fingerprint)
        if stored is not None:  # a previous request with this key owns the answer
            return stored["body"], stored["status"], True
        # else the first request was refused and released the key: claim it again
    else:
        raise Conflict("A request with this Idempotency-Key is in progress; retry later.")
    records = IdempotencyRecord._get_collection()
    try:
        result = _create(api_key_id, body["currency"], body["amount"])
    except BaseException:
        records.delete_one({"_id": claim, "state": "in_progress"})  # let the client retry the key
        raise
    records.update_one({"_id": claim}, {"$set": {"state": "done", "status": 201, "body": result}})
    return result, 201, False


def _fingerprint(body: dict) -> str:
    canonical = json.dumps(
        {"currency": body["currency"], "amount": format(body["amount"], "f")}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(scope: str, key: str, fingerprint: str):
    """Insert the in-progress record; its id when this request owns the key, None when another did."""
    records = IdempotencyRecord._get_collection()
    now = datetime.now(UTC)
    ttl = current_app.config["IDEMPOTENCY_TTL_SECONDS"]
    for _attempt in range(3):
        doc = {
            "_id": ObjectId(),
            "scope": scope,
            "key": key,
            "fingerprint": fingerprint,
            "state": "in_progress",
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl),
        }
        try:
            records.insert_one(doc)
            return doc["_id"]
        except DuplicateKeyError:
            # An expired record not yet removed by the TTL monitor, or an abandoned claim, is deleted
            # (conditionally, so only one request does it) and the claim retried.
            abandoned = now - timedelta(seconds=CLAIM_LEASE_SECONDS)
            dead = {
                "scope": scope,
                "key": key,
                "$or": [{"expires_at": {"$lte": now}}, {"state": "in_progress", "created_at": {"$lte": abandoned}}],
            }
            if not records.delete_one(dead).deleted_count:
                return None
    return None


def _wait_for_answer(scope: str, key: str, fingerprint: str) -> dict | None:
    """The stored answer for the key (same body) once the first request finished; None when the
    first request was refused and released the key."""
    records = IdempotencyRecord._get_collection()
    deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
    while True:
        record = records.find_one({"scope": scope, "key": key})
        if record is not None and record["fingerprint"] != fingerprint:
            raise Invalid(
                "This Idempotency-Key was already used with a different request body.",
                errors={"headers": {"Idempotency-Key": ["Reused with a different body."]}},
            )
        if record is not None and record["state"] == "done":
            return record
        if record is None:
            return None
        if time.monotonic() > deadline:
            raise Conflict("A request with this Idempotency-Key is in progress; retry later.")
        time.sleep(0.02)


# ---- reads -----------------------------------------------------------------------------------------


def public(doc: dict) -> dict:
    """The API form of a stored order (decimals and datetimes as strings)."""

    def dec(value) -> str:
        return format(value.to_decimal() if isinstance(value, Decimal128) else value, "f")

    return {
        "id": str(doc["_id"]),
        "amount": dec(doc["amount"]),
        "currency": doc["currency"],
        "exchange_rate": dec(doc["exchange_rate"]),
        "btc_amount": dec(doc["btc_amount"]),
        "rate_source": doc["rate_source"],
        "rate_fetched_at": doc["rate_fetched_at"].astimezone(UTC).isoformat(),
        "created_at": doc["created_at"].astimezone(UTC).isoformat(),
    }


def get_order(order_id: str) -> dict:
    oid = object_id_or_404(order_id, "Order not found.")
    doc = Order._get_collection().find_one({"_id": oid})
    if doc is None:
        raise NotFound("Order not found.")
    return public(doc)


def list_orders(page_size: int, cursor: str | None = None) -> dict:
    """Newest first by (created_at, _id) descending; keyset: each page is a range on the index."""
    query: dict = {}
    if cursor:
        values = decode_cursor(cursor)
        try:
            created_at = datetime.fromisoformat(values[0])
            oid = ObjectId(values[1])
            if len(values) != 2 or created_at.tzinfo is None:
                raise ValueError
        except (ValueError, TypeError, IndexError, InvalidId):
            raise Invalid("The cursor is malformed.", errors={"query": {"cursor": ["Invalid cursor."]}}) from None
        query = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": oid}}]}
    rows = list(Order._get_collection().find(query).sort([("created_at", -1), ("_id", -1)]).limit(page_size + 1))
    items = [public(row) for row in rows[:page_size]]
    next_cursor = None
    if len(rows) > page_size:
        last = rows[page_size - 1]
        next_cursor = encode_cursor([last["created_at"].astimezone(UTC).isoformat(), str(last["_id"])])
    return {"items": items, "next_cursor": next_cursor}


def summary() -> dict:
    """Counts and totals, read from the ledger in O(1): they equal the stored orders except for the
    instant between an order's reservation and its insert."""
    ledger = _ledger()
    sold = int(ledger["sold_sat"])
    cap = cap_sat()
    return {
        "orders_count": int(ledger.get("orders", 0)),
        "total_btc": sat_to_btc(sold),
        "cap_btc": sat_to_btc(cap),
        "remaining_btc": sat_to_btc(max(0, cap - sold)),
    }
