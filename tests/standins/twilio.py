"""Twilio's Messages REST API as a local server (real JSON shapes, basic auth, error payloads),
and the fixture that points the app's settings at it.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` -> 201 message JSON, or Twilio's error JSON:
400/21211 for a `To` that is not E.164, 401/20003 for bad credentials. Tests script 429 (20429),
500 and slow replies with `standin.script(...)`.
"""

from __future__ import annotations

import base64
import re
import secrets
from email.utils import formatdate

import pytest

from tests.standins.server import Reply, StandinServer

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")


def error_reply(status: int, code: int, message: str) -> Reply:
    return Reply(
        status,
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
    )


class TwilioStandin(StandinServer):
    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []  # every message created (201)

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.messages.clear()

    def handle(self, req) -> Reply:
        match = _PATH.match(req.path)
        if req.method != "POST" or not match:
            return error_reply(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if match.group(1) != ACCOUNT_SID or req.headers.get("authorization") != expected:
            return error_reply(401, 20003, "Authenticate")
        form = req.form
        if not re.match(r"^\+[1-9][0-9]{7,14}$", form.get("To", "")):
            return error_reply(400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number.")
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        message = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
            "status_callback": form.get("StatusCallback"),
        }
        with self.lock:
            self.messages.append(message)
        return Reply(201, message)


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
        monkeypatch.setitem(app.config, key, value)
    yield twilio_server
    twilio_server.reset()
