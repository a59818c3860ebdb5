"""Rate limits per API key, stored in Redis, with their headers."""

from tests.support import make_key


def test_limit_headers_and_429_per_key(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "5 per minute")
    key_a, key_b = make_key("admin"), make_key("admin")
    for i in range(5):
        response = client.get("/api/v1/api-keys", headers={"X-API-Key": key_a})
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == str(5 - i - 1)
        assert int(response.headers["X-RateLimit-Reset"]) > 0
    blocked = client.get("/api/v1/api-keys", headers={"X-API-Key": key_a})
    assert blocked.status_code == 429
    body = blocked.get_json()
    assert body["code"] == 429 and body["status"] == "Too Many Requests" and "5 per 1 minute" in body["message"]
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert blocked.headers["X-RateLimit-Remaining"] == "0"
    # Another key has its own budget.
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key_b}).status_code == 200


def test_default_limit_is_600_per_minute(app):
    assert app.config["RATE_LIMIT_DEFAULT"] == "600 per minute"


def test_health_and_docs_are_not_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "1 per minute")
    assert [client.get("/health/live").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.get("/api/openapi.json").status_code for _ in range(3)] == [200, 200, 200]


def test_limits_are_counted_in_redis(app, client, admin_headers):
    from webapp.extensions import get_redis

    client.get("/api/v1/api-keys", headers=admin_headers)
    assert any(b"LIMITER/fido-rl/key:" in key for key in get_redis().scan_iter(count=1000))
