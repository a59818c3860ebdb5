"""Helpers of the metrics tests: scrape `/metrics` and read one sample of the exposition."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.twilio_fixtures import twilio, twilio_server  # noqa: F401  (fixtures)


def scrape(client, headers=None) -> str:
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels) -> float | None:
    """The sample `name` whose labels include `labels` (None when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None
