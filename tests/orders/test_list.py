"""GET /api/v1/orders: newest first by keyset cursor, stable while orders are inserted; bad cursors 422."""

import base64
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.orders.factories import order_docs
from tests.support import override_settings
from webapp.orders.models import Order
from webapp.pagination import encode_cursor
from webapp.prices.services import store_quote


@pytest.fixture(autouse=True)
def _price(app, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="100000 per minute")
    store_quote("coinbase", {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")})


def insert_orders(count: int, created_at=None) -> list[str]:
    """Orders written straight to the collection (bulk), newest last; returns their ids."""
    docs = order_docs(count, created_at)
    Order._get_collection().insert_many(docs)
    return [str(d["_id"]) for d in docs]


def walk(client, headers, page_size, between=None) -> list[str]:
    seen, cursor, pages = [], None, 0
    while True:
        query = f"?page_size={page_size}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get("/api/v1/orders" + query, headers=headers)
        assert response.status_code == 200, response.json
        seen += [item["id"] for item in response.json["items"]]
        cursor = response.json["next_cursor"]
        pages += 1
        if between:
            between(pages)
        if cursor is None:
            return seen


def test_pages_newest_first_without_gaps(client, read_headers):
    ids = insert_orders(45)
    seen = walk(client, read_headers, 10)
    assert seen == list(reversed(ids))


def test_default_page_size_and_exact_last_page(client, read_headers):
    insert_orders(40)
    first = client.get("/api/v1/orders", headers=read_headers).json
    assert len(first["items"]) == 20
    second = client.get(f"/api/v1/orders?cursor={first['next_cursor']}", headers=read_headers).json
    assert len(second["items"]) == 20 and second["next_cursor"] is None


def test_equal_timestamps_are_ordered_by_id(client, read_headers):
    ids = insert_orders(25, created_at=datetime(2026, 5, 5, tzinfo=UTC))
    assert walk(client, read_headers, 7) == sorted(ids, reverse=True)


def test_paging_while_orders_are_inserted(client, read_headers, write_headers):
    existing = insert_orders(30)

    def add_orders(_page):
        for _ in range(3):
            response = client.post("/api/v1/orders", json={"currency": "EUR", "amount": "1"}, headers=write_headers)
            assert response.status_code == 201

    seen = walk(client, read_headers, 8, between=add_orders)
    assert len(seen) == len(set(seen))  # no duplicates
    assert seen == list(reversed(existing))  # no skips; newer orders belong before page 1
    assert Order.objects.count() == 30 + 3 * 4


def test_created_orders_are_listed(client, write_headers):
    made = [
        client.post("/api/v1/orders", json={"currency": "GBP", "amount": str(n)}, headers=write_headers).json
        for n in (1, 2, 3)
    ]
    listed = client.get("/api/v1/orders?page_size=100", headers=write_headers).json["items"]
    assert listed == list(reversed(made))


def _tampered(client, headers) -> str:
    insert_orders(3)
    cursor = client.get("/api/v1/orders?page_size=1", headers=headers).json["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-3] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("kind", ["garbage", "tampered", "signed-wrong-shape", "signed-naive-date", "too-long"])
def test_bad_cursors_are_422(client, read_headers, app, kind):
    cursors = {
        "garbage": lambda: "not-a-cursor!!",
        "tampered": lambda: _tampered(client, read_headers),
        "signed-wrong-shape": lambda: encode_cursor(["yesterday"]),
        "signed-naive-date": lambda: encode_cursor(["2026-01-01T00:00:00", "0" * 24]),
        "too-long": lambda: "a" * 600,
    }
    response = client.get(f"/api/v1/orders?cursor={cursors[kind]()}", headers=read_headers)
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]["query"]


@pytest.mark.parametrize("size", ["0", "101", "-1", "abc", "1.5"])
def test_bad_page_size_is_422(client, read_headers, size):
    assert client.get(f"/api/v1/orders?page_size={size}", headers=read_headers).status_code == 422
