"""Parsers of setting values: each takes the raw string from the environment and returns the typed
value, or raises `ValueError` whose text says what is wrong (the caller adds the name and the value).

Contract: a parser never guesses. Garbage is an error, never a silently disabled feature.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

from limits import parse_many


def text(raw: str) -> str:
    return raw


def integer(minimum: int | None = None, maximum: int | None = None, zero_means_off: bool = False):
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
        if zero_means_off and value == 0:
            return 0
        if minimum is not None and value < minimum or maximum is not None and value > maximum:
            if maximum is None:
                span = f"at least {minimum}" + (" (0 switches it off)" if zero_means_off else "")
            else:
                span = f"between {minimum} and {maximum}"
            raise ValueError(f"must be {span}")
        return value

    return parse


def number(minimum: float = 0.0, exclusive: bool = True):
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError("must be a number") from None
        finite = value == value and value not in (float("inf"), float("-inf"))
        if not finite or value < minimum or (exclusive and value == minimum):
            raise ValueError(f"must be a number {'above' if exclusive else 'at least'} {minimum:g}")
        return value

    return parse


def decimal_text(raw: str) -> str:
    """A non-negative exact decimal, kept as its canonical string (readers build `Decimal` from it)."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError("must be a decimal number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("must be a finite decimal number, 0 or more")
    return str(value)


def boolean(raw: str) -> bool:
    """true/false, yes/no, on/off or 1/0, case-insensitively."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def choice(*choices: str, upper: bool = False):
    """One of `choices`, case-insensitively; returned in the case of `choices`."""
    by_key = {c.lower(): c for c in choices}

    def parse(raw: str) -> str:
        value = by_key.get(raw.strip().lower())
        if value is None:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


def choices_list(*choices: str):
    """A comma-separated, non-empty list of `choices` (case-insensitive), kept as 'a,b'."""
    pick = choice(*choices)

    def parse(raw: str) -> str:
        names = [n for n in (part.strip() for part in raw.split(",")) if n]
        if not names:
            raise ValueError(f"must name at least one of {', '.join(choices)}")
        try:
            return ",".join(pick(n) for n in names)
        except ValueError:
            raise ValueError(f"must be a comma-separated list of {', '.join(choices)}") from None

    return parse


def url(*schemes: str):
    def parse(raw: str) -> str:
        value = raw.strip()
        try:
            parts = urlsplit(value)
            if not parts.scheme.lower().startswith("mongodb"):  # MongoDB lists hosts: h1:1,h2:2
                parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            raise ValueError("is not a valid URL") from None
        if parts.scheme.lower() == "memory" and "memory" in schemes:  # flask-limiter's in-process storage
            if value.lower() != "memory://":
                raise ValueError("must be exactly memory:// (in-process storage has no host)")
            return value
        if parts.scheme.lower() not in schemes or not parts.hostname:
            raise ValueError(f"must be a URL {' or '.join(s + '://host...' for s in schemes)}")
        return value

    return parse


def rate(bare_integer_per_second: bool = False):
    """A rate in the `limits` library's syntax ('10 per second', '600/minute', 'a; b' for several).
    With `bare_integer_per_second`, 'N' means 'N per second' (and only one rate is allowed)."""

    def parse(raw: str) -> str:
        value = raw.strip()
        if bare_integer_per_second and value.isdigit():
            value = f"{int(value)} per second"
        try:
            items = parse_many(value)
        except ValueError:
            raise ValueError("must be a rate such as '10 per second' or '600/minute'") from None
        if bare_integer_per_second and len(items) != 1:
            raise ValueError("must be one rate such as '10 per second' (or a whole number per second)")
        if any(item.amount < 1 for item in items):
            raise ValueError("must allow at least 1 per period")
        return value

    return parse


def rate_window(spec: str) -> tuple[int, int]:
    """(amount, period in seconds) of a single rate validated by `rate(...)`."""
    item = parse_many(spec)[0]
    return item.amount, item.get_expiry()


def user_password(raw: str) -> str:
    if ":" not in raw or not raw.split(":", 1)[0] or not raw.split(":", 1)[1]:
        raise ValueError("must be user:password")
    return raw


def e164(raw: str) -> str:
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", raw.strip()):
        raise ValueError("must be an E.164 number such as +15005550006")
    return raw.strip()


def currency(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", raw.strip()):
        raise ValueError("must be a 3-letter ISO 4217 code")
    return raw.strip().upper()


def mask_url(value: str) -> str:
    """`value` with the password of its userinfo replaced by *** (redis://:***@host:6379/0)."""
    try:
        parts = urlsplit(value)
        if parts.password is None:
            return value
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))
    except ValueError:
        return value


def fernet_keys(raw: str) -> tuple[str, ...]:
    """Comma-separated urlsafe-base64 32-byte keys (Fernet keys); the first encrypts, all decrypt."""
    import base64
    import binascii

    keys = tuple(k for k in (part.strip() for part in raw.split(",")) if k)
    if not keys:
        raise ValueError("must list at least one key")
    for key in keys:
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            decoded = b""
        if len(decoded) != 32 or len(key) != 44:
            raise ValueError("must be comma-separated urlsafe base64 32-byte keys (44 characters each)")
    if len(set(keys)) != len(keys):
        raise ValueError("lists a key twice")
    return keys


def index_key(raw: str) -> str:
    if len(raw.strip()) < 32:
        raise ValueError("must be at least 32 characters")
    return raw.strip()
