"""Dates as blogs write them: ISO 8601 in feeds and sitemaps, RFC 822 in RSS, WordPress's
local-plus-GMT pair. The original offset is kept for display; comparisons use UTC."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timezone


def parse_date(text: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 or RFC 822 text; naive ISO times are taken as UTC."""
    if not text:
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the value's own offset (``+00:00`` for UTC), to the second."""
    if value is None:
        return None
    if value.microsecond:
        return value.isoformat(timespec="milliseconds")
    return value.isoformat(timespec="seconds")


def wordpress_date(local: str | None, gmt: str | None) -> datetime | None:
    """WordPress gives the local time without offset and the same instant in GMT: together
    they give the blog's offset."""
    utc = parse_date(gmt)
    if local is None or utc is None:
        return utc
    try:
        naive = datetime.fromisoformat(local)
    except ValueError:
        return utc
    offset = naive.replace(tzinfo=UTC) - utc
    return utc.astimezone(timezone(offset))
