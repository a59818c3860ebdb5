"""The BTC cap: reserved atomically in integer satoshis, never exceeded under concurrency, released
when the order insert fails."""

import threading
from decimal import Decimal

import pytest
from pymongo.errors import PyMongoError

from tests.support import override_settings
from webapp.orders.models import CapLedger, Order
from webapp.prices.services import store_quote

RATES = {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")}


@pytest.fixture
def cap_one_btc(app, monkeypatch):
    override_settings(app, monkeypatch, BTC_ORDER_CAP="1")
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="100000 per minute")
    store_quote("coingecko", RATES)


def order(client, headers, amount, currency="EUR"):
    return client.post("/api/v1/orders", json={"currency": currency, "amount": amount}, headers=headers)


def stored_sat() -> int:
    return sum(doc["btc_sat"] for doc in Order._get_collection().find({}, {"btc_sat": 1}))


def test_orders_up_to_the_cap_then_409(client, write_headers, cap_one_btc):
    for _ in range(4):
        assert order(client, write_headers, "12500").status_code == 201  # 0.25 BTC each
    refused = order(client, write_headers, "0.01")  # even one satoshi is too much now
    assert refused.status_code == 409
    assert refused.json["errors"] == {"remaining_btc": "0.00000000"}
    assert "cap" in refused.json["message"]
    assert stored_sat() == 100_000_000


def test_refused_order_reports_what_remains_and_a_fitting_one_passes(client, write_headers, cap_one_btc):
    assert order(client, write_headers, "45000").status_code == 201  # 0.9 BTC
    refused = order(client, write_headers, "5000.01")  # 0.1000002 BTC
    assert refused.status_code == 409 and refused.json["errors"]["remaining_btc"] == "0.10000000"
    assert order(client, write_headers, "5000.00").status_code == 201  # exactly the rest
    summary = client.get("/api/v1/orders/summary", headers=write_headers).json
    assert summary == {
        "orders_count": 2,
        "total_btc": "1.00000000",
        "cap_btc": "1.00000000",
        "remaining_btc": "0.00000000",
    }


def test_summary_before_any_order(client, read_headers):
    assert client.get("/api/v1/orders/summary", headers=read_headers).json == {
        "orders_count": 0,
        "total_btc": "0.00000000",
        "cap_btc": "100.00000000",
        "remaining_btc": "100.00000000",
    }


@pytest.mark.parametrize("threads, amount, fits", [(60, "1500", 33), (50, "2500", 20)])
def test_cap_holds_under_concurrent_requests(app, write_headers, cap_one_btc, threads, amount, fits):
    """`threads` clients at once, each ordering amount/50000 BTC: exactly the `fits` that fit succeed."""
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def one():
        client = app.test_client()
        barrier.wait()
        status = order(client, write_headers, amount).status_code
        with lock:
            statuses.append(status)

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert sorted(set(statuses)) == [201, 409]
    assert statuses.count(201) == fits and statuses.count(409) == threads - fits
    assert Order.objects.count() == fits
    ledger = CapLedger._get_collection().find_one()
    assert stored_sat() == ledger["sold_sat"] <= 100_000_000 and ledger["orders"] == fits


def test_failed_insert_releases_the_reservation(client, write_headers, cap_one_btc, monkeypatch):
    assert order(client, write_headers, "25000").status_code == 201  # 0.5 BTC
    collection = Order._get_collection()

    class Broken:
        """The orders collection with a failing insert (a lost primary, say)."""

        def insert_one(self, doc):
            raise PyMongoError("not primary")

        def __getattr__(self, name):
            return getattr(collection, name)

    monkeypatch.setattr(Order, "_get_collection", classmethod(lambda cls: Broken()))
    assert order(client, write_headers, "10000").status_code == 500
    monkeypatch.undo()
    ledger = CapLedger._get_collection().find_one()
    assert ledger["sold_sat"] == 50_000_000 and ledger["orders"] == 1
    assert order(client, write_headers, "25000").status_code == 201  # the full rest is still there


def test_ambiguous_insert_failure_keeps_the_reservation(client, write_headers, cap_one_btc, monkeypatch):
    """The write reached the database but the client saw an error: the order exists, so its
    satoshis stay reserved (the ledger must never count less than the stored orders)."""
    collection = Order._get_collection()

    class LostReply:
        def insert_one(self, doc):
            collection.insert_one(doc)
            raise PyMongoError("connection reset after the write")

        def __getattr__(self, name):
            return getattr(collection, name)

    monkeypatch.setattr(Order, "_get_collection", classmethod(lambda cls: LostReply()))
    assert order(client, write_headers, "25000").status_code == 500
    monkeypatch.undo()
    assert stored_sat() == CapLedger._get_collection().find_one()["sold_sat"] == 50_000_000
