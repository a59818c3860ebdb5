"""Price provider stand-ins (local HTTP servers in the real formats), wired into the app config."""

import pytest

from standins.price_providers import CoinbaseStandin, CoinGeckoStandin
from tests.support import override_settings


@pytest.fixture(scope="session")
def _gecko_server():
    server = CoinGeckoStandin().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _coinbase_server():
    server = CoinbaseStandin().start()
    yield server
    server.stop()


@pytest.fixture
def coingecko(app, monkeypatch, _gecko_server):
    _gecko_server.reset()
    _gecko_server.rates = {"EUR": "61234.12", "GBP": "52100.5", "USD": "67012.34"}
    override_settings(app, monkeypatch, COINGECKO_BASE_URL=_gecko_server.url)
    return _gecko_server


@pytest.fixture
def coinbase(app, monkeypatch, _coinbase_server):
    _coinbase_server.reset()
    _coinbase_server.rates = {"EUR": "61240.00", "GBP": "52110.25", "USD": "67020.99"}
    override_settings(app, monkeypatch, COINBASE_BASE_URL=_coinbase_server.url)
    return _coinbase_server


@pytest.fixture
def providers(app, monkeypatch, coingecko, coinbase):
    override_settings(app, monkeypatch, BTC_PRICE_PROVIDERS="coingecko,coinbase")
    override_settings(app, monkeypatch, PRICE_HTTP_TIMEOUT_SECONDS=0.5)
    return coingecko, coinbase
