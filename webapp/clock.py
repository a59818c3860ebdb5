"""The one clock of the service: timezone-aware UTC now (documents store UTC, tz-aware)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def utcnow_ms() -> datetime:
    """`utcnow()` truncated to milliseconds (what BSON dates keep), for times that are stored and
    also returned before a read-back, so both agree."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
