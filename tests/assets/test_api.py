"""The assets API: snapshot selection, formats, validation, caching, ETags; the ingestions API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from tests.assets.conftest import ingest
from webapp.assets.models import AssetItem, AssetSnapshot


def test_503_before_the_first_successful_run(client, read_headers):
    response = client.get("/api/v1/assets", headers=read_headers)
    assert response.status_code == 503
    assert "first ingestion has not succeeded" in response.get_json()["message"]
    assert client.get("/api/v1/assets?datetime=2026-01-01T00:00:00Z", headers=read_headers).status_code == 503


def test_a_key_is_required(client):
    assert client.get("/api/v1/assets").status_code == 401
    assert client.get("/api/v1/ingestions").status_code == 401


def test_default_limit_and_json_shape(sources, worker, client, admin_headers, read_headers):
    run = ingest(client, admin_headers)
    response = client.get("/api/v1/assets", headers=read_headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"snapshot_id", "last_updated", "provider", "items"}
    assert body["provider"] == "cryptocompare+coinmarketcap"  # "demo-..." only in demo mode
    assert body["snapshot_id"] == run["snapshot_id"] and body["last_updated"] >= run["started_at"]
    assert len(body["items"]) == 50 and body["items"][49]["rank"] == 50
    assert len(client.get("/api/v1/assets?limit=1", headers=read_headers).get_json()["items"]) == 1


def test_csv(sources, worker, client, admin_headers, read_headers):
    cc, cmc = sources
    cc.coins = [("BTC", "Bitcoin"), ("Q", 'Quote "and", comma'), ("NOPE", "No price")]
    cmc.listings = [("BTC", "Bitcoin", Decimal("67012.3456")), ("Q", "Q", 1)]
    ingest(client, admin_headers)
    response = client.get("/api/v1/assets?format=csv", headers=read_headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["rank", "symbol", "name", "price_usd"],
        ["1", "BTC", "Bitcoin", "67012.3456"],
        ["2", "Q", 'Quote "and", comma', "1"],
        ["3", "NOPE", "No price", ""],
    ]


def test_csv_never_carries_a_formula(sources, worker, client, admin_headers, read_headers):
    """OWASP CSV injection: text cells starting with = + - @ tab or CR (after the sources' stripping)
    get a leading quote; numbers stay numbers."""
    cc, cmc = sources
    hostile = ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A2)", "\r=HYPERLINK(1)", "Safe = coin"]
    cc.coins = [(f"S{n}", name) for n, name in enumerate(hostile)]
    cmc.listings = [(f"S{n}", "x", Decimal(f"{n + 1}.5")) for n in range(len(hostile))]
    ingest(client, admin_headers)
    rows = list(
        csv.reader(io.StringIO(client.get("/api/v1/assets?format=csv", headers=read_headers).get_data(as_text=True)))
    )
    assert [row[2] for row in rows[1:]] == [
        "'=cmd|' /C calc'!A0",
        "'+1+2",
        "'-2+3",
        "'@SUM(A1:A2)",
        "'=HYPERLINK(1)",  # the source's whitespace stripping left "=HYPERLINK(1)"
        "Safe = coin",
    ]
    assert [row[3] for row in rows[1:]] == ["1.5", "2.5", "3.5", "4.5", "5.5", "6.5"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    json_names = [item["name"] for item in client.get("/api/v1/assets", headers=read_headers).get_json()["items"]]
    assert json_names[0] == "=cmd|' /C calc'!A0"  # JSON is data, not a spreadsheet: unchanged


def test_csv_text_rule():
    from webapp.assets.services import csv_text

    for raw in ("=1", "+1", "-1", "@a", "\tx", "\rx"):
        assert csv_text(raw) == "'" + raw
    for raw in ("a=1", "1-2", "", "'quoted"):
        assert csv_text(raw) == raw


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=251", "limit"),
        ("limit=-3", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("format=xml", "format"),
        ("format=", "format"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2026-13-01T00:00:00Z", "datetime"),
        ("datetime=0001-01-01T00:00:00%2B14:00", "datetime"),
        ("datetime=9999-12-31T23:59:59-14:00", "datetime"),
    ],
)
def test_bad_query_parameters_are_422(sources, client, read_headers, query, field):
    response = client.get(f"/api/v1/assets?{query}", headers=read_headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["query"]


def test_undocumented_query_parameters_are_ignored(sources, worker, client, admin_headers, read_headers):
    ingest(client, admin_headers)
    plain = client.get("/api/v1/assets?limit=2", headers=read_headers)
    extra = client.get("/api/v1/assets?limit=2&sort=rank&datetime[$gt]=", headers=read_headers)
    assert plain.status_code == extra.status_code == 200
    assert extra.get_json() == plain.get_json()


def test_history_by_datetime(sources, worker, client, admin_headers, read_headers):
    first = ingest(client, admin_headers)
    second = ingest(client, admin_headers)
    t1 = AssetSnapshot.objects.get(id=first["snapshot_id"]).published_at
    t2 = AssetSnapshot.objects.get(id=second["snapshot_id"]).published_at
    assert t1 < t2

    def at(moment):
        return client.get("/api/v1/assets", headers=read_headers, query_string={"datetime": moment})

    assert at(t1.isoformat()).get_json()["snapshot_id"] == first["snapshot_id"]
    assert at((t2 - timedelta(microseconds=1)).isoformat()).get_json()["snapshot_id"] == first["snapshot_id"]
    assert at(t2.isoformat()).get_json()["snapshot_id"] == second["snapshot_id"]
    naive_utc = (t2 + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert at(naive_utc).get_json()["snapshot_id"] == second["snapshot_id"]
    shifted = t1.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert at(shifted).get_json()["snapshot_id"] == first["snapshot_id"]
    before = at((t1 - timedelta(seconds=1)).isoformat())
    assert before.status_code == 404 and "at or before" in before.get_json()["message"]


def test_etag_and_if_none_match(sources, worker, client, admin_headers, read_headers):
    run = ingest(client, admin_headers)
    first = client.get("/api/v1/assets?limit=10", headers=read_headers)
    etag = first.headers["ETag"]
    assert etag == f'"{run["snapshot_id"]}-10-json"'
    again = client.get("/api/v1/assets?limit=10", headers={**read_headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert (
            client.get("/api/v1/assets?limit=10", headers={**read_headers, "If-None-Match": header}).status_code == 304
        )
    other = client.get("/api/v1/assets?limit=10&format=csv", headers={**read_headers, "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag

    new = ingest(client, admin_headers)
    stale = client.get("/api/v1/assets?limit=10", headers={**read_headers, "If-None-Match": etag})
    assert stale.status_code == 200 and stale.get_json()["snapshot_id"] == new["snapshot_id"]


def test_answers_come_from_the_cache_until_a_new_snapshot_is_published(
    sources, worker, client, admin_headers, read_headers
):
    cc, cmc = sources
    run = ingest(client, admin_headers)
    first = client.get("/api/v1/assets?limit=3", headers=read_headers).get_json()
    # Change the stored items behind the API's back: a cached answer does not see it.
    AssetItem.objects(snapshot_id=run["snapshot_id"], rank=1).update_one(set__name="changed in the database")
    assert client.get("/api/v1/assets?limit=3", headers=read_headers).get_json() == first
    assert client.get("/api/v1/assets?limit=4", headers=read_headers).get_json()["items"][0]["name"] == (
        "changed in the database"
    )

    cmc.listings = [(s, n, p + 1) for s, n, p in cmc.listings]
    new = ingest(client, admin_headers)
    after = client.get("/api/v1/assets?limit=3", headers=read_headers).get_json()
    assert after["snapshot_id"] == new["snapshot_id"] != first["snapshot_id"]
    assert after["items"][0]["price_usd"] == "2.0001"


def test_ingestions_api(sources, worker, client, admin_headers, write_headers, read_headers):
    assert client.post("/api/v1/ingestions", headers=write_headers).status_code == 403
    assert client.post("/api/v1/ingestions", headers=read_headers).status_code == 403
    first = ingest(client, admin_headers)
    second = ingest(client, admin_headers)
    listing = client.get("/api/v1/ingestions?page_size=1", headers=read_headers).get_json()
    assert listing["total"] == 2 and [i["id"] for i in listing["items"]] == [second["id"]]
    page2 = client.get("/api/v1/ingestions?page=2&page_size=1", headers=read_headers).get_json()
    assert [i["id"] for i in page2["items"]] == [first["id"]]
    one = client.get(f"/api/v1/ingestions/{first['id']}", headers=read_headers).get_json()
    assert set(one) == {
        "id",
        "status",
        "trigger",
        "pages_total",
        "pages_done",
        "assets_ingested",
        "prices_ingested",
        "items_rejected",
        "errors",
        "snapshot_id",
        "created_at",
        "started_at",
        "finished_at",
        "duration_ms",
        "timings",
    }
    for bad in ("nope", "0" * 24, "%7B%22%24gt%22%3A%22%22%7D"):
        response = client.get(f"/api/v1/ingestions/{bad}", headers=read_headers)
        assert response.status_code == 404
    assert client.get("/api/v1/ingestions?page_size=500", headers=read_headers).status_code == 422


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/v1/assets", "/api/v1/ingestions", "/api/v1/ingestions/{run_id}"} <= set(paths)
    assert {p["name"] for p in paths["/api/v1/assets"]["get"]["parameters"]} == {"limit", "datetime", "format"}


def test_an_unreachable_broker_is_503_and_frees_the_slot(app, client, admin_headers, monkeypatch):
    from celery import Celery

    from webapp.assets.models import IngestionLock, IngestionRun

    dead = Celery("dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)  # not the default app
    dead.conf.update(broker_connection_timeout=0.2, broker_connection_max_retries=0, task_publish_retry=False)
    monkeypatch.setitem(app.extensions, "celery", dead)
    response = client.post("/api/v1/ingestions", headers=admin_headers)
    assert response.status_code == 503 and "not started" in response.get_json()["message"]
    run = IngestionRun.objects.get()
    assert run.status == "failed" and "could not enqueue" in run.errors[0]["message"]
    assert IngestionLock.objects.get(id="assets").run_id is None


def test_listing_headers_private_revalidate_with_etag(sources, worker, client, admin_headers, read_headers):
    ingest(client, admin_headers)
    response = client.get("/api/v1/assets", headers=read_headers)
    assert response.status_code == 200 and response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get("/api/v1/assets", headers={**read_headers, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, no-cache"
    missing = client.get("/api/v1/assets?datetime=2000-01-01T00:00:00Z", headers=read_headers)
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
