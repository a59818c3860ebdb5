"""`manage.py smoke`: an end-to-end check of a running deployment, over HTTP only.

Each step prints ONE line (`ok`, `note` or `FAIL`) and the run stops at the first failure (exit 1).
Only ids, statuses and counts are printed: never a key, a name, an e-mail, a phone number or a
message text. What the steps create is synthetic and removed at the end (the user and its
transaction; the dialog is revoked, which deletes it).

Not failures, by decision (`note` lines): the BTC quote answering 503 (no price provider reachable:
the deployment works, the outside world does not) and the asset listing answering 503 (no ingestion
has succeeded yet). Their explanation from the API is printed. Anything else unexpected fails.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

import requests

TIMEOUT = 10.0  # seconds per HTTP request
STATS_WAIT = 30.0  # seconds to wait for a transaction's statistics


class StepFailed(Exception):
    """A step's check did not hold; its message is the line printed."""


class Smoke:
    def __init__(self, url: str, key: str, echo=print):
        self.base = url.rstrip("/")
        self.admin = {"X-API-Key": key}
        self.echo = echo
        self.session = requests.Session()
        self.tag = secrets.token_hex(4)  # marks this run's synthetic records

    # ---- HTTP ------------------------------------------------------------------------------------

    def call(self, method: str, path: str, expect, headers=None, **kwargs) -> requests.Response:
        try:
            response = self.session.request(
                method, self.base + path, headers=headers or self.admin, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            raise StepFailed(f"{method} {path}: no answer ({type(exc).__name__})") from None
        expected = expect if isinstance(expect, tuple) else (expect,)
        if response.status_code not in expected:
            raise StepFailed(f"{method} {path}: HTTP {response.status_code}, expected {'/'.join(map(str, expected))}")
        return response

    # ---- steps -----------------------------------------------------------------------------------

    def health(self) -> str:
        self.call("GET", "/health/live", 200, headers={})
        checks = self.call("GET", "/health/ready", 200, headers={}).json()["checks"]
        return "live and ready (" + ", ".join(sorted(checks)) + ")"

    def api_key(self) -> str:
        created = self.call("POST", "/api/v1/api-keys", 201, json={"name": f"smoke-{self.tag}", "scope": "read"}).json()
        own = {"X-API-Key": created["key"]}
        self.call("GET", "/api/v1/users?page_size=1", 200, headers=own)
        self.call("DELETE", f"/api/v1/api-keys/{created['id']}", (200, 204))
        self.call("GET", "/api/v1/users?page_size=1", 401, headers=own)
        return f"key {created['id']} created, used, revoked, refused after"

    def user_and_statistics(self) -> str:
        user = {
            "name": f"Smoke {self.tag}",
            "email": f"smoke-{self.tag}@example.invalid",
            "phone_number": "+15005550006",
        }
        self.user_id = self.call("POST", "/api/v1/users", 201, json=user).json()["id"]
        txn = {
            "user_id": self.user_id,
            "full_name": user["name"],
            "transaction_date": datetime.now(UTC).isoformat(),
            "transaction_amount": "12.34",
            "transaction_type": "credit",
        }
        txn_id = self.call("POST", "/api/v1/transactions", 201, json=txn).json()["id"]
        deadline = time.monotonic() + STATS_WAIT
        while True:
            figures = self.call("GET", f"/api/v1/users/{self.user_id}/analytics", 200).json()
            if figures["transaction_count"] == 1 and figures["balance"] == "12.34":
                break
            if time.monotonic() > deadline:
                raise StepFailed(f"statistics of user {self.user_id} not updated within {STATS_WAIT:.0f}s")
            time.sleep(0.25)
        return f"user {self.user_id}, transaction {txn_id}, statistics updated"

    def dialog(self) -> str:
        customer, dialog = f"smoke-cust-{self.tag}", f"smoke-dlg-{self.tag}"
        path = f"/api/v1/data/{customer}/{dialog}"
        self.call("POST", path, 201, json={"text": "smoke check", "language": "en"})
        if self.call("POST", f"/api/v1/consents/{dialog}", 200, json=True).json()["consent"] != "granted":
            raise StepFailed(f"dialog {dialog}: consent not granted")
        self.call("GET", path, 200)
        if self.call("POST", f"/api/v1/consents/{dialog}", 200, json=False).json()["consent"] != "revoked":
            raise StepFailed(f"dialog {dialog}: consent not revoked")
        self.call("GET", path, 404)
        return f"dialog {dialog} consented, read, revoked, gone"

    def btc_quote(self) -> tuple[str, str]:
        response = self.call("GET", "/api/v1/prices/btc", (200, 503))
        if response.status_code == 503:
            return "note", "unavailable (503): " + response.json().get("message", "")
        quote = response.json()
        return "ok", f"source {quote['source']}, age {quote['age_seconds']}s" + (", STALE" if quote["stale"] else "")

    def asset_snapshot(self) -> tuple[str, str]:
        response = self.call("GET", "/api/v1/assets?limit=1", (200, 503))
        if response.status_code == 503:
            return "note", "none published yet (503): " + response.json().get("message", "")
        body = response.json()
        return "ok", f"snapshot {body['snapshot_id']} from {body['last_updated']}"

    def cleanup(self) -> str:
        if getattr(self, "user_id", None):
            self.call("DELETE", f"/api/v1/users/{self.user_id}", 204)
        return "synthetic user and its transaction deleted"

    # ---- the run ---------------------------------------------------------------------------------

    def run(self) -> int:
        steps = [
            ("health", self.health),
            ("api key", self.api_key),
            ("user+stats", self.user_and_statistics),
            ("dialog", self.dialog),
            ("btc quote", self.btc_quote),
            ("assets", self.asset_snapshot),
            ("cleanup", self.cleanup),
        ]
        for name, step in steps:
            try:
                outcome = step()
            except StepFailed as exc:
                self.echo(f"FAIL {name:<10} {exc}")
                return 1
            except (KeyError, TypeError, ValueError) as exc:  # an answer of the wrong shape
                self.echo(f"FAIL {name:<10} unexpected answer ({type(exc).__name__})")
                return 1
            status, text = outcome if isinstance(outcome, tuple) else ("ok", outcome)
            self.echo(f"{status:<4} {name:<10} {text}")
        return 0
