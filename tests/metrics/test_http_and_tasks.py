"""`GET /metrics`: HTTP series labelled by URL rule, Celery task series from the real worker thread,
and the METRICS_TOKEN bearer check."""

from __future__ import annotations

from standins.twilio import error_reply
from tests.metrics.conftest import scrape, value
from tests.support import override_settings, wait_for
from tests.transactions.helpers import make_txn, make_user, settled


def test_requests_are_counted_under_their_url_rule_never_the_raw_path(client, read_headers, write_headers):
    before = scrape(client)
    user = make_user(client, write_headers)
    for _ in range(3):
        assert client.get(f"/api/v1/users/{user['id']}", headers=read_headers).status_code == 200
    assert client.get("/api/v1/users/ffffffffffffffffffffffff", headers=read_headers).status_code == 404
    assert client.get("/no/such/path").status_code == 404
    text = scrape(client)
    rule = "/api/v1/users/<user_id>"

    def delta(**labels):
        return (value(text, "fido_http_requests_total", **labels) or 0) - (
            value(before, "fido_http_requests_total", **labels) or 0
        )

    assert delta(method="GET", route=rule, status="200") == 3
    assert delta(method="GET", route=rule, status="404") == 1
    assert delta(method="POST", route="/api/v1/users", status="201") == 1
    assert delta(method="GET", route="<unmatched>", status="404") == 1
    assert user["id"] not in text and "/no/such/path" not in text
    count = value(text, "fido_http_request_duration_seconds_count", method="GET", route=rule)
    assert count is not None and count >= 4


def test_task_outcomes_succeeded_failed_retried(client, write_headers, worker, twilio, celery_app):
    before = scrape(client)
    twilio.script(error_reply(500, 20500, "Internal Server Error"))  # the first send fails: one retry
    user = make_user(client, write_headers)
    settled(client, write_headers, make_txn(client, write_headers, user["id"])["id"])
    celery_app.send_task("platform.ping", args=["unexpected"])  # a TypeError in the task: failed

    def delta(text, **labels):
        return (value(text, "fido_celery_tasks_total", **labels) or 0) - (
            value(before, "fido_celery_tasks_total", **labels) or 0
        )

    def scraped():
        text = scrape(client)
        return text if delta(text, task="platform.ping", state="failed") == 1 else None

    text = wait_for(scraped, message="the failed task counted")
    assert delta(text, task="transactions.apply_stats", state="succeeded") == 1
    assert delta(text, task="notifications.send_sms", state="retried") == 1
    assert delta(text, task="notifications.send_sms", state="succeeded") == 1
    assert value(text, "fido_celery_task_duration_seconds_count", task="notifications.send_sms") >= 2


def test_metrics_token_is_a_bearer_token_when_set(client, app, monkeypatch):
    override_settings(app, monkeypatch, METRICS_TOKEN="s3cret-scrape-token")
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == 401 and "s3cret" not in refused.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    text = scrape(client, {"Authorization": "Bearer s3cret-scrape-token"})
    assert "fido_http_requests_total" in text


def test_metrics_is_open_without_a_token(client):
    assert "# TYPE fido_http_request_duration_seconds histogram" in scrape(client)


def test_multiprocess_scrape_sums_the_files_and_adds_this_process_gauges(client, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # no process wrote a file yet
    text = scrape(client)
    assert "fido_celery_queue_length" in text  # the state gauges of the process that answers
    assert "fido_http_requests_total{" not in text  # in-memory values are not read in this mode
