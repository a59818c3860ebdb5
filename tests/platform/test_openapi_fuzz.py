"""Property-based run over the whole OpenAPI document (schemathesis, in-process WSGI, admin key).

Fails on any 5xx and on any response whose body does not match the schema documented for its
status. New endpoints are covered automatically because the cases come from the live document.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance


@pytest.fixture
def running_service(app):
    """The state of a service that has been up for a while (a BTC quote exists, an asset snapshot is
    published), so that a 503 here means a fault, not a fresh start."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from bson import Decimal128, ObjectId

    from webapp.assets.models import AssetItem, AssetSnapshot
    from webapp.prices.services import store_quote

    store_quote("coingecko", {"EUR": Decimal("61234.12"), "GBP": Decimal("52100.50"), "USD": Decimal("67012.34")})
    snapshot_id, now = ObjectId(), datetime.now(UTC)
    AssetSnapshot._get_collection().insert_one(
        {"_id": snapshot_id, "run_id": snapshot_id, "created_at": now, "published_at": now, "count": 2}
    )
    AssetItem._get_collection().insert_many(
        [
            {
                "_id": f"{snapshot_id}:1",
                "snapshot_id": snapshot_id,
                "rank": 1,
                "symbol": "BTC",
                "name": "Bitcoin",
                "price_usd": Decimal128("67012.34"),
            },
            {
                "_id": f"{snapshot_id}:2",
                "snapshot_id": snapshot_id,
                "rank": 2,
                "symbol": "NEW",
                "name": "No price",
                "price_usd": None,
            },
        ]
    )


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


# /health/ready takes no input and waits up to 1 s for worker pings; its schema is checked in test_health.
@schema.exclude(path="/health/ready").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, admin_key, worker, running_service):
    case.call_and_validate(
        headers={"X-API-Key": admin_key},
        checks=[not_a_server_error, response_schema_conformance],
    )
