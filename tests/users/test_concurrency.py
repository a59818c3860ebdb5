"""The users list: 8 readers and 2 writers at once, zero 5xx (a short run, ~1.5 s)."""

import itertools

from tests.concurrency import assert_no_5xx, hammer

_serial = itertools.count()


def test_users_list(app):
    def read(c, headers, i):
        return c.get("/api/v1/users?page_size=20", headers=headers)

    def write(c, headers, i):
        n = next(_serial)
        body = {"name": "Ama Mensah", "email": f"ama{n}@example.com", "phone_number": "+233241234567"}
        return c.post("/api/v1/users", json=body, headers=headers)

    assert_no_5xx(hammer(app, read, write))
