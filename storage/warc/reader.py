"""Read WARC records back: one by (file, offset, length), or a whole file in order.

Digests are checked with warcio's own checker, so "verified" means what it means to every
other WARC tool.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders

from storage.exceptions import DigestMismatchError, RecordNotFoundError
from storage.warc.writer import OPEN_SUFFIX


@dataclass(slots=True)
class StoredRecord:
    """A record read back in full: WARC headers, HTTP headers (if any) and payload bytes."""

    rec_type: str
    rec_headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None
    payload: bytes
    raw: bytes
    offset: int
    length: int
    digest_problems: list[str]

    @property
    def record_id(self) -> str:
        return self.rec_headers.get_header("WARC-Record-ID") or ""

    @property
    def target_uri(self) -> str:
        return self.rec_headers.get_header("WARC-Target-URI") or ""


def resolve_warc_path(directory: Path, name: str) -> Path:
    """The file holding ``name``: the closed file, or the ``.open`` one still being written."""
    path = directory / name
    if path.exists():
        return path
    open_path = directory / (name + OPEN_SUFFIX)
    if open_path.exists():
        return open_path
    raise RecordNotFoundError(f"WARC file {name} is not in {directory}")


def _load(raw: bytes, offset: int, *, check_digests: bool = True) -> StoredRecord:
    iterator = ArchiveIterator(io.BytesIO(raw), check_digests=check_digests)
    try:
        record = next(iterator)
    except (StopIteration, ArchiveLoadFailed) as exc:
        raise RecordNotFoundError(f"no WARC record at offset {offset}: {exc}") from exc
    payload = record.raw_stream.read()
    iterator.read_to_end(record)
    problems = list(record.digest_checker.problems) if record.digest_checker else []
    return StoredRecord(
        rec_type=record.rec_type,
        rec_headers=record.rec_headers,
        http_headers=record.http_headers,
        payload=payload,
        raw=raw,
        offset=offset,
        length=len(raw),
        digest_problems=problems,
    )


def read_record(
    directory: Path, name: str, offset: int, length: int, *, verify: bool = True
) -> StoredRecord:
    """Read the record at ``offset``; with ``verify`` raise if its digests do not match.

    Without ``verify`` the digests are not computed at all (``digest_problems`` stays empty):
    for readers that only want the payload, such as text extraction.
    """
    path = resolve_warc_path(directory, name)
    with open(path, "rb") as handle:
        handle.seek(offset)
        raw = handle.read(length)
    if len(raw) != length:
        raise RecordNotFoundError(f"{name} ends before offset {offset} + {length}")
    record = _load(raw, offset, check_digests=verify)
    if verify and record.digest_problems:
        raise DigestMismatchError(
            f"record {record.record_id} in {name} at {offset} is damaged: "
            + "; ".join(record.digest_problems)
        )
    return record


def iter_records(path: Path) -> Iterator[StoredRecord]:
    """Every record of a file in order, with its offset, length and digest problems."""
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=True)
        for record in iterator:
            payload = record.raw_stream.read()
            offset = iterator.get_record_offset()
            length = iterator.get_record_length()
            problems = list(record.digest_checker.problems) if record.digest_checker else []
            yield StoredRecord(
                rec_type=record.rec_type,
                rec_headers=record.rec_headers,
                http_headers=record.http_headers,
                payload=payload,
                raw=b"",
                offset=offset,
                length=length,
                digest_problems=problems,
            )
