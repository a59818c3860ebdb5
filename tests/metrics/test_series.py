"""The cheap labelled series write what prometheus_client writes for the same observations."""

from __future__ import annotations

import threading

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from webapp.metrics.series import LabelledCounter, LabelledHistogram

BUCKETS = (0.005, 0.01, 0.5, 1.0, 1e7, float("inf"))
# Bound values exactly, values between, above every finite bound, and label values to escape.
OBSERVATIONS = [
    (("GET", "/api/v1/users"), 0.005),
    (("GET", "/api/v1/users"), 0.0051),
    (("GET", "/api/v1/users"), 0.0),
    (("POST", "/api/v1/users/<user_id>"), 1.0),
    (("POST", "/api/v1/users/<user_id>"), 12345678.9),
    (('GET "q"', "back\\slash\nline"), 0.3),
]


def _reference(registry: CollectorRegistry):
    counter = Counter("fido_t_total", 'Counted "things"\nwith \\ odd help', ["method", "route"], registry=registry)
    histogram = Histogram("fido_t_seconds", "Timed", ["method", "route"], buckets=BUCKETS, registry=registry)
    return counter, histogram


def test_the_text_is_prometheus_clients_line_for_line():
    registry = CollectorRegistry()
    ref_counter, ref_histogram = _reference(registry)
    counter = LabelledCounter("fido_t_total", 'Counted "things"\nwith \\ odd help', ["method", "route"])
    histogram = LabelledHistogram("fido_t_seconds", "Timed", ["method", "route"], BUCKETS)
    for labels, seconds in OBSERVATIONS:
        ref_counter.labels(*labels).inc()
        ref_histogram.labels(*labels).observe(seconds)
        counter.inc(*labels)
        histogram.observe(*labels, value=seconds)
    ref_counter.labels("GET", "/big").inc(2_500_000)
    counter.inc("GET", "/big", amount=2_500_000)

    ours = counter.render() + histogram.render()
    theirs = generate_latest(registry).decode()
    assert ours.splitlines() == [line for line in theirs.splitlines() if "_created" not in line]
    parsed = {f.name: f for f in text_string_to_metric_families(ours)}
    assert parsed["fido_t"].type == "counter" and parsed["fido_t_seconds"].type == "histogram"


def test_an_unlabelled_histogram_and_an_empty_metric():
    registry = CollectorRegistry()
    Histogram("fido_plain_seconds", "Plain", buckets=BUCKETS, registry=registry).observe(0.01)
    plain = LabelledHistogram("fido_plain_seconds", "Plain", [], BUCKETS)
    plain.observe(value=0.01)
    assert plain.render().splitlines() == [
        line for line in generate_latest(registry).decode().splitlines() if "_created" not in line
    ]
    assert LabelledCounter("fido_none_total", "None yet", ["a"]).render() == (
        "# HELP fido_none_total None yet\n# TYPE fido_none_total counter\n"
    )


def test_concurrent_updates_are_all_counted():
    counter = LabelledCounter("fido_c_total", "C", ["route"])
    histogram = LabelledHistogram("fido_c_seconds", "C", ["route"], BUCKETS)

    def hammer():
        for i in range(2000):
            counter.inc(f"/r{i % 5}")
            histogram.observe(f"/r{i % 5}", value=0.002)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    families = {f.name: f for f in text_string_to_metric_families(counter.render() + histogram.render())}
    assert sum(s.value for s in families["fido_c"].samples) == 8000
    counts = [s.value for s in families["fido_c_seconds"].samples if s.name == "fido_c_seconds_count"]
    assert counts == [1600.0] * 5


@pytest.mark.parametrize("buckets", [(), (1.0, 2.0), (2.0, 1.0, float("inf"))])
def test_buckets_must_be_sorted_and_end_with_infinity(buckets):
    with pytest.raises(ValueError, match="buckets"):
        LabelledHistogram("fido_bad_seconds", "Bad", ["a"], buckets)
