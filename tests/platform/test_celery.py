"""Tasks run on the real broker in a real worker thread; the request id follows them."""

from tasks.platform import ping


def test_ping_round_trip_carries_request_id(app, worker):
    with app.test_request_context(headers={"X-Request-ID": "req-123"}):
        app.preprocess_request()
        result = ping.delay()
    assert result.get(timeout=10) == {"pong": True, "request_id": "req-123"}


def test_task_enqueued_outside_a_request_has_no_request_id(worker):
    assert ping.delay().get(timeout=10) == {"pong": True, "request_id": None}
