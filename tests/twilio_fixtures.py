"""Pytest fixtures around the Twilio stand-in (standins/twilio.py): one server per session, and the
app configured to send through it."""

from __future__ import annotations

import pytest

from standins.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandin
from tests.support import override_settings


@pytest.fixture(scope="session")
def twilio_server():
    server = TwilioStandin().start()
    yield server
    server.stop()


@pytest.fixture
def twilio(app, twilio_server, monkeypatch):
    """The stand-in, emptied, with the app configured to send through it (fast retries)."""
    twilio_server.reset()
    for key, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_server.url,
        "TWILIO_TIMEOUT_SECONDS": 2,
        "SMS_RETRY_BACKOFF_SECONDS": 0.05,
        "SMS_RATE_LIMIT": "1000 per second",
    }.items():
        override_settings(app, monkeypatch, **{key: value})
    yield twilio_server
    twilio_server.reset()
