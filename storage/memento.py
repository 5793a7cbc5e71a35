"""Memento (RFC 7089): TimeGate choice, TimeMaps, the headers of a memento, and its record.

The web app decides nothing here: it hands in a base URL, and gets back Link headers,
TimeMaps and the archived response (a revisit resolved to the response it stands for).
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.cdx import CdxEntry, captures_of
from storage.exceptions import RecordNotFoundError, StorageError
from storage.exclusions import visible
from storage.models import Capture
from storage.timeutil import as_utc
from storage.warc.reader import StoredRecord, read_record

LINK_FORMAT = "application/link-format"


class MementoError(StorageError, ValueError):
    """Raised for a malformed Accept-Datetime (the TimeGate answers 400)."""


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(value: datetime) -> str:
    """RFC 1123 date, as Memento-Datetime and TimeMap datetimes spell it.

    Formatted by hand (what ``email.utils.format_datetime(usegmt=True)`` gives, at a quarter
    of the cost): a TimeMap formats one per memento.
    """
    v = as_utc(value)
    return (
        f"{DAYS[v.weekday()]}, {v.day:02d} {MONTHS[v.month - 1]} {v.year:04d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d} GMT"
    )


def parse_http_date(text: str) -> datetime:
    try:
        value = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError) as exc:
        raise MementoError(
            f"invalid Accept-Datetime {text!r}: use an RFC 1123 date, "
            "e.g. Thu, 31 May 2007 20:35:00 GMT"
        ) from exc
    if value is None:
        raise MementoError(f"invalid Accept-Datetime {text!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class MementoUrls:
    """Where the app serves each Memento resource, under ``base`` (no trailing slash)."""

    base: str = ""

    def memento(self, timestamp: str, url: str, modifier: str = "") -> str:
        return f"{self.base}/web/{timestamp}{modifier}/{url}"

    def timegate(self, url: str) -> str:
        return f"{self.base}/timegate/{url}"

    def timemap(self, url: str, kind: str = "link") -> str:
        return f"{self.base}/timemap/{kind}/{url}"


def _link(target: str, rel: str, **params: str) -> str:
    extra = "".join(f'; {name}="{value}"' for name, value in params.items())
    return f'<{target}>; rel="{rel}"{extra}'


def _memento_rel(index: int, count: int) -> str:
    rels = []
    if index == 0:
        rels.append("first")
    if index == count - 1:
        rels.append("last")
    return " ".join([*rels, "memento"])


def memento_link_header(
    urls: MementoUrls, original: str, current: CdxEntry, timemap: list[CdxEntry]
) -> str:
    """The Link header of a memento: original, timegate, timemap, itself, first/last/prev/next."""
    links = [
        _link(original, "original"),
        _link(urls.timegate(original), "timegate"),
        _link(urls.timemap(original), "timemap", type=LINK_FORMAT),
    ]
    position = next((i for i, e in enumerate(timemap) if e.capture_id == current.capture_id), None)
    # Relations per memento; one memento may be several at once ("prev first memento").
    rels: dict[int, tuple[CdxEntry, list[str]]] = {current.capture_id: (current, [])}

    def add(item: CdxEntry, rel: str) -> None:
        rels.setdefault(item.capture_id, (item, []))[1].append(rel)

    if timemap:
        add(timemap[0], "first")
    if position is not None and position > 0:
        add(timemap[position - 1], "prev")
    if position is not None and position < len(timemap) - 1:
        add(timemap[position + 1], "next")
    if timemap:
        add(timemap[-1], "last")
    for item, names in rels.values():
        links.append(
            _link(
                urls.memento(item.timestamp, item.url),
                " ".join([*names, "memento"]),
                datetime=http_date(item.fetched_at),
            )
        )
    return ", ".join(links)


def timegate_link_header(urls: MementoUrls, original: str) -> str:
    return ", ".join(
        [
            _link(original, "original"),
            _link(urls.timemap(original), "timemap", type=LINK_FORMAT),
        ]
    )


def timemap_link(urls: MementoUrls, original: str, entries: list[CdxEntry]) -> str:
    """An ``application/link-format`` TimeMap (RFC 7089 section 5.1)."""
    lines = [
        _link(original, "original"),
        _link(urls.timegate(original), "timegate"),
    ]
    self_params = {"type": LINK_FORMAT}
    if entries:
        self_params["from"] = http_date(entries[0].fetched_at)
        self_params["until"] = http_date(entries[-1].fetched_at)
    lines.append(_link(urls.timemap(original), "self", **self_params))
    lines += [
        _link(
            urls.memento(e.timestamp, e.url),
            _memento_rel(i, len(entries)),
            datetime=http_date(e.fetched_at),
        )
        for i, e in enumerate(entries)
    ]
    return ",\n".join(lines) + "\n"


def timemap_json(urls: MementoUrls, original: str, entries: list[CdxEntry]) -> dict:
    """A JSON TimeMap in the shape the Memento aggregators (Time Travel) use."""
    mementos = [
        {
            "datetime": as_utc(e.fetched_at).isoformat().replace("+00:00", "Z"),
            "timestamp": e.timestamp,
            "uri": urls.memento(e.timestamp, e.url),
        }
        for e in entries
    ]
    body: dict = {
        "original_uri": original,
        "timegate_uri": urls.timegate(original),
        "timemap_uri": {
            "link_format": urls.timemap(original, "link"),
            "json_format": urls.timemap(original, "json"),
        },
        "mementos": {"list": mementos},
    }
    if mementos:
        body["mementos"]["first"] = mementos[0]
        body["mementos"]["last"] = mementos[-1]
    return body


def timemap_entries(session: Session, url: str) -> list[CdxEntry]:
    return captures_of(session, url)


@dataclass(slots=True)
class ArchivedResponse:
    """What a memento replays: the capture's HTTP status and headers, the payload as stored."""

    entry: CdxEntry
    status: int
    reason: str
    headers: list[tuple[str, str]]
    payload: bytes
    # Content-Encoding of ``payload`` (from the record that holds the payload).
    content_encoding: str | None
    record: StoredRecord

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def warc_path_is_safe(directory: Path, name: str) -> bool:
    """A WARC file name from the index must name a file directly inside ``warcs/``."""
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def read_capture_record(archive: Archive, capture: Capture | CdxEntry) -> StoredRecord:
    name = capture.warc_file if isinstance(capture, Capture) else capture.filename
    offset = capture.warc_offset if isinstance(capture, Capture) else capture.offset
    length = capture.warc_length if isinstance(capture, Capture) else capture.length
    if name is None or offset is None or length is None:
        raise RecordNotFoundError("this capture has no WARC record (a failed fetch)")
    if not warc_path_is_safe(archive.warc_dir, name):
        raise RecordNotFoundError(f"refusing WARC file name {name!r}")
    return read_record(archive.warc_dir, name, offset, length)


def load_response(archive: Archive, session: Session, entry: CdxEntry) -> ArchivedResponse:
    """Read the capture's record; a revisit takes its payload from the original response."""
    record = read_capture_record(archive, entry)
    http = record.http_headers
    if http is None:
        raise RecordNotFoundError(f"record {record.record_id} has no HTTP response")
    headers = list(http.headers)
    status_line = http.statusline or "200 OK"
    code, _, reason = status_line.partition(" ")
    payload = record.payload
    encoding = http.get_header("Content-Encoding")
    if record.rec_type == "revisit":
        original_id = record.rec_headers.get_header("WARC-Refers-To")
        original = session.scalars(
            select(Capture).where(
                Capture.record_id == original_id, Capture.record_type == "response"
            )
        ).first()
        if original is None:
            raise RecordNotFoundError(
                f"revisit {record.record_id} refers to {original_id}, which is not in the archive"
            )
        original_record = read_capture_record(archive, original)
        payload = original_record.payload
        if original_record.http_headers is not None:
            encoding = original_record.http_headers.get_header("Content-Encoding")
    return ArchivedResponse(
        entry=entry,
        status=int(code) if code.isdigit() else 200,
        reason=reason,
        headers=headers,
        payload=payload,
        content_encoding=encoding,
        record=record,
    )


def capture_by_id(session: Session, capture_id: int) -> Capture | None:
    """A capture row, unless an exclusion hides it."""
    return session.scalars(select(Capture).where(Capture.id == capture_id, visible())).first()
