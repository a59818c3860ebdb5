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
