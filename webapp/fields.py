"""Marshmallow fields shared by domains: exact decimal amounts, UTC date-times."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal, InvalidOperation

from bson import Decimal128
from marshmallow import ValidationError, fields


class Amount(fields.Decimal):
    """A decimal amount from a JSON number or string: finite, at most `places` decimal places,
    `minimum < value < maximum` (exclusive bounds). Dumped as a fixed-point string
    ("120.50"). JSON numbers reach it as Decimal (the body is parsed with parse_float=Decimal), so no
    binary float ever touches the value."""

    def __init__(self, places: int = 2, minimum=Decimal("0"), maximum=None, **kwargs):
        kwargs.setdefault("as_string", True)
        super().__init__(places=None, allow_nan=False, **kwargs)
        self.max_places = places
        self.minimum = Decimal(minimum) if minimum is not None else None
        self.maximum = Decimal(maximum) if maximum is not None else None

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal, float)):
            raise ValidationError("Must be a decimal number (JSON number or string).")
        if isinstance(value, str) and (not value.strip() or value.strip() != value):
            raise ValidationError("Must be a decimal number without spaces.")
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, ValueError):
            raise ValidationError("Must be a decimal number.") from None
        if not number.is_finite():
            raise ValidationError("Must be a finite number.")
        if self.minimum is not None and number <= self.minimum:
            raise ValidationError(f"Must be greater than {self.minimum}.")
        if self.maximum is not None and number >= self.maximum:
            raise ValidationError(f"Must be less than {self.maximum}.")
        try:
            exact = number.quantize(Decimal(1).scaleb(-self.max_places))
        except InvalidOperation:  # more digits than the decimal context holds
            raise ValidationError("Number out of range.") from None
        if exact != number:
            raise ValidationError(f"At most {self.max_places} decimal places.")
        return exact

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(str(value)).quantize(Decimal(1).scaleb(-self.max_places)), "f")


class DecimalString(fields.String):
    """Dumps a Decimal or a BSON Decimal128 as its exact fixed-point string ("61234.12")."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(value.to_decimal() if isinstance(value, Decimal128) else Decimal(value), "f")


class UtcIsoString(fields.String):
    """Dumps an aware datetime as an ISO 8601 string in UTC ("2026-01-01T10:00:00.123000+00:00")."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(UTC).isoformat()


class UtcDateTime(fields.DateTime):
    """ISO 8601 date-time; no offset means UTC; stored and returned in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
            raise ValidationError("Date-time out of range.") from None
