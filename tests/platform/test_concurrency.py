"""The API keys list: 8 readers and 2 writers at once, zero 5xx (a short run, ~1.5 s)."""

import itertools

from tests.concurrency import assert_no_5xx, hammer

_serial = itertools.count()


def test_api_keys_list(app):
    def read(c, headers, i):
        return c.get("/api/v1/api-keys", headers=headers)

    def write(c, headers, i):
        return c.post("/api/v1/api-keys", json={"name": f"k{next(_serial)}", "scope": "read"}, headers=headers)

    assert_no_5xx(hammer(app, read, write, scope="admin"))
