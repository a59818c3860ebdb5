"""The two upstream sources: fetch one page, classify failures, validate item by item.

`fetch_ranking_page(page)` and `fetch_price_page(page)` return `(items, rejected)`: the valid items
and a list of `(position, reason)` for items that were dropped. They raise `TransientSourceError`
for what a retry may fix (connection errors, timeouts, HTTP 429 and 5xx) and `PermanentSourceError`
for what it will not (other HTTP errors, non-JSON bodies, CryptoCompare's `"Response": "Error"`,
CoinMarketCap's non-zero `status.error_code`, a body without an item list). Prices are parsed from
the raw text with `parse_float=Decimal`; no binary float ever holds one.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, DecimalException

import requests
from bson import Decimal128

from webapp.settings import current as current_settings

RANKING_PAGE_SIZE = 100  # CryptoCompare's maximum `limit`
PRICE_COVERAGE_FACTOR = 2  # price pages cover the top ASSET_LIMIT * 2 coins by market cap
MAX_SYMBOL = 40
MAX_NAME = 200


class SourceError(Exception):
    pass


class TransientSourceError(SourceError):
    """Worth retrying with backoff."""


class PermanentSourceError(SourceError):
    """Retrying will not help; recorded on the run."""


def ranking_page_count(asset_limit: int) -> int:
    return max(1, math.ceil(asset_limit / RANKING_PAGE_SIZE))


def price_page_count(asset_limit: int, page_size: int) -> int:
    return max(1, math.ceil(asset_limit * PRICE_COVERAGE_FACTOR / page_size))


def _get(url: str, params: dict, headers: dict):
    timeout = current_settings().assets.ASSET_HTTP_TIMEOUT_SECONDS
    try:
        response = requests.get(url, params=params, headers=headers, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientSourceError(f"{type(exc).__name__}: {exc}") from None
    except requests.RequestException as exc:
        raise PermanentSourceError(f"request failed: {exc}") from None
    try:
        body = json.loads(response.text, parse_float=Decimal)
    except ValueError:
        body = None
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientSourceError(f"HTTP {response.status_code}{_upstream_message(body)}")
    if response.status_code != 200:
        raise PermanentSourceError(f"HTTP {response.status_code}{_upstream_message(body)}")
    if not isinstance(body, dict):
        raise PermanentSourceError("the body is not a JSON object")
    return body


def _upstream_message(body) -> str:
    if isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, dict) and status.get("error_message"):
            return f": {status.get('error_code')} {status['error_message']}"
        if body.get("Message"):
            return f": {body['Message']}"
    return ""


def _text(value, limit: int) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= limit:
        return value.strip()
    return None


def fetch_ranking_page(page: int) -> tuple[list[dict], list[tuple[int, str]]]:
    """Page `page` (0-based) of CryptoCompare's top list by volume: items `{rank, symbol, name}`."""
    config = current_settings()
    headers = {}
    if config.assets.CRYPTOCOMPARE_API_KEY:
        headers["authorization"] = f"Apikey {config.assets.CRYPTOCOMPARE_API_KEY}"
    body = _get(
        config.assets.CRYPTOCOMPARE_BASE_URL.rstrip("/") + "/data/top/totaltoptiervolfull",
        {"limit": RANKING_PAGE_SIZE, "page": page, "tsym": "USD"},
        headers,
    )
    if body.get("Response") == "Error":
        raise PermanentSourceError(f"CryptoCompare error: {body.get('Message') or 'no message'}")
    data = body.get("Data")
    if not isinstance(data, list):
        raise PermanentSourceError("CryptoCompare answer has no Data list")
    items, rejected = [], []
    for position, entry in enumerate(data):
        info = entry.get("CoinInfo") if isinstance(entry, dict) else None
        symbol = _text(info.get("Name"), MAX_SYMBOL) if isinstance(info, dict) else None
        name = _text(info.get("FullName"), MAX_NAME) if isinstance(info, dict) else None
        if symbol is None or name is None:
            rejected.append((position, "CoinInfo.Name and CoinInfo.FullName must be non-empty strings"))
            continue
        items.append({"rank": page * RANKING_PAGE_SIZE + position + 1, "symbol": symbol, "name": name})
    return items, rejected


def _price(value) -> Decimal | None:
    # parse_float=Decimal gives Decimal for 1.5 and int for 2; bool is an int but never a price.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    number = Decimal(value)
    if not number.is_finite() or number <= 0:
        return None
    try:
        Decimal128(number)  # must be storable exactly (34 digits, bounded exponent)
    except (DecimalException, ValueError):
        return None
    return number


def fetch_price_page(page: int) -> tuple[list[dict], list[tuple[int, str]]]:
    """Page `page` (0-based) of CoinMarketCap's latest listings: items `{symbol, cmc_rank, price_usd}`."""
    config = current_settings()
    size = config.assets.COINMARKETCAP_PAGE_SIZE
    headers = {"X-CMC_PRO_API_KEY": config.assets.COINMARKETCAP_API_KEY or "", "Accept": "application/json"}
    body = _get(
        config.assets.COINMARKETCAP_BASE_URL.rstrip("/") + "/v1/cryptocurrency/listings/latest",
        {"start": page * size + 1, "limit": size, "convert": "USD"},
        headers,
    )
    status = body.get("status")
    if not isinstance(status, dict):
        raise PermanentSourceError("CoinMarketCap answer has no status object")
    if status.get("error_code") not in (0, None):
        raise PermanentSourceError(
            f"CoinMarketCap error {status.get('error_code')}: {status.get('error_message') or 'no message'}"
        )
    data = body.get("data")
    if not isinstance(data, list):
        raise PermanentSourceError("CoinMarketCap answer has no data list")
    items, rejected = [], []
    for position, entry in enumerate(data):
        if not isinstance(entry, dict):
            rejected.append((position, "not an object"))
            continue
        symbol = _text(entry.get("symbol"), MAX_SYMBOL)
        rank = entry.get("cmc_rank")
        quote = entry.get("quote")
        usd = quote.get("USD") if isinstance(quote, dict) else None
        price = _price(usd.get("price")) if isinstance(usd, dict) else None
        if symbol is None:
            rejected.append((position, "symbol must be a non-empty string"))
        elif isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            rejected.append((position, f"{symbol}: cmc_rank must be a positive integer"))
        elif price is None:
            rejected.append((position, f"{symbol}: quote.USD.price must be a positive number"))
        else:
            items.append({"symbol": symbol, "cmc_rank": rank, "price_usd": price})
    return items, rejected
