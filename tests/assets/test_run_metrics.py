"""A run's per-stage timings in the API, and its metrics: the duration histogram and the time of the
last success."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest

from tests.assets.conftest import ingest
from tests.metrics.conftest import scrape, value
from tests.support import wait_for
from webapp.metrics.state import StateCollector


def test_a_run_reports_its_stage_timings(sources, worker, client, admin_headers, read_headers):
    run = ingest(client, admin_headers)
    assert run["status"] == "succeeded"
    timings = run["timings"]
    assert set(timings) == {"queued_ms", "fetch_ms", "publish_ms"}
    assert all(isinstance(v, int) and v >= 0 for v in timings.values()), timings
    assert timings["fetch_ms"] + timings["publish_ms"] == run["duration_ms"]
    listed = client.get("/api/v1/ingestions?page_size=1", headers=read_headers).get_json()["items"][0]
    assert listed["timings"] == timings and listed["duration_ms"] == run["duration_ms"]


def test_a_finished_run_is_observed_and_its_success_time_exported(app, sources, worker, client, admin_headers):
    before = value(scrape(client), "fido_asset_ingestion_duration_seconds_count") or 0
    run = ingest(client, admin_headers)
    # The task observes the duration right after it records the run as finished: poll for it.
    wait_for(
        lambda: value(scrape(client), "fido_asset_ingestion_duration_seconds_count") == before + 1,
        message="the run's duration in the histogram",
    )
    registry = CollectorRegistry()
    registry.register(StateCollector(app, 0))
    exported = value(generate_latest(registry).decode(), "fido_asset_ingestion_last_success_timestamp_seconds")
    assert exported == datetime.fromisoformat(run["finished_at"]).timestamp()
