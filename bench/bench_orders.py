"""Orders and prices benchmark.

1. Order creation over HTTP (the embedded HTTP server) from 8 concurrent clients, without and with an
   Idempotency-Key (one new key per request, so every request claims a key and stores a response).
2. The cursor list with 50,000 orders: page 1 against page 500 (page_size 100, the last page) as a
   ratio; a skip-based page 500 is timed at the collection level as the reference keyset avoids.
   Note: mongomock scans collections without indexes, so its figures show the query shape, not what
   the (created_at, _id) index gives on a real MongoDB.
3. The price refresh's duration per provider against the local stand-ins, and with a failover
   (first provider answering 500).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from bench.support import ServedApp, get_app, http_load, timed
from webapp import settings

ORDERS = 50_000
PAGE_SIZE = 100
RATES = {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")}


def _order_creation(app, key: str) -> list[dict]:
    from webapp.prices.services import store_quote

    counter = itertools.count()
    rows = []
    with ServedApp(app) as served:
        url = f"{served.url}/api/v1/orders"
        for label, with_key in (("create order", False), ("create order + Idempotency-Key", True)):
            store_quote("coingecko", RATES)  # fresh for the whole run

            def one(session, with_key=with_key):
                headers = {"X-API-Key": key}
                if with_key:
                    headers["Idempotency-Key"] = f"bench-{next(counter)}"
                return session.post(url, json={"currency": "EUR", "amount": "10.00"}, headers=headers)

            rows.append({"case": label, "clients": 8, **http_load(one, total=600, concurrency=8)})
    return rows


def _bulk_orders() -> list[dict]:
    from tests.orders.factories import order_docs
    from webapp.orders.models import Order

    docs = order_docs(ORDERS)
    collection = Order._get_collection()
    collection.delete_many({})
    for i in range(0, ORDERS, 5000):
        collection.insert_many(docs[i : i + 5000], ordered=False)
    return docs


def _paging(app, key: str) -> tuple[list[dict], dict]:
    from webapp.orders.models import Order
    from webapp.pagination import encode_cursor

    docs = _bulk_orders()
    newest_first = sorted(docs, key=lambda d: (d["created_at"], d["_id"]), reverse=True)
    before_500 = newest_first[499 * PAGE_SIZE - 1]  # the last row of page 499
    client = app.test_client()
    headers = {"X-API-Key": key}
    with app.test_request_context():
        cursor = encode_cursor([before_500["created_at"].isoformat(), str(before_500["_id"])])

    def page(query):
        def call():
            response = client.get(f"/api/v1/orders?page_size={PAGE_SIZE}{query}", headers=headers)
            assert response.status_code == 200 and len(response.json["items"]) == PAGE_SIZE

        return call

    def skip_page_500():
        found = Order._get_collection().find().sort([("created_at", -1), ("_id", -1)])
        assert len(list(found.skip(499 * PAGE_SIZE).limit(PAGE_SIZE))) == PAGE_SIZE

    page(f"&cursor={cursor}")()  # warm up
    first = timed(page(""), repeat=15)
    last = timed(page(f"&cursor={cursor}"), repeat=15)
    skipped = timed(skip_page_500, repeat=5)
    rows = [
        {"case": f"list page 1 of {ORDERS} (keyset)", **first},
        {"case": "list page 500 (keyset cursor)", **last},
        {"case": "page 500 by skip (reference, collection only)", **skipped},
    ]
    ratios = {"list_page500_over_page1_p50": round(last["p50_ms"] / first["p50_ms"], 2)}
    return rows, ratios


def _refresh(app) -> tuple[list[dict], dict]:
    from standins.price_providers import CoinbaseStandin, CoinGeckoStandin
    from webapp.prices import services

    gecko, coinbase = CoinGeckoStandin().start(), CoinbaseStandin().start()
    settings.replace(app, COINGECKO_BASE_URL=gecko.url, COINBASE_BASE_URL=coinbase.url, PRICE_HTTP_TIMEOUT_SECONDS=5)
    rows, p50 = [], {}
    try:
        for label, providers, failing in (
            ("refresh: coingecko", "coingecko", None),
            ("refresh: coinbase", "coinbase", None),
            ("refresh: coingecko 500 -> coinbase", "coingecko,coinbase", gecko),
        ):
            settings.replace(app, BTC_PRICE_PROVIDERS=providers)

            def once(failing=failing):
                if failing is not None:
                    failing.script(failing.failure("500"))
                assert services.refresh_btc()["ok"]

            result = timed(once, repeat=100)
            p50[label] = result["p50_ms"]
            rows.append({"case": label, **result})
    finally:
        gecko.stop()
        coinbase.stop()
    ratios = {
        "refresh_failover_over_direct_p50": round(
            p50["refresh: coingecko 500 -> coinbase"] / p50["refresh: coinbase"], 2
        )
    }
    return rows, ratios


def run() -> dict:
    from tests.support import make_key

    app = get_app()
    settings.replace(
        app, BTC_ORDER_CAP="100000000", RATE_LIMIT_ORDERS="100000000 per minute", BTC_PRICE_MAX_AGE_SECONDS=3600
    )
    key = make_key("write", "bench")
    create_rows = _order_creation(app, key)
    page_rows, page_ratios = _paging(app, key)
    refresh_rows, refresh_ratios = _refresh(app)
    ratios = {
        "create_with_idempotency_over_without_rps": round(
            create_rows[1]["per_second"] / create_rows[0]["per_second"], 2
        ),
        **page_ratios,
        **refresh_ratios,
    }
    return {"rows": create_rows + page_rows + refresh_rows, "ratios": ratios}
