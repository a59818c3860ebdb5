"""Fixtures of the assets tests: both sources as local stand-ins with paged fixtures, small limits
(3 ranking pages of 100 and 3 price pages of 200 for ASSET_LIMIT=250) and fast retries."""

from __future__ import annotations

import pytest

from standins.asset_sources import CoinMarketCapStandin, CryptoCompareStandin, coins, listings
from tests.support import override_settings, wait_for

ASSET_LIMIT = 250
CMC_PAGE_SIZE = 200


@pytest.fixture(scope="session")
def _cc_server():
    server = CryptoCompareStandin(coins(300)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _cmc_server():
    server = CoinMarketCapStandin(listings(600), CMC_PAGE_SIZE).start()
    yield server
    server.stop()


def _reset(server, data_attr, data):
    server.reset()
    server.faults.clear()
    for gate in server.gates.values():
        gate.set()
    server.gates.clear()
    server.delay = 0.0
    setattr(server, data_attr, data)


@pytest.fixture
def cc(_cc_server, app, monkeypatch):
    _reset(_cc_server, "coins", coins(300))
    override_settings(app, monkeypatch, CRYPTOCOMPARE_BASE_URL=_cc_server.url)
    yield _cc_server
    for gate in _cc_server.gates.values():
        gate.set()


@pytest.fixture
def cmc(_cmc_server, app, monkeypatch):
    _reset(_cmc_server, "listings", listings(600))
    override_settings(app, monkeypatch, COINMARKETCAP_BASE_URL=_cmc_server.url)
    override_settings(app, monkeypatch, COINMARKETCAP_API_KEY="test-cmc-key")
    yield _cmc_server
    for gate in _cmc_server.gates.values():
        gate.set()


@pytest.fixture
def sources(app, cc, cmc, monkeypatch):
    """Both stand-ins wired in, small limits, fast retries (2 retries, 20 ms base backoff)."""
    for key, value in {
        "ASSET_LIMIT": ASSET_LIMIT,
        "COINMARKETCAP_PAGE_SIZE": CMC_PAGE_SIZE,
        "ASSET_PAGE_MAX_RETRIES": 2,
        "ASSET_RETRY_BACKOFF_MS": 20,
        "ASSET_HTTP_TIMEOUT_SECONDS": 5,
    }.items():
        override_settings(app, monkeypatch, **{key: value})
    yield cc, cmc
    # A test ends only when none of its runs is still going, so no page task of one test can reach
    # the next test's stand-ins or database.
    for server in (cc, cmc):
        for gate in server.gates.values():
            gate.set()
    from webapp.assets.models import IngestionRun

    wait_for(lambda: not IngestionRun.objects(status__in=["queued", "running"]).count(), timeout=30)


def start_run(client, headers) -> dict:
    response = client.post("/api/v1/ingestions", headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def wait_finished(client, headers, run_id: str, timeout: float = 20.0) -> dict:
    def finished():
        body = client.get(f"/api/v1/ingestions/{run_id}", headers=headers).get_json()
        return body if body["status"] in ("succeeded", "failed") else None

    return wait_for(finished, timeout=timeout, message=f"run {run_id} to finish")


def ingest(client, headers) -> dict:
    """Run one ingestion to its end through the API and the worker."""
    return wait_finished(client, headers, start_run(client, headers)["id"])
