"""Stored orders written straight to the collection, for list tests and the list benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import Decimal128, ObjectId


def order_docs(count: int, created_at: datetime | None = None) -> list[dict]:
    """`count` raw order documents of 10 EUR at 50,000 EUR/BTC. Without `created_at` they are one
    millisecond apart from 2026-01-01 (newest last); with it they all share that instant."""
    base = created_at or datetime(2026, 1, 1, tzinfo=UTC)
    return [
        {
            "_id": ObjectId(),
            "amount": Decimal128("10.00"),
            "currency": "EUR",
            "exchange_rate": Decimal128("50000"),
            "btc_amount": Decimal128("0.00020000"),
            "btc_sat": 20000,
            "rate_source": "coinbase",
            "rate_fetched_at": base,
            "api_key_id": "k",
            "created_at": base if created_at else base + timedelta(milliseconds=i),
        }
        for i in range(count)
    ]
