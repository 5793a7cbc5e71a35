"""UTC timestamps in the three spellings an archive needs: datetime, WARC date, 14 digits."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes (as SQLite returns them) as UTC; convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def warc_date(value: datetime) -> str:
    """WARC-Date with millisecond precision (WARC 1.1 allows fractions of a second)."""
    value = as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_warc_date(text: str) -> datetime:
    """Parse a WARC-Date (seconds or fractional seconds, trailing Z)."""
    text = text.strip().rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def timestamp14(value: datetime) -> str:
    """The 14-digit timestamp used by Wayback URLs and CDX lines."""
    return as_utc(value).strftime("%Y%m%d%H%M%S")


def timestamp17(value: datetime) -> str:
    """Timestamp with milliseconds, as in WARC file names (YYYYMMDDhhmmssfff)."""
    value = as_utc(value)
    return value.strftime("%Y%m%d%H%M%S") + f"{value.microsecond // 1000:03d}"
