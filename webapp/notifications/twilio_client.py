"""The official twilio client, pointed at `TWILIO_API_BASE_URL` when set, with a request timeout.

twilio 9.x builds every Messages URL from `client.api.base_url` ("https://api.twilio.com"), so
overriding that attribute sends the real client's real requests to a regional edge, a proxy or a
local stand-in. One client per thread and configuration (the HTTP session is reused). The client's
per-request INFO log (URL, headers, body) is silenced: it would carry phone numbers and texts.
"""

from __future__ import annotations

import logging
import threading

import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

_local = threading.local()


def get_client(config) -> Client:
    key = (
        config.transactions.TWILIO_ACCOUNT_SID,
        config.transactions.TWILIO_AUTH_TOKEN,
        config.transactions.TWILIO_API_BASE_URL,
        config.transactions.TWILIO_TIMEOUT_SECONDS,
    )
    cache = getattr(_local, "clients", None)
    if cache is None:
        cache = _local.clients = {}
    client = cache.get(key)
    if client is None:
        http_client = TwilioHttpClient(timeout=float(key[3]))
        # The client logs every request (URL, headers) at INFO: third-party clients stay at WARNING.
        http_client.logger.setLevel(logging.WARNING)
        client = Client(key[0], key[1], http_client=http_client)
        if key[2]:
            client.api.base_url = key[2].rstrip("/")
        cache[key] = client
    return client


def never_reached_twilio(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach Twilio (connect timeout, refused connection),
    so sending again cannot duplicate a message. Read timeouts and dropped responses are ambiguous."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError) or isinstance(exc.args[0] if exc.args else None, NewConnectionError)
