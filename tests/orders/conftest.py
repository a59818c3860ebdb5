"""Order test helpers: a fresh quote stored through the price service."""

from decimal import Decimal

import pytest

from tests.support import override_settings
from webapp.prices.services import store_quote

RATES = {"EUR": Decimal("61234.12"), "GBP": Decimal("52100.50"), "USD": Decimal("67012.34")}


@pytest.fixture
def quote(app):
    """A fresh quote (coingecko, RATES) as the latest price."""
    return store_quote("coingecko", RATES)


@pytest.fixture
def small_cap(app, monkeypatch):
    override_settings(app, monkeypatch, BTC_ORDER_CAP="1")
