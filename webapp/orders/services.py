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
The winner creates the order and records its id (a replay answers that order); a refused request
(409, 503) releases the claim so the client may retry with the same key. A loser with the same body
waits for the recorded answer (up to IDEMPOTENCY_WAIT_SECONDS) and replays it, or gets 409 "in progress"; a different
body with the same key is 422. Records live IDEMPOTENCY_TTL_SECONDS; a claim left "in_progress" for
CLAIM_LEASE_SECONDS by a dead process is taken over by the next request with the key.

Every database operation is a named one of `webapp.orders.store`, which states its atomicity; the
embedded database keeps it through the embedded write serialization (`webapp.embedded_db`).
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

from webapp.clock import utcnow_ms
from webapp.errors import Conflict, Invalid, NotFound
from webapp.ids import object_id_or_404
from webapp.orders import store
from webapp.pagination import decode_cursor, encode_cursor
from webapp.prices.services import fresh_quote
from webapp.settings import current as current_settings

SAT_PER_BTC = 100_000_000
SATOSHI = Decimal("0.00000001")
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
    return int(Decimal(current_settings().prices.BTC_ORDER_CAP) * SAT_PER_BTC)


def sat_to_btc(sat: int) -> str:
    return format(Decimal(sat).scaleb(-8).quantize(SATOSHI), "f")


# ---- the cap ---------------------------------------------------------------------------------------


def _reserve(order_sat: int) -> None:
    """Reserve `order_sat` under the cap (one conditional update in the store), else Conflict."""
    cap = cap_sat()
    if store.reserve_satoshis(order_sat, cap):
        return
    sold = int(store.ledger()["sold_sat"])
    raise Conflict(
        "This order would exceed the BTC order cap.",
        errors={"remaining_btc": sat_to_btc(max(0, cap - sold))},
    )


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
        "created_at": utcnow_ms(),
    }
    try:
        store.insert_order(doc)
    except BaseException:
        # Release only when the order is known to be absent: an insert that failed ambiguously (a
        # network error after the write) may have stored it, and a reservation too many is the safe side.
        with contextlib.suppress(Exception):
            if not store.order_exists(doc["_id"]):
                store.release_satoshis(order_sat)
        raise
    return doc


def create_order(api_key_id: str, body: dict, idempotency_key: str | None = None) -> tuple[dict, int, bool]:
    """Create an order from the validated `body` ({"currency", "amount"}).
    Returns (the stored order document, status, replayed); a replay answers the order created first."""
    if idempotency_key is None:
        return _create(api_key_id, body["currency"], body["amount"]), 201, False
    fingerprint = _fingerprint(body)
    for _attempt in range(3):
        claim = _claim(api_key_id, idempotency_key, fingerprint)
        if claim is not None:
            break
        stored = _wait_for_answer(api_key_id, idempotency_key, fingerprint)
        if stored is not None:  # a previous request with this key owns the answer
            return _recorded_order(stored), stored["status"], True
        # else the first request was refused and released the key: claim it again
    else:
        raise Conflict("A request with this Idempotency-Key is in progress; retry later.")
    try:
        result = _create(api_key_id, body["currency"], body["amount"])
    except BaseException:
        store.release_idempotency_claim(claim)  # let the client retry the key
        raise
    store.complete_idempotency_claim(claim, 201, result["_id"])
    return result, 201, False


def _recorded_order(record: dict) -> dict:
    """The order a done record answers: its `order_id`, or (records of the previous release, alive
    for IDEMPOTENCY_TTL_SECONDS after an upgrade) the id inside the stored response `body`."""
    order_id = record.get("order_id") or ObjectId(record["body"]["id"])
    return store.find_order(order_id)


def _fingerprint(body: dict) -> str:
    canonical = json.dumps(
        {"currency": body["currency"], "amount": format(body["amount"], "f")}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(scope: str, key: str, fingerprint: str):
    """The claim's id when this request owns the key, None when another did (see the store)."""
    now = datetime.now(UTC)
    ttl = current_settings().prices.IDEMPOTENCY_TTL_SECONDS
    return store.claim_idempotency_key(
        scope, key, fingerprint, now, now + timedelta(seconds=ttl), now - timedelta(seconds=CLAIM_LEASE_SECONDS)
    )


def _wait_for_answer(scope: str, key: str, fingerprint: str) -> dict | None:
    """The stored answer for the key (same body) once the first request finished; None when the
    first request was refused and released the key."""
    deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
    while True:
        record = store.find_idempotency_record(scope, key)
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


def get_order(order_id: str) -> dict:
    oid = object_id_or_404(order_id, "Order not found.")
    doc = store.find_order(oid)
    if doc is None:
        raise NotFound("Order not found.")
    return doc


def list_orders(page_size: int, cursor: str | None = None) -> dict:
    """Newest first by (created_at, _id) descending; keyset: each page is a range on the index."""
    after = None
    if cursor:
        values = decode_cursor(cursor)
        try:
            created_at = datetime.fromisoformat(values[0])
            oid = ObjectId(values[1])
            if len(values) != 2 or created_at.tzinfo is None:
                raise ValueError
        except (ValueError, TypeError, IndexError, InvalidId):
            raise Invalid("The cursor is malformed.", errors={"query": {"cursor": ["Invalid cursor."]}}) from None
        after = (created_at, oid)
    rows = store.orders_page(after, page_size + 1)
    items = rows[:page_size]
    next_cursor = None
    if len(rows) > page_size:
        last = rows[page_size - 1]
        next_cursor = encode_cursor([last["created_at"].astimezone(UTC).isoformat(), str(last["_id"])])
    return {"items": items, "next_cursor": next_cursor}


def summary() -> dict:
    """Counts and totals, read from the ledger in O(1): they equal the stored orders except for the
    instant between an order's reservation and its insert."""
    ledger = store.ledger()
    sold = int(ledger["sold_sat"])
    cap = cap_sat()
    return {
        "orders_count": int(ledger.get("orders", 0)),
        "total_btc": sat_to_btc(sold),
        "cap_btc": sat_to_btc(cap),
        "remaining_btc": sat_to_btc(max(0, cap - sold)),
    }
