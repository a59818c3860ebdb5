"""Dialog test helpers: HTTP shortcuts on the shared test client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class DialogApi:
    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def message(self, customer_id, dialog_id, text="hello", language="en"):
        return self.client.post(
            f"/api/v1/data/{customer_id}/{dialog_id}", json={"text": text, "language": language}, headers=self.headers
        )

    def consent(self, dialog_id, body):
        return self.client.post(f"/api/v1/consents/{dialog_id}", json=body, headers=self.headers)

    def get(self, customer_id, dialog_id):
        return self.client.get(f"/api/v1/data/{customer_id}/{dialog_id}", headers=self.headers)

    def list(self, **query):
        return self.client.get("/api/v1/data", query_string=query, headers=self.headers)

    def delete(self, customer_id, dialog_id):
        return self.client.delete(f"/api/v1/data/{customer_id}/{dialog_id}", headers=self.headers)

    def erase(self, customer_id):
        return self.client.delete(f"/api/v1/customers/{customer_id}/data", headers=self.headers)


@pytest.fixture
def dialogs(client, write_headers):
    return DialogApi(client, write_headers)
