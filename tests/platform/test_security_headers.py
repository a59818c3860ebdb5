"""Headers on every response: nosniff everywhere; no-store on /api/v1 (errors and the 201 that
carries a new key included)."""

import pytest


def _check(response, cache_control="no-store"):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Cache-Control") == cache_control


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/users"),  # 401: no key
        ("get", "/api/v1/no-such-route"),  # 404
        ("delete", "/api/v1/prices/btc"),  # 405
    ],
)
def test_errors_without_a_key(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code >= 400 and response.is_json
    _check(response)


def test_new_key_201_is_never_cached(client, admin_headers):
    response = client.post("/api/v1/api-keys", json={"name": "ci", "scope": "read"}, headers=admin_headers)
    assert response.status_code == 201 and response.get_json()["key"]
    _check(response)


def test_authenticated_reads_and_422(client, read_headers, write_headers):
    _check(client.get("/api/v1/users", headers=read_headers))
    _check(client.get("/api/v1/users?page_size=0", headers=read_headers))
    invalid = client.post("/api/v1/users", json={"name": "x"}, headers=write_headers)
    assert invalid.status_code == 422
    _check(invalid)
    forbidden = client.post("/api/v1/users", json={"name": "x"}, headers=read_headers)
    assert forbidden.status_code == 403
    _check(forbidden)


def test_nosniff_outside_the_api(client):
    for path in ("/health/live", "/api/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
