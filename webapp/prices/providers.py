"""BTC price providers: each fetch returns {"EUR": Decimal, "GBP": Decimal, "USD": Decimal} or raises
ProviderError (or a `requests` exception). Rates are parsed exactly from the raw JSON text."""

from __future__ import annotations

import json
from decimal import Decimal, DecimalException

import requests
from bson import Decimal128

from webapp.money import CURRENCIES
from webapp.settings import current as current_settings


class ProviderError(Exception):
    """A provider's answer is unusable (HTTP error, not JSON, missing or bad rates)."""


def _get_json(url: str, params: dict):
    timeout = current_settings().prices.PRICE_HTTP_TIMEOUT_SECONDS
    response = requests.get(url, params=params, timeout=timeout, headers={"Accept": "application/json"})
    if response.status_code != 200:
        raise ProviderError(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        return json.loads(response.text, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise ProviderError(f"response is not JSON: {response.text[:100]!r}") from None


def _rate(value, currency: str) -> Decimal:
    """A usable rate: a JSON number or numeric string, finite, positive, storable exactly."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ProviderError(f"{currency} rate missing or not a number: {value!r}")
    try:
        rate = Decimal(value)
        Decimal128(rate)  # more than 34 significant digits cannot be stored exactly
    except (DecimalException, ValueError):  # Inexact, InvalidOperation
        raise ProviderError(f"{currency} rate is not a usable decimal: {value!r}") from None
    if not rate.is_finite() or rate <= 0:
        raise ProviderError(f"{currency} rate is not a positive finite number: {value!r}")
    return rate


def fetch_coingecko() -> dict:
    base = current_settings().prices.COINGECKO_BASE_URL.rstrip("/")
    data = _get_json(
        f"{base}/api/v3/simple/price",
        {"ids": "bitcoin", "vs_currencies": "eur,gbp,usd", "include_last_updated_at": "true"},
    )
    block = data.get("bitcoin") if isinstance(data, dict) else None
    if not isinstance(block, dict):
        raise ProviderError("answer has no 'bitcoin' object")
    return {c: _rate(block.get(c.lower()), c) for c in CURRENCIES}


def fetch_coinbase() -> dict:
    base = current_settings().prices.COINBASE_BASE_URL.rstrip("/")
    data = _get_json(f"{base}/v2/exchange-rates", {"currency": "BTC"})
    block = data.get("data") if isinstance(data, dict) else None
    if not isinstance(block, dict) or block.get("currency") != "BTC" or not isinstance(block.get("rates"), dict):
        raise ProviderError("answer has no BTC 'data.rates' object")
    return {c: _rate(block["rates"].get(c), c) for c in CURRENCIES}


PROVIDERS = {"coingecko": fetch_coingecko, "coinbase": fetch_coinbase}
