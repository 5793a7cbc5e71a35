"""Asking a Memento TimeGate (RFC 7089) for a copy of a page made before a given time.

Pure functions: the link-check spider sends the requests, these read the answers. A TimeGate
answers ``Accept-Datetime`` with a redirect to the memento closest to that time, which may be
after it; its ``Link`` header usually names neighbouring mementos with their datetimes
(``prev memento``, ``first memento`` ...), so the latest one not after the wanted time can be
picked without another request. The memento itself is then asked for (HEAD) to confirm it is
an archived 200 and to read its ``Memento-Datetime``.

The ``Link`` parser is our own: the PyPI parsers for RFC 8288 (linkheader, httplink) have not
been maintained for years, and the grammar needed here is small.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_TIMEGATE = "https://web.archive.org/web/"
# One link: <target> followed by ;-separated parameters (values quoted or bare tokens).
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:\"(?:[^\"\\]|\\.)*\"|[^;,\s]*))?)*)")
_PARAM = re.compile(r";\s*([^;,=\s]+)(?:\s*=\s*(?:\"((?:[^\"\\]|\\.)*)\"|([^;,\s]*)))?")


@dataclass(frozen=True, slots=True)
class Link:
    """One entry of a Link header: its target and parameters (names lower-cased)."""

    url: str
    params: dict[str, str]

    @property
    def rels(self) -> frozenset[str]:
        return frozenset(self.params.get("rel", "").lower().split())

    @property
    def datetime(self) -> datetime | None:
        value = self.params.get("datetime")
        return parse_http_datetime(value) if value else None


@dataclass(frozen=True, slots=True)
class Memento:
    """A copy in a web archive: where to read it and when it was captured."""

    url: str
    captured_at: datetime


def parse_link_header(value: str) -> list[Link]:
    """The links of an RFC 8288 ``Link`` header value, in order (malformed parts skipped)."""
    links = []
    for match in _LINK.finditer(value or ""):
        params: dict[str, str] = {}
        for name, quoted, bare in _PARAM.findall(match.group(2)):
            text = quoted.replace('\\"', '"') if quoted else bare
            params.setdefault(name.lower(), text)
        links.append(Link(match.group(1).strip(), params))
    return links


def parse_http_datetime(value: str) -> datetime | None:
    """An RFC 1123 date (``Memento-Datetime``, ``datetime=``) as UTC, or None if unreadable."""
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def http_datetime(value: datetime) -> str:
    """``Accept-Datetime`` form of a time: RFC 1123 in GMT."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)


def timegate_url(timegate: str, url: str) -> str:
    """The TimeGate URI of ``url``: ``{url}`` in ``timegate`` replaced, else appended to it
    (the Wayback convention: ``https://web.archive.org/web/`` + the original URL)."""
    if "{url}" in timegate:
        return timegate.replace("{url}", url)
    return timegate + url


def latest_before(links: list[Link], wanted: datetime) -> Memento | None:
    """The latest memento the Link header names that was captured at or before ``wanted``."""
    best: Memento | None = None
    for link in links:
        when = link.datetime
        if "memento" not in link.rels or when is None or when > wanted:
            continue
        if best is None or when > best.captured_at:
            best = Memento(link.url, when)
    return best


__all__ = [
    "DEFAULT_TIMEGATE",
    "Link",
    "Memento",
    "http_datetime",
    "latest_before",
    "parse_http_datetime",
    "parse_link_header",
    "timegate_url",
]
