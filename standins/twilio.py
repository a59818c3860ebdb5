"""Twilio's Messages REST API as a local server (real JSON shapes, basic auth, error payloads).

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` -> 201 message JSON, or Twilio's error JSON:
400/21211 for a `To` that is not E.164, 401/20003 for bad credentials. Tests script 429 (20429),
500 and slow replies with `standin.script(...)`.

With `callbacks=True` (the demo), a message created with a `StatusCallback` URL then gets Twilio's
status callbacks, "sent" and then "delivered", POSTed form-encoded to that URL from one sender
thread and signed (`X-Twilio-Signature`) with the auth token exactly as Twilio signs them.
"""

from __future__ import annotations

import base64
import logging
import queue
import re
import secrets
import threading
import time
from email.utils import formatdate

import requests
from twilio.request_validator import RequestValidator

from standins.server import Reply, StandinServer

log = logging.getLogger(__name__)
CALLBACK_DELAY_SECONDS = 0.5

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"  # noqa: S105  (a stand-in credential, public by design)
FROM_NUMBER = "+15005550006"
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")


def error_reply(status: int, code: int, message: str) -> Reply:
    return Reply(
        status,
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
    )


class TwilioStandin(StandinServer):
    def __init__(self, port: int = 0, callbacks: bool = False, keep_messages: bool = True):
        super().__init__(port)
        self.messages: list[dict] = []  # every message created (201), unless keep_messages is False
        self.keep_messages = keep_messages
        self.callbacks = callbacks
        self._outbox: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._sender = threading.Thread(target=self._send_callbacks, name="twilio-standin-callbacks", daemon=True)

    def start(self) -> TwilioStandin:
        super().start()
        if self.callbacks:
            self._sender.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._sender.is_alive():
            self._sender.join(5)
        super().stop()

    def _send_callbacks(self) -> None:
        validator = RequestValidator(AUTH_TOKEN)
        while not self._stopping.is_set():
            try:
                due, url, params = self._outbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if self._stopping.wait(max(0.0, due - time.monotonic())):
                return
            headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
            try:
                requests.post(url, data=params, headers=headers, timeout=5)
            except requests.RequestException as exc:  # Twilio gives up too, after its own retries
                log.info("status callback for %s not delivered: %s", params["MessageSid"], type(exc).__name__)

    def _queue_callbacks(self, message: dict) -> None:
        """Queue "sent" then "delivered", due CALLBACK_DELAY_SECONDS apart after the creation."""
        now = time.monotonic()
        for step, status in enumerate(("sent", "delivered"), start=1):
            params = {
                "AccountSid": ACCOUNT_SID,
                "ApiVersion": "2010-04-01",
                "From": message["from"] or "",
                "To": message["to"],
                "MessageSid": message["sid"],
                "SmsSid": message["sid"],
                "MessageStatus": status,
                "SmsStatus": status,
            }
            self._outbox.put((now + step * CALLBACK_DELAY_SECONDS, message["status_callback"], params))

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
        if self.keep_messages:
            with self.lock:
                self.messages.append(message)
        if self.callbacks and message["status_callback"]:
            self._queue_callbacks(message)
        return Reply(201, message)
