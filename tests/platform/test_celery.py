"""Tasks run on the real broker in a real worker thread; the request id follows them."""

import json

from tasks.platform import ping
from tests.support import wait_for


def test_ping_round_trip_carries_request_id(app, worker):
    with app.test_request_context(headers={"X-Request-ID": "req-123"}):
        app.preprocess_request()
        result = ping.delay()
    assert result.get(timeout=10) == {"pong": True, "request_id": "req-123"}


def test_task_enqueued_outside_a_request_has_no_request_id(worker):
    assert ping.delay().get(timeout=10) == {"pong": True, "request_id": None}


def test_task_log_lines_carry_the_request_id(app, worker):
    import logging

    from webapp.logs import JsonFormatter, RequestIdFilter

    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    trace_logger = logging.getLogger("tasks.platform")
    trace_logger.addHandler(handler)
    previous = trace_logger.level
    trace_logger.setLevel(logging.INFO)
    try:
        with app.test_request_context(headers={"X-Request-ID": "log-req-7"}):
            app.preprocess_request()
            result = ping.delay()
        result.get(timeout=10)
        # Other tests' pings may log here too (a late redelivery): look for this task's line.
        wait_for(
            lambda: [json.loads(line) for line in lines if json.loads(line)["request_id"] == "log-req-7"],
            message="the task's log line with the request id",
        )
    finally:
        trace_logger.removeHandler(handler)
        trace_logger.setLevel(previous)
    mine = [json.loads(line) for line in lines if json.loads(line)["request_id"] == "log-req-7"]
    assert [line["message"] for line in mine] == ["ping"]


def test_round_trips_build_no_redis_client_per_message(worker, monkeypatch):
    """kombu's channels reuse one Redis client each (webapp/broker_clients.py): once warm, publishing
    a task and acknowledging it construct no new `redis.Redis` (each cost ~50 us of CPU)."""
    import redis

    assert ping.delay().get(timeout=10)["pong"] is True  # warm: channels and their clients exist
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(kwargs.get("connection_pool"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    for _ in range(5):
        assert ping.delay().get(timeout=10)["pong"] is True
    assert built == []
