"""Check an archive end to end, and mend what a crash left (``reftrail verify [--repair]``).

Three checks: every record of every WARC file passes its digests (warcio's own checker) and
sits in a complete gzip member; every capture row that names a WARC file points at a record
with the same id, type, URL and payload digest at exactly its offset and length; no ``.open``
file is left by a crawl that is gone. Problems are reported, never "fixed" by deleting rows.

With ``repair`` an ``.open`` file whose writer is gone is cut after its last complete record
(the cut bytes are kept beside it as ``….damaged-tail``) and renamed to its final name, then
:func:`storage.reindex.index_missing` adds rows for the records the database lacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from storage.archive import Archive
from storage.exceptions import ArchiveError
from storage.models import Capture
from storage.reindex import index_missing
from storage.warc.repair import (
    MemberScan,
    ReadProblem,
    final_name,
    finish_open_file,
    iter_file,
    scan_members,
    warc_paths,
    writer_status,
)
from storage.warc.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Per file, list at most this many bad rows one by one; the rest are counted.
MAX_ROWS_LISTED = 20


@dataclass
class VerifyReport:
    """What verify saw. ``ok`` is True when nothing is wrong (after any repair)."""

    files: int = 0
    records: int = 0
    rows_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    indexed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Seen:
    length: int
    record_id: str
    record_type: str
    url: str
    payload_digest: str | None
    damaged: bool


@dataclass
class _FileCheck:
    path: Path
    scan: MemberScan
    live: bool
    records: dict[int, _Seen] = field(default_factory=dict)


def verify(
    archive: Archive,
    *,
    repair: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check every WARC record and every capture row; with ``repair`` mend ``.open`` files.

    An ``.open`` file is left alone while the process named in it (``…-HOST-PID``) still
    runs on this machine; one written on another host only with ``force``.
    ``progress(bytes_checked, bytes_total)`` is called as files are checked.
    """
    report = VerifyReport()
    paths = warc_paths(archive.warc_dir)
    live_writers = False
    current: list[tuple[Path, bool]] = []
    for path in paths:
        if not path.name.endswith(OPEN_SUFFIX):
            current.append((path, False))
            continue
        status = writer_status(path)
        live = status.live and not (force and status.foreign)
        if live:
            live_writers = True
            report.notes.append(f"{path.name} is unfinished but left alone: {status.reason}")
            current.append((path, True))
        elif repair:
            finished = _finish(path, report)
            if finished is not None:
                current.append((finished, False))
        else:
            report.problems.append(
                f"{path.name} was left unfinished by a crawl that is gone ({status.reason}); "
                "run `reftrail verify --repair` to finish it"
            )
            current.append((path, False))

    total = sum(p.stat().st_size for p, _ in current)
    done = 0
    checked: dict[str, _FileCheck] = {}
    for path, live in current:
        check = _check_file(path, live, report)
        checked[final_name(path)] = check
        _check_rows(archive, check, report)
        check.records.clear()
        done += check.scan.size
        if progress is not None:
            progress(done, total)
    _check_rows_of_absent_files(archive, set(checked), report)

    if repair:
        if live_writers:
            report.notes.append(
                "a crawl is still writing to this archive, so records missing from the "
                "database were not re-indexed; run `reftrail verify --repair` after it stops"
            )
        else:
            report.indexed = index_missing(archive)
            if report.indexed:
                report.repaired.append(f"re-indexed {report.indexed} records the database lacked")
    logger.info(
        "verified %d files, %d records, %d rows: %d problems",
        report.files,
        report.records,
        report.rows_checked,
        len(report.problems),
    )
    return report


def _finish(path: Path, report: VerifyReport) -> Path | None:
    try:
        finished = finish_open_file(path, scan_members(path))
    except (ArchiveError, OSError) as exc:
        report.problems.append(f"could not finish {path.name}: {exc}")
        return path if path.exists() else None
    if finished.path is None:
        report.repaired.append(
            f"{path.name} held no complete record; its {finished.tail_bytes} bytes were moved "
            f"to {finished.tail.name if finished.tail else '(nothing: it was empty)'}"
        )
        return None
    message = f"finished {path.name} as {finished.path.name}"
    if finished.tail is not None:
        message += (
            f", cut after its last complete record at {finished.cut_at}; the "
            f"{finished.tail_bytes} bytes after it are kept in {finished.tail.name}"
        )
    report.repaired.append(message)
    return finished.path


def _check_file(path: Path, live: bool, report: VerifyReport) -> _FileCheck:
    scan = scan_members(path)
    check = _FileCheck(path=path, scan=scan, live=live)
    report.files += 1
    for damage in scan.damage:
        if damage is scan.tail:
            if live:
                continue  # the record being written right now
            report.problems.append(
                f"{path.name} ends in a truncated record: {damage.length} bytes at "
                f"{damage.offset} are not a complete record ({damage.reason})"
            )
        else:
            report.problems.append(
                f"{path.name}: {damage.length} damaged bytes at {damage.offset} ({damage.reason})"
            )
    for item in iter_file(path, scan=scan, check_digests=True):
        if isinstance(item, ReadProblem):
            report.problems.append(f"{path.name}: {item.message}")
            continue
        report.records += 1
        record_id = item.header("WARC-Record-ID") or ""
        if item.digest_problems:
            report.problems.append(
                f"{path.name}: record {record_id} at {item.offset} is damaged: "
                + "; ".join(item.digest_problems)
            )
        if item.rec_type in ("response", "revisit", "resource", "request", "metadata"):
            check.records[item.offset] = _Seen(
                length=item.length,
                record_id=record_id,
                record_type=item.rec_type,
                url=item.header("WARC-Target-URI") or "",
                payload_digest=item.header("WARC-Payload-Digest"),
                damaged=bool(item.digest_problems),
            )
    return check


def _row_problem(row: Capture, seen: _Seen | None) -> str | None:
    if seen is None:
        return "no record starts there"
    wrong = []
    if seen.length != row.warc_length:
        wrong.append(
            f"the record there is {seen.length} bytes long, the row says {row.warc_length}"
        )
    for label, ours, theirs in (
        ("record id", row.record_id, seen.record_id),
        ("record type", row.record_type, seen.record_type),
        ("URL", row.url, seen.url),
        ("payload digest", row.payload_digest, seen.payload_digest),
    ):
        if ours != theirs:
            wrong.append(f"{label} {theirs!r} in the WARC, {ours!r} in the row")
    if seen.damaged:
        wrong.append("the record fails its digest check")
    return "; ".join(wrong) or None


def _check_rows(archive: Archive, check: _FileCheck, report: VerifyReport) -> None:
    name = final_name(check.path)
    bad = 0
    with archive.session() as session:
        rows = session.scalars(
            select(Capture)
            .where(Capture.warc_file == name)
            .order_by(Capture.warc_offset)
            .execution_options(yield_per=2000)
        )
        for row in rows:
            offset = row.warc_offset if row.warc_offset is not None else -1
            if check.live and offset >= check.scan.complete_end:
                continue  # written after we looked; the live crawl is indexing it
            report.rows_checked += 1
            problem = _row_problem(row, check.records.get(offset))
            if problem is None:
                continue
            bad += 1
            if bad <= MAX_ROWS_LISTED:
                report.problems.append(
                    f"capture {row.id} ({row.url}) points at {name} offset {row.warc_offset} "
                    f"length {row.warc_length}, but {problem}"
                )
    if bad > MAX_ROWS_LISTED:
        report.problems.append(
            f"... and {bad - MAX_ROWS_LISTED} more capture rows pointing into {name} "
            "do not match its records"
        )


def _check_rows_of_absent_files(archive: Archive, present: set[str], report: VerifyReport) -> None:
    with archive.session() as session:
        counts = session.execute(
            select(Capture.warc_file, func.count())
            .where(Capture.warc_file.is_not(None))
            .group_by(Capture.warc_file)
        ).all()
    for name, count in counts:
        if name in present:
            continue
        report.rows_checked += count
        report.problems.append(
            f"{count} capture rows point at {name}, which is not in the archive's warcs/ folder"
        )
