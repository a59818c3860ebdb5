"""Liveness and readiness, with the worker up and with none."""

from tests.support import wait_for


def test_live(client):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_ready_with_worker(client, worker):
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    for name in ("mongo", "redis", "workers"):
        assert body["checks"][name]["ok"] is True
        assert body["checks"][name]["latency_ms"] >= 0
    assert body["checks"]["workers"]["count"] >= 1


def test_ready_without_worker_is_503_degraded(client, worker):
    worker.stop()
    try:
        response = client.get("/health/ready")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "degraded"
        assert body["checks"]["workers"] == {
            "ok": False,
            "count": 0,
            "latency_ms": body["checks"]["workers"]["latency_ms"],
        }
        assert body["checks"]["mongo"]["ok"] and body["checks"]["redis"]["ok"]
    finally:
        worker.start()
    # The restarted worker answers broadcast pings once its control consumer is bound: poll for it.
    wait_for(lambda: client.get("/health/ready").status_code == 200, timeout=15, message="ready after restart")


def test_health_needs_no_key(client):
    assert client.get("/health/live").status_code == 200


def _ready_with_redis(client, monkeypatch, app, port, timeout):
    import redis

    unreachable = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=timeout, socket_timeout=timeout)
    monkeypatch.setitem(app.extensions, "redis", unreachable)
    response = client.get("/health/ready")
    assert response.status_code == 503
    return response


def test_ready_names_no_address_or_exception_when_redis_is_down(app, client, monkeypatch):
    from tests.platform.test_processes import free_port

    port = free_port()
    response = _ready_with_redis(client, monkeypatch, app, port, 0.5)
    check = response.get_json()["checks"]["redis"]
    assert check["ok"] is False and check["error"] == "unreachable"
    assert str(port) not in response.get_data(as_text=True) and "127.0.0.1" not in response.get_data(as_text=True)


def test_ready_says_timeout_when_redis_does_not_answer(app, client, monkeypatch):
    import socket

    silent = socket.socket()  # accepts connections (backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        port = silent.getsockname()[1]
        response = _ready_with_redis(client, monkeypatch, app, port, 0.3)
        assert response.get_json()["checks"]["redis"] == {
            "ok": False,
            "error": "timeout",
            "latency_ms": response.get_json()["checks"]["redis"]["latency_ms"],
        }
        assert str(port) not in response.get_data(as_text=True)
    finally:
        silent.close()
