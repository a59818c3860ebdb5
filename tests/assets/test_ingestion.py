"""Ingestion end to end: the API starts a run, the real worker fetches pages in parallel from the
stand-ins, stores, joins and publishes."""

from __future__ import annotations

from decimal import Decimal

from standins.asset_sources import cc_error, cmc_error
from standins.server import Reply
from tests.assets.conftest import ingest, start_run, wait_finished
from tests.support import override_settings, wait_for


def _assets(client, headers, **query):
    response = client.get("/api/v1/assets", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_run_fetches_three_pages_per_source_in_parallel_and_publishes(sources, worker, client, admin_headers):
    cc, cmc = sources
    # Hold the first ranking page open: the run can only finish it after every other page was
    # requested, which proves the pages are fetched in parallel, not one after another.
    gate = cc.hold_page(0)
    run = start_run(client, admin_headers)
    assert run["status"] == "queued" and run["trigger"] == "api"
    assert (run["pages_done"], run["started_at"], run["finished_at"], run["snapshot_id"]) == (0, None, None, None)
    wait_for(lambda: all(cc.requests_for(p) for p in (1, 2)) and all(cmc.requests_for(p) for p in (0, 1, 2)))
    progress = client.get(f"/api/v1/ingestions/{run['id']}", headers=admin_headers).get_json()
    assert progress["status"] == "running" and progress["pages_total"] == 6
    wait_for(lambda: client.get(f"/api/v1/ingestions/{run['id']}", headers=admin_headers).get_json()["pages_done"] == 5)
    gate.set()
    done = wait_finished(client, admin_headers, run["id"])

    assert done["status"] == "succeeded", done
    assert (done["pages_done"], done["pages_total"]) == (6, 6)
    assert done["assets_ingested"] == 250 and done["prices_ingested"] == 600
    assert done["errors"] == [] and done["snapshot_id"] == run["id"]
    assert done["started_at"] and done["finished_at"] and done["duration_ms"] >= 0
    assert sorted(int(r.query["page"]) for r in cc.requests) == [0, 1, 2]
    assert sorted(int(r.query["start"]) for r in cmc.requests) == [1, 201, 401]
    assert all(r.headers["x-cmc_pro_api_key"] == "test-cmc-key" for r in cmc.requests)

    body = _assets(client, admin_headers, limit=250)
    assert body["snapshot_id"] == done["snapshot_id"]
    assert [i["rank"] for i in body["items"]] == list(range(1, 251))
    assert body["items"][0] == {"rank": 1, "symbol": "C0001", "name": "Coin 1", "price_usd": "1.0001"}
    assert body["items"][249]["price_usd"] == "250.0250"


def test_reader_during_ingestion_sees_the_previous_snapshot(sources, worker, client, admin_headers, read_headers):
    cc, cmc = sources
    first = ingest(client, admin_headers)
    before = _assets(client, read_headers, limit=5)
    cmc.listings = [(s, n, p * 2) for s, n, p in cmc.listings]  # new prices upstream
    gate = cmc.hold_page(2)
    second = start_run(client, admin_headers)
    wait_for(
        lambda: client.get(f"/api/v1/ingestions/{second['id']}", headers=admin_headers).get_json()["pages_done"] == 5
    )

    during = _assets(client, read_headers, limit=5)
    assert during == before and during["snapshot_id"] == first["snapshot_id"]
    gate.set()
    assert wait_finished(client, admin_headers, second["id"])["status"] == "succeeded"

    after = _assets(client, read_headers, limit=5)  # the cached answer for limit=5 is not reused
    assert after["snapshot_id"] == second["id"]
    assert after["items"][0]["price_usd"] == "2.0002"


def test_second_concurrent_run_is_refused_with_the_running_id(sources, worker, client, admin_headers):
    cc, _ = sources
    gate = cc.hold_page(1)
    run = start_run(client, admin_headers)
    response = client.post("/api/v1/ingestions", headers=admin_headers)
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"running_run_id": run["id"]}
    gate.set()
    assert wait_finished(client, admin_headers, run["id"])["status"] == "succeeded"
    assert client.post("/api/v1/ingestions", headers=admin_headers).status_code == 202  # the slot is free


def test_a_page_failing_once_is_retried_and_the_run_succeeds(sources, worker, client, admin_headers, app, monkeypatch):
    cc, cmc = sources
    override_settings(app, monkeypatch, ASSET_HTTP_TIMEOUT_SECONDS=1)
    cc.fail_page(1, Reply(503, {"Message": "busy"}))
    cmc.fail_page(2, cmc_error(429, 1008, "You've exceeded your API Key's HTTP request rate limit."))
    cmc.fail_page(0, Reply(200, "{}", delay=1.5))  # longer than the 1 s client timeout
    run = ingest(client, admin_headers)

    assert run["status"] == "succeeded" and run["errors"] == []
    assert cc.requests_for(1) == 2 and cmc.requests_for(2) == 2 and cmc.requests_for(0) == 2
    assert _assets(client, admin_headers, limit=250)["items"][120]["price_usd"] == "121.0121"


def test_a_ranking_page_failing_for_good_fails_the_run_and_keeps_the_snapshot(sources, worker, client, admin_headers):
    cc, _ = sources
    published = ingest(client, admin_headers)
    cc.requests.clear()
    cc.fail_page(2, *[Reply(500, "oops")] * 3)  # first try + 2 retries
    run = ingest(client, admin_headers)

    assert run["status"] == "failed" and run["snapshot_id"] is None
    assert run["pages_done"] == run["pages_total"] == 6
    assert cc.requests_for(2) == 3
    messages = [e["message"] for e in run["errors"]]
    assert any("gave up after 3 attempts: HTTP 500" in m for m in messages)
    assert any(m.startswith("no usable ranking") for m in messages)
    assert _assets(client, admin_headers)["snapshot_id"] == published["snapshot_id"]
    assert client.post("/api/v1/ingestions", headers=admin_headers).status_code == 202  # slot released


def test_error_payloads_are_rejected_page_by_page(sources, worker, client, admin_headers):
    cc, cmc = sources
    cmc.fail_page(1, cmc_error(401, 1001, "This API Key is invalid."))
    cmc.fail_page(2, Reply(200, {"status": {"error_code": 1002, "error_message": "API key missing."}}))
    run = ingest(client, admin_headers)

    assert run["status"] == "succeeded"
    assert cmc.requests_for(1) == 1  # permanent: not retried
    errors = {(e["source"], e["page"]): e["message"] for e in run["errors"]}
    assert errors[("coinmarketcap", 1)] == "HTTP 401: 1001 This API Key is invalid."
    assert errors[("coinmarketcap", 2)] == "CoinMarketCap error 1002: API key missing."
    items = _assets(client, admin_headers, limit=250)["items"]
    # Listings are in reverse symbol order: page 0 (ranks 1..200) prices C0600..C0401, so no
    # ranked coin (C0001..C0250, on pages 1 and 2) has a price.
    assert all(item["price_usd"] is None for item in items)

    cc.fail_page(0, cc_error("Rate limit excedeed!"))
    failed = ingest(client, admin_headers)
    assert failed["status"] == "failed"
    assert {
        "source": "cryptocompare",
        "page": 0,
        "item": None,
        "message": "CryptoCompare error: Rate limit excedeed!",
    } in failed["errors"]


def test_bad_items_are_rejected_one_by_one(sources, worker, client, admin_headers):
    cc, cmc = sources
    cc.coins = [
        ("GOOD", "Good coin"),
        {"RAW": {}},  # no CoinInfo
        {"CoinInfo": {"Name": 42, "FullName": "Numbered"}},
        {"CoinInfo": {"Name": "NONAME"}},
        ("ZERO", "Zero"),
        ("NEG", "Negative"),
        ("STR", "String price"),
        ("TINY", "Tiny"),
    ]

    def listing(symbol, price, rank):
        return {"symbol": symbol, "name": symbol, "cmc_rank": rank, "quote": {"USD": {"price": price}}}

    cmc.listings = [
        listing("GOOD", Decimal("10.5"), 1),
        listing("ZERO", 0, 2),
        listing("NEG", Decimal("-1.5"), 3),
        listing("STR", "12.5", 4),
        listing("TINY", Decimal("0.000000012345678901234567"), 5),
        {"symbol": "NOQ", "cmc_rank": 6},
        listing("GOOD", True, 7),
        listing("BADRANK", Decimal("1"), "8"),
    ]
    run = ingest(client, admin_headers)

    assert run["status"] == "succeeded"
    assert run["assets_ingested"] == 5 and run["prices_ingested"] == 2 and run["items_rejected"] == 9
    rejected = {(e["source"], e["item"]) for e in run["errors"]}
    assert rejected == {("cryptocompare", 1), ("cryptocompare", 2), ("cryptocompare", 3)} | {
        ("coinmarketcap", n) for n in (1, 2, 3, 5, 6, 7)
    }
    items = _assets(client, admin_headers)["items"]
    assert [(i["rank"], i["symbol"], i["price_usd"]) for i in items] == [
        (1, "GOOD", "10.5"),
        (5, "ZERO", None),
        (6, "NEG", None),
        (7, "STR", None),
        (8, "TINY", "0.000000012345678901234567"),
    ]


def test_duplicate_symbols_take_the_best_cmc_rank_and_missing_prices_are_null(sources, worker, client, admin_headers):
    cc, cmc = sources
    cc.coins = [("BTC", "Bitcoin"), ("DUP", "Duplicate"), ("NONE", "Unpriced")]
    cmc.listings = [("BTC", "Bitcoin", Decimal("67012.3456")), ("DUP", "Real dup", Decimal("2.5"))]
    cmc.listings += [(f"X{i}", f"Other {i}", Decimal("1")) for i in range(300)]
    cmc.listings += [("DUP", "Fake dup", Decimal("999.99"))]  # cmc_rank 303, on the second page
    run = ingest(client, admin_headers)

    assert run["status"] == "succeeded"
    items = _assets(client, admin_headers)["items"]
    assert items == [
        {"rank": 1, "symbol": "BTC", "name": "Bitcoin", "price_usd": "67012.3456"},
        {"rank": 2, "symbol": "DUP", "name": "Duplicate", "price_usd": "2.5"},
        {"rank": 3, "symbol": "NONE", "name": "Unpriced", "price_usd": None},
    ]


def test_empty_ranking_fails_the_run(sources, worker, client, admin_headers):
    cc, _ = sources
    cc.coins = []
    run = ingest(client, admin_headers)
    assert run["status"] == "failed"
    assert any("no usable ranking" in e["message"] for e in run["errors"])
    assert client.get("/api/v1/assets", headers=admin_headers).status_code == 503


def test_beat_task_runs_with_the_schedule_trigger(sources, worker, client, admin_headers, celery_app):
    # What beat sends: config/celery.py's "assets-ingest" entry, on the ingestion queue.
    entry = celery_app.conf.beat_schedule["assets-ingest"]
    assert entry["kwargs"] == {"trigger": "schedule"} and entry["options"]["queue"] == "ingestion"
    celery_app.send_task(entry["task"], kwargs=entry["kwargs"], **entry["options"])

    def listed():
        return client.get("/api/v1/ingestions", headers=admin_headers).get_json()["items"]

    run = wait_finished(client, admin_headers, wait_for(listed, message="the scheduled run")[0]["id"])
    assert run["trigger"] == "schedule" and run["status"] == "succeeded"
