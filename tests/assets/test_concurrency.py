"""The assets listing (JSON and CSV) read while ingestions publish new snapshots, and the
ingestions list: 8 readers and 2 writers, zero 5xx."""

from tests.assets.conftest import ingest
from tests.concurrency import assert_no_5xx, hammer


def test_assets_listing_while_ingesting(sources, worker, app, client, admin_headers):
    ingest(client, admin_headers)  # a published snapshot to read

    def read(c, headers, i):
        return c.get("/api/v1/assets?limit=100" + ("&format=csv" if i % 2 else ""), headers=headers)

    def write(c, headers, i):
        return c.post("/api/v1/ingestions", headers=headers)  # 202, or 409 while one runs

    assert_no_5xx(hammer(app, read, write, scope="read", write_scope="admin"))


def test_ingestions_list(sources, app):
    def read(c, headers, i):
        return c.get("/api/v1/ingestions?page_size=20", headers=headers)

    def write(c, headers, i):
        return c.post("/api/v1/ingestions", headers=headers)  # 202, then 409 while one is queued

    assert_no_5xx(hammer(app, read, write, scope="admin"))
