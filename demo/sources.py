"""The demo's third parties: the stand-ins of standins/ on free local ports, in threads of the run
process (so they end with it), and the settings values that point the real clients at them.

Contract: `DemoSources().start()` returns the environment values (ordinary settings: base URLs,
Twilio credentials of the stand-in, DEMO_MODE) that make the production code path talk to them;
`stop()` closes every server and the Twilio callback thread. Requests are not recorded (a demo may
run for days).
"""

from __future__ import annotations

from standins.asset_sources import CoinMarketCapStandin, CryptoCompareStandin
from standins.market import SyntheticMarket
from standins.price_providers import BtcWalk, CoinbaseStandin, CoinGeckoStandin
from standins.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandin

ASSET_COUNT = 400
CMC_PAGE_SIZE = 200  # COINMARKETCAP_PAGE_SIZE's default; only used to number pages in the stand-in

DESCRIPTIONS = {
    "coingecko": "CoinGecko      BTC in EUR/GBP/USD, a random walk shared with Coinbase",
    "coinbase": "Coinbase       the same walk, Coinbase's format",
    "cryptocompare": f"CryptoCompare  {ASSET_COUNT} synthetic assets ranked by volume, drifting per run",
    "coinmarketcap": "CoinMarketCap  their USD prices, drifting per run",
    "twilio": "Twilio         accepts SMS; signed status callbacks when PUBLIC_BASE_URL is set",
}


class DemoSources:
    def __init__(self):
        self.servers: dict = {}

    def start(self) -> dict[str, str]:
        walk = BtcWalk()
        market = SyntheticMarket(size=ASSET_COUNT, walk=walk)
        self.servers = {
            "coingecko": CoinGeckoStandin(walk=walk),
            "coinbase": CoinbaseStandin(walk=walk),
            "cryptocompare": CryptoCompareStandin([], market=market),
            "coinmarketcap": CoinMarketCapStandin([], CMC_PAGE_SIZE, market=market),
            "twilio": TwilioStandin(callbacks=True, keep_messages=False),
        }
        for server in self.servers.values():
            server.record = False
            server.start()
        urls = {name: server.url for name, server in self.servers.items()}
        return {
            "DEMO_MODE": "true",
            "BTC_PRICE_PROVIDERS": "coingecko,coinbase",
            "COINGECKO_BASE_URL": urls["coingecko"],
            "COINBASE_BASE_URL": urls["coinbase"],
            "CRYPTOCOMPARE_BASE_URL": urls["cryptocompare"],
            "COINMARKETCAP_BASE_URL": urls["coinmarketcap"],
            "TWILIO_API_BASE_URL": urls["twilio"],
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_MESSAGING_SERVICE_SID": "",
        }

    def lines(self) -> list[str]:
        return [f"  {server.url:<24} {DESCRIPTIONS[name]}" for name, server in self.servers.items()]

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers = {}
