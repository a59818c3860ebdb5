"""Marshmallow fields shared by domains: exact decimal amounts, strict integers, text without
control characters, whole-value patterns, UTC date-times.

Every pattern here is written `^...$` with ASCII classes only, so it means the same in ECMA-262 (the
OpenAPI document) and in Python; the server matches it with `re.fullmatch`, so a trailing newline
never passes (Python's `$` alone would accept one).
"""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal, InvalidOperation

from bson import Decimal128
from marshmallow import ValidationError, fields, validate

CONTROL_CHARS = r"\x00-\x1F\x7F-\x9F"
TEXT_PATTERN = rf"^[^{CONTROL_CHARS}]*$"
# Text that documents line breaks (dialog messages): tab, LF and CR are allowed.
MULTILINE_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
_INTEGER = re.compile(r"[+-]?[0-9]+")


def any_case_pattern(words) -> str:
    """A pattern matching exactly `words` in any letter case (ECMA has no inline `(?i)`)."""

    def one(word):
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)

    return "^(?:" + "|".join(one(w) for w in sorted(words)) + ")$"


class ExponentDecimal(Decimal):
    """A JSON number written with an exponent (`1e3`), so fields can refuse that form."""


def json_number(text: str) -> Decimal:
    """`parse_float` for request bodies: exact, remembering whether an exponent was used."""
    return ExponentDecimal(text) if "e" in text or "E" in text else Decimal(text)


class Pattern(validate.Regexp):
    """`validate.Regexp` matched against the whole value (`re.fullmatch`); see the module docstring."""

    def __call__(self, value):
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Text(fields.String):
    """A string without control characters (C0, DEL, C1); `multiline=True` allows tab, LF and CR."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        pattern, what = (MULTILINE_PATTERN, "except tab and line breaks") if multiline else (TEXT_PATTERN, "")
        self.validators.insert(0, Pattern(pattern, error=f"Must not contain control characters {what}".strip() + "."))


class Integer(fields.Integer):
    """An integer; a string form is ASCII digits with an optional sign (no `1_000`, no `１２`)."""

    def _validated(self, value):
        if isinstance(value, str) and _INTEGER.fullmatch(value) is None:
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Amount(fields.Decimal):
    """A positive decimal amount from a JSON number or string, `0 < value < maximum`, at most
    `places` decimal places as written. A string is ASCII digits and at most one point, no sign,
    no leading zero (`"120.50"`, `"0.5"`): exactly the `pattern` documented for it. A JSON number
    has no exponent (`1e3` is refused). Dumped as a fixed-point string ("120.50"). JSON numbers reach
    it as Decimal (bodies are parsed with `json_number`), so no binary float touches the value.
    `maximum` is a power of ten, so that the string pattern can state it."""

    def __init__(self, places: int = 2, maximum=Decimal("1000000000"), **kwargs):
        kwargs.setdefault("as_string", True)
        super().__init__(places=None, allow_nan=False, **kwargs)
        self.max_places = places
        self.minimum = Decimal(0)
        self.maximum = Decimal(maximum)
        digits = len(str(int(self.maximum))) - 1
        assert self.maximum == 10**digits, "Amount maximum must be a power of ten"
        self.pattern = (
            rf"^(?:[1-9][0-9]{{0,{digits - 1}}}(?:\.[0-9]{{1,{places}}})?"
            rf"|0\.(?=[0-9]{{0,{places - 1}}}[1-9])[0-9]{{1,{places}}})$"
        )
        self._string = re.compile(self.pattern)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal, float)):
            raise ValidationError("Must be a decimal number (JSON number or string).")
        if isinstance(value, str) and self._string.fullmatch(value) is None:
            raise ValidationError(
                f"Must be a positive decimal string of ASCII digits with at most {self.max_places} "
                f'decimal places, below {self.maximum} (like "120.50").'
            )
        if isinstance(value, ExponentDecimal):
            raise ValidationError("Must be a plain decimal number (no exponent).")
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, ValueError):
            raise ValidationError("Must be a decimal number.") from None
        if not number.is_finite():
            raise ValidationError("Must be a finite number.")
        if number.as_tuple().exponent < -self.max_places:
            raise ValidationError(f"At most {self.max_places} decimal places.")
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
