"""The orders list and summary: 8 readers and 2 writers at once, zero 5xx (a short run, ~1.5 s)."""

import itertools

from tests.concurrency import assert_no_5xx, hammer

_serial = itertools.count()


def test_orders_list(app, quote):
    def read(c, headers, i):
        return (
            c.get("/api/v1/orders?limit=20", headers=headers)
            if i % 5
            else c.get("/api/v1/orders/summary", headers=headers)
        )

    def write(c, headers, i):
        return c.post("/api/v1/orders", json={"amount": "10.00", "currency": "EUR"}, headers=headers)

    assert_no_5xx(hammer(app, read, write))
