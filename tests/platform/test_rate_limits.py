"""Rate limits: one budget per API key over every /api/v1 route, per-route limits on top, failed
authentication limited per client address, headers from the counting script, one Redis command per
limited request (watched with MONITOR on the real Redis)."""

import logging
import uuid
from decimal import Decimal

import redis

from tests.support import make_key, override_settings
from webapp.prices.services import store_quote
from webapp.ratelimit import Counters, parse_limits

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def test_limit_headers_and_429_per_key(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="5 per minute")
    key_a, key_b = make_key("admin"), make_key("admin")
    for i in range(5):
        response = client.get("/api/v1/api-keys", headers={"X-API-Key": key_a})
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == str(5 - i - 1)
        assert int(response.headers["X-RateLimit-Reset"]) > 0
        assert "Retry-After" not in response.headers
    blocked = client.get("/api/v1/api-keys", headers={"X-API-Key": key_a})
    assert blocked.status_code == 429
    body = blocked.get_json()
    assert body["code"] == 429 and body["status"] == "Too Many Requests" and "5 per 1 minute" in body["message"]
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert blocked.headers["X-RateLimit-Remaining"] == "0"
    # Another key has its own budget.
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key_b}).status_code == 200


def test_default_budget_is_shared_by_all_routes(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="4 per minute")
    headers = {"X-API-Key": make_key("admin")}
    codes = [
        client.get("/api/v1/api-keys", headers=headers).status_code,
        client.get("/api/v1/users", headers=headers).status_code,
        client.get("/api/v1/orders", headers=headers).status_code,
        client.get("/api/v1/users", headers=headers).status_code,
        client.get("/api/v1/api-keys", headers=headers).status_code,
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert client.get("/api/v1/orders/summary", headers=headers).status_code == 429


def test_orders_limit_applies_on_top_of_the_shared_budget(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="10 per minute")
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="2 per minute")
    store_quote("coinbase", {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")})
    headers = {"X-API-Key": make_key("write")}
    body = {"currency": "EUR", "amount": "1"}
    created = [client.post("/api/v1/orders", json=body, headers=headers) for _ in range(3)]
    assert [r.status_code for r in created] == [201, 201, 429]
    # The headers describe the shared budget, which the refused order also spent.
    assert [r.headers["X-RateLimit-Remaining"] for r in created] == ["9", "8", "7"]
    assert "2 per 1 minute" in created[-1].get_json()["message"]
    # Other routes still have the shared budget left.
    assert client.get("/api/v1/orders", headers=headers).status_code == 200


def test_failed_authentication_is_limited_per_address(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_AUTH_FAILURES="3 per minute")
    good = {"X-API-Key": make_key("read")}
    assert client.get("/api/v1/users", headers=good).status_code == 200
    wrong = [client.get("/api/v1/users", headers={"X-API-Key": f"fido_wrong{i}"}) for i in range(4)]
    assert [r.status_code for r in wrong] == [401, 401, 401, 429]
    assert wrong[-1].get_json()["code"] == 429 and 1 <= int(wrong[-1].headers["Retry-After"]) <= 60
    assert "Retry-After" not in wrong[0].headers
    # Past the limit even the correct key is refused from this address until the window passes...
    refused = client.get("/api/v1/users", headers=good)
    assert refused.status_code == 429 and refused.get_json()["status"] == "Too Many Requests"
    assert "3 per 1 minute" in refused.get_json()["message"]
    # ...while another address is unaffected.
    other = client.get("/api/v1/users", headers=good, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


def test_default_failed_authentication_limit(app):
    assert app.config["RATE_LIMIT_AUTH_FAILURES"] == "30 per minute"
    assert app.config["RATE_LIMIT_DEFAULT"] == "600 per minute"


def test_health_and_docs_are_not_limited_and_carry_no_limit_headers(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="1 per minute")
    for path in ("/health/live", "/api/openapi.json"):
        responses = [client.get(path) for _ in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert not any(h in r.headers for r in responses for h in (*HEADERS, "Retry-After"))


def _commands_during(app, action) -> list[list[str]]:
    """The commands on rate-limit counters Redis executed while `action` ran (MONITOR)."""
    url = app.config["RATELIMIT_STORAGE_URI"]
    watcher = redis.Redis.from_url(url, decode_responses=True)
    db = watcher.connection_pool.connection_kwargs.get("db", 0)
    marker, seen = f"end-{uuid.uuid4().hex}", []
    pinger = redis.Redis.from_url(url)
    pinger.ping()  # connected (and its SELECT sent) before watching
    with watcher.monitor() as monitor:
        action()
        pinger.echo(marker)
        while True:
            command = monitor.next_command()
            if marker in command["command"]:
                return seen
            # Round trips on limit counters only (a route may read its own cache); what a script
            # runs inside Redis is listed with client type "lua".
            text = command["command"]
            if int(command["db"]) == db and command.get("client_type") != "lua" and "fido-rl" in text:
                seen.append(text.split(" ", 1)[0])


def test_one_redis_command_per_authenticated_request_none_on_health(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_ORDERS="100 per minute")
    store_quote("coinbase", {"EUR": Decimal("50000"), "GBP": Decimal("40000"), "USD": Decimal("60000")})
    headers = {"X-API-Key": make_key("write")}
    client.get("/api/v1/users", headers=headers)  # Redis holds the script from here on
    assert _commands_during(app, lambda: client.get("/api/v1/users", headers=headers)) == ["EVALSHA"]
    # Two limits (shared budget + orders) still take one round trip.
    order = lambda: client.post("/api/v1/orders", json={"currency": "EUR", "amount": "1"}, headers=headers)  # noqa: E731
    assert _commands_during(app, order) == ["EVALSHA"]
    assert _commands_during(app, lambda: client.get("/health/live")) == []


def test_a_redis_without_the_script_gets_it_with_the_same_request(app, client):
    headers = {"X-API-Key": make_key("read")}
    redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"]).script_flush()
    assert _commands_during(app, lambda: client.get("/api/v1/users", headers=headers)) == ["EVALSHA", "EVAL"]
    assert _commands_during(app, lambda: client.get("/api/v1/users", headers=headers)) == ["EVALSHA"]


def test_a_connection_closed_by_redis_is_replaced_without_falling_back(app, client, monkeypatch, caplog):
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="10 per minute")
    headers = {"X-API-Key": make_key("read")}
    assert client.get("/api/v1/users", headers=headers).headers["X-RateLimit-Remaining"] == "9"
    admin = redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"])
    limiter = [c["id"] for c in admin.client_list() if c["cmd"] in ("evalsha", "eval")]
    assert limiter and all(admin.client_kill_filter(_id=client_id) for client_id in limiter)
    with caplog.at_level(logging.WARNING, logger="webapp.ratelimit"):
        assert client.get("/api/v1/users", headers=headers).headers["X-RateLimit-Remaining"] == "8"  # in Redis
    assert "unreachable" not in caplog.text


def test_limit_strings_are_parsed_once_per_value():
    parse_limits.cache_clear()
    for _ in range(5):
        parse_limits("7 per minute")
    parse_limits("8 per minute; 100 per hour")
    assert parse_limits.cache_info().misses == 2 and parse_limits.cache_info().hits == 4
    assert [item.amount for item in parse_limits("8 per minute; 100 per hour")] == [8, 100]


def test_several_rates_in_one_setting_each_count(app, client, monkeypatch):
    override_settings(app, monkeypatch, RATE_LIMIT_DEFAULT="100 per minute; 3 per hour")
    headers = {"X-API-Key": make_key("read")}
    responses = [client.get("/api/v1/users", headers=headers) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    # The headers describe the rate with the least left.
    assert [r.headers["X-RateLimit-Limit"] for r in responses[:3]] == ["3", "3", "3"]
    assert responses[2].headers["X-RateLimit-Remaining"] == "0"
    assert "3 per 1 hour" in responses[3].get_json()["message"]


def test_unreachable_redis_falls_back_to_memory_and_logs_once(caplog):
    from tests.platform.test_processes import free_port

    counters = Counters(redis.Redis(port=free_port(), socket_connect_timeout=0.5))
    with caplog.at_level(logging.WARNING, logger="webapp.ratelimit"):
        answers = [counters.run([("f", 1)], [("k", 60)]).values for _ in range(3)]
    assert [a[:2] for a in answers] == [[-1, 1], [-1, 2], [-1, 3]]
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
    # The address block works from memory too.
    counters.run([], [("fail", 60)])
    counters.run([], [("fail", 60)])
    blocked = counters.run([("other", 0), ("fail", 1)], [("k", 60)]).values
    assert blocked[1] == 2 and 1 <= blocked[0] <= 60
