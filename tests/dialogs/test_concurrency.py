"""The dialogs list: 8 readers and 2 writers at once, zero 5xx (a short run, ~1.5 s)."""

import itertools

from tests.concurrency import assert_no_5xx, hammer

_serial = itertools.count()


def test_dialogs_list(app):
    def read(c, headers, i):
        return c.get("/api/v1/data?page_size=20", headers=headers)

    def write(c, headers, i):
        n = next(_serial)
        if n % 3 == 2:  # grant consent on a dialog written before, so listings change too
            return c.post(f"/api/v1/consents/dialog{n - 1}", json=True, headers=headers)
        return c.post(f"/api/v1/data/cust{n % 5}/dialog{n}", json={"text": "hi", "language": "en"}, headers=headers)

    assert_no_5xx(hammer(app, read, write))
