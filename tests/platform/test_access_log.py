"""Access lines and request ids through the Flask test client (the subprocess tests check the same
lines as the servers print them)."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def access(caplog):
    caplog.set_level(logging.INFO, logger="fido.access")
    return lambda: [r.access for r in caplog.records if r.name == "fido.access"]


def test_one_line_per_request_with_the_key_id_and_no_query_string(client, access, app):
    from webapp.apikeys.services import create_key

    doc, secret = create_key("access-log", "read")
    response = client.get("/api/v1/prices/btc?api_key=leaked", headers={"X-API-Key": secret, "X-Request-ID": "r-9"})
    (line,) = access()
    assert line == {
        "method": "GET",
        "path": "/api/v1/prices/btc",
        "status": response.status_code,
        "duration_ms": line["duration_ms"],
        "request_id": "r-9",
        "api_key_id": str(doc.id),
    }
    assert line["duration_ms"] >= 0


def test_failed_authentication_is_logged_without_a_key_id(client, access):
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": "fido_wrong"}).status_code == 401
    (line,) = access()
    assert line["status"] == 401 and line["api_key_id"] is None


@pytest.mark.parametrize(
    ("incoming", "adopted"),
    [("a" * 128, True), ("!~#%&*+/=?^_`{|}", True), ("a" * 129, False), ("with space", False), ("é", False)],
)
def test_client_request_id_is_adopted_only_when_1_to_128_visible_ascii(client, incoming, adopted):
    echoed = client.get("/health/live", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert (echoed == incoming) is adopted
    assert 1 <= len(echoed) <= 128


def test_url_over_64_kib_is_414_in_the_envelope(client):
    response = client.get("/health/live?q=" + "a" * 65 * 1024)
    assert response.status_code == 414
    assert response.get_json()["code"] == 414


def test_chatty_client_libraries_log_at_warning(app):
    for name in ("twilio", "urllib3", "requests", "waitress", "celery", "kombu"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
