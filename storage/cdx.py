"""Capture queries in the shape of pywb's CDX server API, on the capture table's SURT key.

``url`` + ``matchType`` (exact, prefix, host, domain; or the ``*`` shortcuts), ``from``/``to``
(1-14 digit timestamps padded to the lower/upper bound), ``filter`` (``[!][=|~]field:expr``),
``sort=closest|reverse``, ``limit``. Only HTTP captures with a WARC record (responses and
revisits of GET requests) are index entries; excluded captures never are.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.captures import surt_key
from storage.exceptions import StorageError
from storage.exclusions import visible
from storage.models import Capture
from storage.timeutil import as_utc

MATCH_TYPES = ("exact", "prefix", "host", "domain")
FIELDS = ("urlkey", "timestamp", "url", "mime", "status", "digest", "length", "offset", "filename")
FIELD_ALIASES = {
    "original": "url",
    "mimetype": "mime",
    "statuscode": "status",
    "key": "urlkey",
}
MAX_LIMIT = 100_000


class CdxQueryError(StorageError, ValueError):
    """Raised by the CDX query builder for a malformed parameter (the API answers 400)."""


def parse_timestamp(text: str, *, upper: bool = False) -> datetime:
    """A 1-14 digit timestamp (padded to the lower or upper bound) or an ISO 8601 date/time."""
    text = text.strip()
    if re.fullmatch(r"\d{1,14}", text):
        return _pad(text, upper=upper)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CdxQueryError(
            f"invalid timestamp {text!r}: give 1-14 digits (YYYYMMDDhhmmss) or ISO 8601"
        ) from exc
    return as_utc(value)


def _pad(digits: str, *, upper: bool) -> datetime:
    low = "10000101000000"
    high = "99991231235959"
    padded = digits + (high if upper else low)[len(digits) :]
    year, month, day = int(padded[0:4]), int(padded[4:6]), int(padded[6:8])
    hour, minute, second = int(padded[8:10]), int(padded[10:12]), int(padded[12:14])
    # Clamp field by field so "2024" + upper padding is 2024-12-31 23:59:59, and 20240231 works.
    month = min(max(month, 1), 12)
    last_day = calendar.monthrange(max(year, 1), month)[1]
    day = min(max(day, 1), last_day)
    hour, minute, second = min(hour, 23), min(minute, 59), min(second, 59)
    try:
        value = datetime(max(year, 1), month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise CdxQueryError(f"invalid timestamp {digits!r}") from exc
    return value + timedelta(microseconds=999_999) if upper else value


def normalise_url(url: str) -> str:
    """A URL as a researcher types it: scheme optional, ``https:/x`` (collapsed) mended."""
    url = url.strip()
    mended = re.match(r"^(https?):/+(.*)$", url, re.I)
    if mended:
        return f"{mended.group(1).lower()}://{mended.group(2)}"
    if "://" not in url:
        return "http://" + url.lstrip("/")
    return url


@dataclass(slots=True)
class CdxEntry:
    """One index line: a capture with a WARC record.

    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, which made
    building the entries the largest cost of a 1,000-memento TimeMap. Treat it as read-only.
    """

    capture_id: int
    urlkey: str
    timestamp: str
    fetched_at: datetime
    url: str
    mime: str
    status: int | None
    digest: str
    length: int | None
    offset: int | None
    filename: str | None
    record_type: str

    def fields(self) -> dict[str, str | int | None]:
        return {
            "urlkey": self.urlkey,
            "timestamp": self.timestamp,
            "url": self.url,
            "mime": self.mime,
            "status": self.status,
            "digest": self.digest,
            "length": self.length,
            "offset": self.offset,
            "filename": self.filename,
        }


@dataclass(frozen=True, slots=True)
class CdxFilter:
    field: str
    expression: str
    mode: str  # contains | exact | regex
    negate: bool
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> CdxFilter:
        rest = text
        negate = rest.startswith("!")
        rest = rest.removeprefix("!")
        mode = "contains"
        if rest[:1] == "=":
            mode, rest = "exact", rest[1:]
        elif rest[:1] == "~":
            mode, rest = "regex", rest[1:]
        name, sep, expression = rest.partition(":")
        name = FIELD_ALIASES.get(name, name)
        if not sep or name not in FIELDS:
            raise CdxQueryError(
                f"invalid filter {text!r}: use [!][=|~]field:expression with a field of "
                + ", ".join(FIELDS)
            )
        pattern = None
        if mode == "regex":
            try:
                pattern = re.compile(expression)
            except re.error as exc:
                raise CdxQueryError(f"invalid regular expression in filter {text!r}") from exc
        return cls(name, expression, mode, negate, pattern)

    def matches(self, entry: CdxEntry) -> bool:
        raw = entry.fields()[self.field]
        value = "-" if raw is None else str(raw)
        if self.mode == "exact":
            hit = value == self.expression
        elif self.mode == "regex":
            assert self.pattern is not None
            hit = self.pattern.match(value) is not None
        else:
            hit = self.expression in value
        return hit != self.negate


@dataclass(slots=True)
class CdxQuery:
    url: str
    match_type: str = "exact"
    from_: datetime | None = None
    to: datetime | None = None
    limit: int | None = None
    filters: list[CdxFilter] = field(default_factory=list)
    sort: str | None = None  # None (SURT then time), "reverse" or "closest"
    closest: datetime | None = None

    @classmethod
    def from_params(
        cls,
        url: str,
        *,
        match_type: str | None = None,
        from_: str | None = None,
        to: str | None = None,
        limit: int | str | None = None,
        filters: list[str] | None = None,
        sort: str | None = None,
        closest: str | None = None,
    ) -> CdxQuery:
        """Build a query from API parameters, applying pywb's ``*`` URL shortcuts."""
        url = (url or "").strip()
        if not url:
            raise CdxQueryError("the url parameter is required")
        if len(url) > 8192:
            raise CdxQueryError("url is too long")
        if match_type is None:
            if url.startswith("*."):
                match_type, url = "domain", url[2:]
            elif url.endswith("*"):
                match_type, url = "prefix", url[:-1]
            else:
                match_type = "exact"
        if match_type not in MATCH_TYPES:
            raise CdxQueryError(f"matchType must be one of {', '.join(MATCH_TYPES)}")
        parsed_limit = None
        if limit not in (None, ""):
            try:
                parsed_limit = int(limit)  # type: ignore[arg-type]
            except ValueError as exc:
                raise CdxQueryError("limit must be an integer") from exc
            if parsed_limit < 0:
                raise CdxQueryError("limit must be a positive integer")
            parsed_limit = min(parsed_limit, MAX_LIMIT)
        if sort not in (None, "", "closest", "reverse"):
            raise CdxQueryError("sort must be closest or reverse")
        closest_at = parse_timestamp(closest) if closest else None
        if sort == "closest" and closest_at is None:
            raise CdxQueryError("sort=closest needs closest=<timestamp>")
        return cls(
            url=normalise_url(url),
            match_type=match_type,
            from_=parse_timestamp(from_) if from_ else None,
            to=parse_timestamp(to, upper=True) if to else None,
            limit=parsed_limit,
            filters=[CdxFilter.parse(f) for f in filters or [] if f],
            sort=sort or None,
            closest=closest_at,
        )


def _after_prefix(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (code point order),
    or None when there is none (a prefix of U+10FFFF only)."""
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


def _starts_with(
    column: ColumnElement[str] | InstrumentedAttribute[str], prefix: str, *, postgres: bool
) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a range the SURT index answers.

    ``surt >= prefix AND surt < next`` is an index range scan on both databases (SQLite's
    BINARY collation and PostgreSQL's ``COLLATE "C"`` index compare in code point order);
    LIKE could use no index (SQLite's LIKE ignores case); substr keeps the test exact.
    """
    ranged = column.collate("C") if postgres else column
    upper = _after_prefix(prefix)
    conditions = [ranged >= prefix]
    if upper is not None:
        conditions.append(ranged < upper)
    conditions.append(func.substr(column, 1, len(prefix)) == prefix)
    return and_(*conditions)


def host_surt(url: str) -> str:
    """``com,example)`` for any URL on example.com."""
    key = surt_key(normalise_url(url))
    return key.split(")", 1)[0] + ")" if ")" in key else key


def url_condition(url: str, match_type: str, *, postgres: bool = False) -> ColumnElement[bool]:
    """Which SURT keys match; ``postgres`` compares in byte order (``COLLATE "C"``)."""
    key = surt_key(url)
    if match_type == "exact":
        return Capture.surt == key
    if match_type == "prefix":
        return _starts_with(Capture.surt, key, postgres=postgres)
    host = host_surt(url)
    if match_type == "host":
        return _starts_with(Capture.surt, host + "/", postgres=postgres)
    # domain: the host itself and every subdomain (com,example) and com,example,*).
    return or_(
        _starts_with(Capture.surt, host, postgres=postgres),
        _starts_with(Capture.surt, host[:-1] + ",", postgres=postgres),
    )


def indexed() -> ColumnElement[bool]:
    """Captures that are CDX entries: GET responses and revisits with a WARC record."""
    return and_(
        Capture.record_type.in_(("response", "revisit")),
        Capture.method == "GET",
        Capture.warc_file.is_not(None),
        visible(),
    )


# What an index entry needs: selecting these columns, not whole Capture objects, keeps a
# 1,000-memento TimeMap cheap (no ORM identity map, no unused columns).
ENTRY_COLUMNS = (
    Capture.id, Capture.surt, Capture.fetched_at, Capture.url, Capture.mime, Capture.status,
    Capture.payload_digest, Capture.warc_length, Capture.warc_offset, Capture.warc_file,
    Capture.record_type,
)  # fmt: skip


def entry(capture: Capture | Row) -> CdxEntry:
    """The index entry of a Capture (or of a row of :data:`ENTRY_COLUMNS`)."""
    record_type = capture.record_type
    fetched_at = as_utc(capture.fetched_at)
    return CdxEntry(
        capture.id,
        capture.surt,
        fetched_at.strftime("%Y%m%d%H%M%S"),
        fetched_at,
        capture.url,
        "warc/revisit" if record_type == "revisit" else (capture.mime or "unk"),
        capture.status,
        (capture.payload_digest or "-").removeprefix("sha1:"),
        capture.warc_length,
        capture.warc_offset,
        capture.warc_file,
        record_type or "",
    )


def _row_entry(row: Row) -> CdxEntry:
    """:func:`entry` for a row of :data:`ENTRY_COLUMNS`, unpacked by position (faster than
    a Row's attribute lookups, which a 1,000-memento TimeMap would do 11,000 times)."""
    (capture_id, surt, fetched_at, url, mime, status, digest, length, offset, filename,
     record_type) = row  # fmt: skip
    fetched_at = as_utc(fetched_at)
    return CdxEntry(
        capture_id,
        surt,
        fetched_at.strftime("%Y%m%d%H%M%S"),
        fetched_at,
        url,
        "warc/revisit" if record_type == "revisit" else (mime or "unk"),
        status,
        (digest or "-").removeprefix("sha1:"),
        length,
        offset,
        filename,
        record_type or "",
    )


def _ordered(session: Session, statement: Select, *, reverse: bool) -> Select:
    surt = Capture.surt
    if session.get_bind().dialect.name == "postgresql":
        surt = surt.collate("C")  # type: ignore[assignment]  # CDX order is byte order
    if reverse:
        return statement.order_by(surt.desc(), Capture.fetched_at.desc(), Capture.id.desc())
    return statement.order_by(surt, Capture.fetched_at, Capture.id)


def query(session: Session, cdx: CdxQuery) -> Iterator[CdxEntry]:
    """The matching entries, filtered, sorted and limited as asked."""
    postgres = session.get_bind().dialect.name == "postgresql"
    statement: Select = select(*ENTRY_COLUMNS).where(
        url_condition(cdx.url, cdx.match_type, postgres=postgres), indexed()
    )
    if cdx.from_ is not None:
        statement = statement.where(Capture.fetched_at >= cdx.from_)
    if cdx.to is not None:
        statement = statement.where(Capture.fetched_at <= cdx.to)
    if cdx.sort == "closest":
        assert cdx.closest is not None
        yield from _limited(_closest(session, statement, cdx.closest, cdx), cdx)
        return
    statement = _ordered(session, statement, reverse=cdx.sort == "reverse")
    if cdx.limit is not None and not cdx.filters:
        statement = statement.limit(cdx.limit)
    if cdx.match_type == "exact" or (cdx.limit is not None and cdx.limit <= 1000):
        # Small answers in one go: a server-side cursor costs PostgreSQL a round trip per batch.
        yield from _limited(map(_row_entry, session.execute(statement).all()), cdx)
        return
    rows = session.execute(statement.execution_options(yield_per=500))
    try:
        yield from _limited(map(_row_entry, rows), cdx)
    finally:
        rows.close()  # a limit stops early: release the server-side cursor now


def _limited(entries: Iterator[CdxEntry], cdx: CdxQuery) -> Iterator[CdxEntry]:
    count = 0
    for item in entries:
        if cdx.limit is not None and count >= cdx.limit:
            return
        if all(f.matches(item) for f in cdx.filters):
            count += 1
            yield item


def _closest(
    session: Session, statement: Select, at: datetime, cdx: CdxQuery
) -> Iterator[CdxEntry]:
    """Entries by distance from ``at``: the nearest ``n`` before and after, merged."""
    batch = (cdx.limit or 1000) if not cdx.filters else max(cdx.limit or 1000, 1000)
    before = session.execute(
        statement.where(Capture.fetched_at <= at)
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(batch)
    ).all()
    after = session.execute(
        statement.where(Capture.fetched_at > at)
        .order_by(Capture.fetched_at, Capture.id)
        .limit(batch)
    ).all()
    merged = sorted(
        map(_row_entry, [*before, *after]),
        key=lambda e: (abs((e.fetched_at - at).total_seconds()), e.capture_id),
    )
    yield from merged


def closest_capture(
    session: Session, url: str, at: datetime, *, exclude_ids: set[int] | None = None
) -> CdxEntry | None:
    """The capture of ``url`` nearest to ``at`` (SURT-equal URLs), or None."""
    cdx = CdxQuery(
        url=normalise_url(url), sort="closest", closest=at, limit=1 + len(exclude_ids or ())
    )
    for item in query(session, cdx):
        if not exclude_ids or item.capture_id not in exclude_ids:
            return item
    return None


def captures_of(session: Session, url: str) -> list[CdxEntry]:
    """Every capture of ``url`` oldest first (a TimeMap)."""
    return list(query(session, CdxQuery(url=normalise_url(url))))


def capture_at(session: Session, url: str, timestamp: str) -> CdxEntry | None:
    """The capture of ``url`` whose 14-digit timestamp is exactly ``timestamp``, if any.

    Prefers the capture of this very URL over another spelling with the same SURT key.
    """
    start = parse_timestamp(timestamp)
    cdx = CdxQuery(url=normalise_url(url), from_=start, to=start + timedelta(microseconds=999_999))
    found = list(query(session, cdx))
    exact = [e for e in found if e.url == cdx.url]
    chosen = exact or found
    return chosen[0] if chosen else None


def host_of(url: str) -> str:
    return (urlsplit(normalise_url(url)).hostname or "").lower()
