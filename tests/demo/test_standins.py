"""The demo's data sources: the BTC walk keeps EUR, GBP and USD consistent while it moves; the
synthetic market is consistent within one ingestion run and drifts between runs. Through the real
HTTP stand-ins and the production fetchers."""

from decimal import Decimal

import requests

from standins.asset_sources import CoinMarketCapStandin, CryptoCompareStandin
from standins.market import SyntheticMarket
from standins.price_providers import BtcWalk, CoinbaseStandin, CoinGeckoStandin
from tests.support import override_settings
from webapp.prices import services


def test_both_price_stand_ins_walk_one_consistent_price(app, monkeypatch):
    walk = BtcWalk(seed=7)
    gecko, coinbase = CoinGeckoStandin(walk=walk).start(), CoinbaseStandin(walk=walk).start()
    try:
        override_settings(app, monkeypatch, COINGECKO_BASE_URL=gecko.url)
        override_settings(app, monkeypatch, COINBASE_BASE_URL=coinbase.url)
        quotes = [services.fetch_coingecko() for _ in range(5)] + [services.fetch_coinbase() for _ in range(5)]
    finally:
        gecko.stop()
        coinbase.stop()
    assert len({q["USD"] for q in quotes}) > 1  # it moves
    for quote in quotes:
        assert Decimal("0.85") < quote["EUR"] / quote["USD"] < Decimal("0.98")
        assert Decimal("0.72") < quote["GBP"] / quote["USD"] < Decimal("0.84")
    usd = [q["USD"] for q in quotes]
    assert max(usd) / min(usd) < Decimal("1.1")  # plausible steps


def test_the_market_agrees_within_a_run_and_drifts_between_runs():
    market = SyntheticMarket(size=300, seed=3, quiet_seconds=3600)  # every call is "the same run"
    cc, cmc = CryptoCompareStandin([], market=market).start(), CoinMarketCapStandin([], 200, market=market).start()
    try:
        first = requests.get(f"{cc.url}/data/top/totaltoptiervolfull", params={"limit": 100, "page": 0}).json()
        again = requests.get(f"{cc.url}/data/top/totaltoptiervolfull", params={"limit": 100, "page": 0}).json()
        prices = requests.get(f"{cmc.url}/v1/cryptocurrency/listings/latest", params={"start": 1, "limit": 200}).json()
    finally:
        cc.stop()
        cmc.stop()
    assert first["Data"] == again["Data"] and first["MetaData"]["Count"] == 300
    assert len({d["symbol"] for d in prices["data"]}) == 200
    market.quiet_seconds = 0  # now every call starts a new run
    ranking = market.ranking()
    assert ranking != market.ranking() and sorted(ranking) == sorted(market.ranking())
