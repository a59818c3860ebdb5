"""Money, exact: the quoted fiat currencies and conversions between API decimals and integer minor units.

Shared by every domain (one definition each): amounts are `Decimal` in Python, integer minor units
(`*_cents`) or Decimal128 in the database, plain decimal strings in JSON.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import fields

CENT = Decimal("0.01")

# The fiat currencies BTC is quoted and ordered in.
CURRENCIES = ("EUR", "GBP", "USD")


def to_cents(amount: Decimal) -> int:
    """`amount` has at most two decimal places (validated by the schema)."""
    return int((amount * 100).to_integral_exact())


def from_cents(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def format_cents(cents: int) -> str:
    """ "1020.50" (plain decimal string for JSON)."""
    return format(from_cents(cents), "f")


def grouped(cents: int) -> str:
    """ "1,020.50" (for people, in SMS text)."""
    return f"{from_cents(cents):,.2f}"


def mean_cents(total_cents: int, count: int) -> Decimal:
    if not count:
        return Decimal("0.00")
    return (Decimal(total_cents) / count / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class Cents(fields.String):
    """Integer minor units dumped as a plain decimal string (1020 -> "10.20"); documented as a string."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_cents(value)
