"""Rebuild the capture table from the WARC files alone (``reftrail reindex``).

The WARCs are the truth and the table is their index, so everything a capture row holds is
read back from the records: the ``response`` or ``revisit`` record itself, the concurrent
``request`` (method) and ``metadata`` record (referrer, hops, duration, crawl id), and for
fetches that got no HTTP exchange, the crawl log each crawl stores as a ``resource`` record
(plus ``logs/<crawl>.crawl.log`` of a crawl killed before it could store one).

The rebuild is a merge keyed by WARC-Record-ID, in one transaction: every record is staged
in a temporary table, then rows are corrected, added, or removed in a few set-based
statements. Rows whose record still exists keep their ids, so documents and anything else
that points at a capture stay attached. Rows whose record is gone from a file that is present
are removed with their documents; rows pointing at a file that is not in ``warcs/`` at all
are kept and reported (the file may be elsewhere for now). Failed fetches of a crawl whose
log was found are replaced by the log's; those of crawls with no log are kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from storage import crawllog
from storage.archive import Archive
from storage.captures import redirect_target, surt_key, to_millis
from storage.exceptions import ArchiveError
from storage.models import Capture, Crawl, Document
from storage.timeutil import as_utc, parse_warc_date
from storage.warc.repair import (
    ReadProblem,
    RecordInfo,
    WriterStatus,
    final_name,
    iter_file,
    scan_members,
    warc_paths,
    writer_status,
)
from storage.warc.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
BATCH = 5000
LOG_URI_PREFIX = crawllog.log_uri("")
CAPTURE = cast(Table, Capture.__table__)
# Every capture column the WARCs determine (all but the surrogate key).
COLUMNS = [c.name for c in CAPTURE.columns if c.name != "id"]


@dataclass
class ReindexReport:
    """What a reindex read and changed. ``progress`` is called with (bytes read, bytes total)."""

    files: int = 0
    records: int = 0
    captures: int = 0
    failures: int = 0
    failures_replaced: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    documents_deleted: int = 0
    crawls_created: int = 0
    kept_missing_file: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def _stage_tables() -> tuple[Table, Table]:
    metadata = MetaData()
    stage = Table(
        "reftrail_reindex_stage",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        *(Column(c.name, c.type) for c in CAPTURE.columns if c.name != "id"),
        prefixes=["TEMPORARY"],
    )
    files = Table(
        "reftrail_reindex_files",
        metadata,
        Column("name", String(255), primary_key=True),
        prefixes=["TEMPORARY"],
    )
    return stage, files


def _mime(content_type: str | None) -> str | None:
    # Same rule as HttpExchange.mime, so the rebuilt row matches the live one.
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _fields(body: bytes | None) -> dict[str, str]:
    """Parse an ``application/warc-fields`` body."""
    found: dict[str, str] = {}
    for line in (body or b"").decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            found.setdefault(name.strip(), value.strip())
    return found


def _keep_body(info: RecordInfo) -> bool:
    if info.rec_type == "metadata":
        return True
    return info.rec_type == "resource" and (info.header("WARC-Target-URI") or "").startswith(
        LOG_URI_PREFIX
    )


def capture_row(info: RecordInfo, warc_file: str) -> dict:
    """The capture row of a ``response`` or ``revisit`` record, before its group is joined.

    A revisit's ``length`` is the HTTP Content-Length here; the rebuild replaces it with the
    length of the response it refers to, which is what the live crawl wrote.
    """
    url = info.header("WARC-Target-URI") or ""
    http = info.http_headers
    status = mime = redirect = None
    if http is not None:
        status = _int(http.get_statuscode())
        mime = _mime(http.get_header("Content-Type"))
        location = http.get_header("Location")
        if location and status is not None and 300 <= status < 400:
            redirect = redirect_target(url, location)
    length: int | None
    if info.rec_type == "response":
        length = info.payload_length
    else:
        length = _int(http.get_header("Content-Length")) if http is not None else None
    return {
        "crawl_id": None,
        "url": url,
        "surt": surt_key(url),
        "method": "GET",
        "fetched_at": parse_warc_date(info.header("WARC-Date") or "1970-01-01T00:00:00Z"),
        "status": status,
        "mime": mime,
        "length": length,
        "payload_digest": info.header("WARC-Payload-Digest"),
        "record_type": info.rec_type,
        "record_id": info.header("WARC-Record-ID"),
        "warc_file": warc_file,
        "warc_offset": info.offset,
        "warc_length": info.length,
        "ip": info.header("WARC-IP-Address"),
        "redirect_to": redirect,
        "revisit_of": info.header("WARC-Refers-To") if info.rec_type == "revisit" else None,
        "duration_ms": None,
        "error": None,
        "error_detail": None,
        "referrer": None,
        "hops": None,
    }


class _Crawls:
    """Crawl ids by uuid; creates a ``reindexed`` crawl for a uuid the database lacks."""

    def __init__(self, connection: Connection, report: ReindexReport) -> None:
        self.connection = connection
        self.report = report
        self.ids: dict[str, int] = dict(connection.execute(select(Crawl.uuid, Crawl.id)).all())
        self.created: dict[int, list[datetime]] = {}

    def id_for(self, crawl_uuid: str | None, when: datetime) -> int | None:
        if not crawl_uuid:
            return None
        crawl_id = self.ids.get(crawl_uuid)
        if crawl_id is None:
            crawl_id = self.connection.execute(
                insert(Crawl).returning(Crawl.id),
                {
                    "uuid": crawl_uuid,
                    "kind": "reindexed",
                    "seeds": [],
                    "seeds_key": "",
                    "options": {},
                    "state": "done",
                    "started_at": when,
                    "ended_at": when,
                    "stats": {},
                },
            ).scalar_one()
            self.ids[crawl_uuid] = crawl_id
            self.created[crawl_id] = [when, when]
            self.report.crawls_created += 1
        elif crawl_id in self.created:
            span = self.created[crawl_id]
            span[0], span[1] = min(span[0], when), max(span[1], when)
        return crawl_id

    def finish(self) -> None:
        for crawl_id, (first, last) in self.created.items():
            self.connection.execute(
                update(Crawl).where(Crawl.id == crawl_id).values(started_at=first, ended_at=last)
            )


class _Group:
    """Joins a file's main records with their concurrent request and metadata records."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.methods: dict[str, str] = {}
        self.meta: dict[str, dict[str, str]] = {}
        self.request_of: dict[str, str] = {}

    def add(self, info: RecordInfo, warc_file: str) -> None:
        kind = info.rec_type
        if kind in ("response", "revisit"):
            row = capture_row(info, warc_file)
            if row["record_id"]:
                self.rows[row["record_id"]] = row
                concurrent = info.header("WARC-Concurrent-To")
                if concurrent:  # wget style: the response points at its request
                    self.request_of[row["record_id"]] = concurrent
        elif kind == "request" and info.http_headers is not None:
            method = info.http_headers.protocol
            for target in (info.header("WARC-Concurrent-To"), info.header("WARC-Record-ID")):
                if target:
                    self.methods[target] = method
        elif kind == "metadata":
            target = info.header("WARC-Concurrent-To")
            if target:
                self.meta[target] = _fields(info.body)

    def rows_joined(self) -> Iterator[tuple[dict, str | None]]:
        """Each row with its group's data filled in, and the crawl uuid it belongs to."""
        for record_id, row in self.rows.items():
            method = self.methods.get(record_id) or self.methods.get(
                self.request_of.get(record_id, "")
            )
            if method:
                row["method"] = method
            fields = self.meta.get(record_id)
            crawl_uuid = None
            if fields is not None:
                row["referrer"] = fields.get("via") or None
                hops = fields.get("hopsFromSeed")
                row["hops"] = "" if hops in (None, "-") else hops
                row["duration_ms"] = _int(fields.get("fetchTimeMs"))
                crawl_uuid = fields.get("crawlId") or None
            yield row, crawl_uuid


@dataclass
class _Staged:
    stage: Table
    files: Table
    # Crawl uuid -> unique crawl-log lines that record failures.
    failure_lines: dict[str, dict[str, None]]
    crawls: _Crawls


def _live_writers(paths: list[Path]) -> dict[Path, WriterStatus]:
    live = {}
    for path in paths:
        if path.name.endswith(OPEN_SUFFIX):
            status = writer_status(path)
            if status.live:
                live[path] = status
    return live


def _stage(
    connection: Connection,
    archive: Archive,
    report: ReindexReport,
    paths: list[Path],
    progress: Progress | None,
) -> _Staged:
    """Read every record of ``paths`` into temporary tables; collect crawl-log failures."""
    stage, files = _stage_tables()
    stage.create(connection)
    files.create(connection)
    crawls = _Crawls(connection, report)
    failure_lines: dict[str, dict[str, None]] = {}
    total = sum(p.stat().st_size for p in paths)
    done = 0
    batch: list[dict] = []

    def flush() -> None:
        if batch:
            connection.execute(insert(stage), batch)
            batch.clear()

    names: set[str] = set()
    for path in paths:
        name = final_name(path)
        if name in names:
            report.problems.append(
                f"{path.name} and {name} both exist; indexed both, keep the complete one"
            )
        else:
            names.add(name)
            connection.execute(insert(files), {"name": name})
        report.files += 1
        scan = scan_members(path) if path.name.endswith(OPEN_SUFFIX) else None
        group = _Group()
        for item in iter_file(path, scan=scan, keep_body=_keep_body):
            if isinstance(item, ReadProblem):
                report.problems.append(f"{path.name}: {item.message}")
                continue
            report.records += 1
            group.add(item, name)
            if item.body is not None and item.rec_type == "resource":
                log_crawl = (item.header("WARC-Target-URI") or "")[len(LOG_URI_PREFIX) :]
                _collect_failures(failure_lines, log_crawl, item.body)
            if progress is not None and report.records % 2000 == 0:
                progress(done + item.offset, total)
        for row, crawl_uuid in group.rows_joined():
            row["crawl_id"] = crawls.id_for(crawl_uuid, row["fetched_at"])
            batch.append(row)
            report.captures += 1
            if len(batch) >= BATCH:
                flush()
        if scan is not None and scan.tail is not None:
            report.problems.append(
                f"{path.name}: read up to its last complete record at {scan.complete_end}; "
                f"{scan.tail.length} bytes after it are not a complete record"
            )
        done += path.stat().st_size
        if progress is not None:
            progress(done, total)
    flush()
    # Built after loading (cheaper than maintaining it row by row); every merge joins on it.
    Index("ix_reftrail_reindex_stage_record", stage.c.record_id).create(connection)
    _read_log_files(archive.log_dir, failure_lines)
    return _Staged(stage, files, failure_lines, crawls)


def _collect_failures(found: dict[str, dict[str, None]], crawl_uuid: str, body: bytes) -> None:
    lines = found.setdefault(crawl_uuid, {})
    for line in body.decode("utf-8", "replace").splitlines():
        if crawllog.ANNOTATION in line:
            lines[line] = None


def _read_log_files(log_dir: Path, found: dict[str, dict[str, None]]) -> None:
    """Crawl logs still on disk: a crawl killed before storing its log left only this."""
    if not log_dir.is_dir():
        return
    for path in sorted(log_dir.glob("*.crawl.log")):
        crawl_uuid = path.name.removesuffix(".crawl.log")
        _collect_failures(found, crawl_uuid, path.read_bytes())


def _failure_rows(staged: _Staged) -> dict[int, list[dict]]:
    rows: dict[int, list[dict]] = {}
    for crawl_uuid, lines in staged.failure_lines.items():
        failures = crawllog.parse_failures("\n".join(lines))
        for failure in failures:
            crawl_id = staged.crawls.id_for(crawl_uuid, as_utc(failure.fetched_at))
            assert crawl_id is not None
            rows.setdefault(crawl_id, []).append(
                {
                    "crawl_id": crawl_id,
                    "url": failure.url,
                    "surt": surt_key(failure.url),
                    "method": failure.method,
                    "fetched_at": to_millis(failure.fetched_at),
                    "error": failure.error,
                    "error_detail": failure.detail,
                    "duration_ms": failure.duration_ms,
                    "referrer": failure.referrer,
                    "hops": failure.hops,
                }
            )
    return rows


def _fix_revisit_lengths(connection: Connection, stage: Table) -> None:
    """A revisit carries no payload: its length is that of the response it stands for."""
    original = stage.alias("original")
    staged_length = (
        select(original.c.length)
        .where(original.c.record_id == stage.c.revisit_of, original.c.record_type == "response")
        .limit(1)
        .scalar_subquery()
    )
    indexed_length = (
        select(CAPTURE.c.length)
        .where(CAPTURE.c.record_id == stage.c.revisit_of)
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        update(stage)
        .where(stage.c.record_type == "revisit", stage.c.revisit_of.is_not(None))
        .values(length=func.coalesce(staged_length, indexed_length, stage.c.length))
    )


def _drop_duplicates(connection: Connection, stage: Table, report: ReindexReport) -> None:
    duplicated = connection.execute(
        select(stage.c.record_id, func.count())
        .group_by(stage.c.record_id)
        .having(func.count() > 1)
        .limit(20)
    ).all()
    if not duplicated:
        return
    for record_id, count in duplicated:
        report.problems.append(
            f"record {record_id} appears {count} times in the WARCs (a copied file?); "
            "indexed at its first place"
        )
    first = select(func.min(stage.c.seq)).group_by(stage.c.record_id)
    connection.execute(delete(stage).where(stage.c.seq.not_in(first)))


def _insert_missing(connection: Connection, stage: Table) -> int:
    columns = [stage.c[name] for name in COLUMNS]
    missing = (
        select(*columns)
        .where(~exists().where(CAPTURE.c.record_id == stage.c.record_id))
        .order_by(stage.c.seq)
    )
    # Counted through RETURNING: drivers need not report a rowcount for INSERT ... SELECT.
    statement = insert(CAPTURE).from_select(COLUMNS, missing).returning(CAPTURE.c.id)
    return len(connection.execute(statement).all())


def reindex(archive: Archive, *, progress: Progress | None = None) -> ReindexReport:
    """Rebuild the capture table from the archive's WARC files (see the module docstring).

    Raises :class:`ArchiveError` if a crawl on this machine is still writing one of the
    files: its rows would race with ours. ``progress(bytes_read, bytes_total)`` is called
    as files are read.
    """
    started = time.perf_counter()
    report = ReindexReport()
    paths = warc_paths(archive.warc_dir)
    live = _live_writers(paths)
    if live:
        path, status = next(iter(live.items()))
        hint = (
            "if no crawl runs there any more, finish the file with verify's repair "
            "(force, since its host cannot be checked from here) first"
            if status.foreign
            else "stop the crawl (or let it finish) and run reindex again"
        )
        raise ArchiveError(
            f"cannot reindex while a crawl may be writing {path.name} ({status.reason}); {hint}"
        )
    with archive.engine.begin() as connection:
        staged = _stage(connection, archive, report, paths, progress)
        stage, files = staged.stage, staged.files
        try:
            _fix_revisit_lengths(connection, stage)
            _drop_duplicates(connection, stage, report)
            _merge(connection, staged, report)
            failures = _failure_rows(staged)
            _replace_failures(connection, failures, report)
            staged.crawls.finish()
        finally:
            stage.drop(connection)
            files.drop(connection)
    report.seconds = time.perf_counter() - started
    logger.info(
        "reindexed %d records from %d files in %.1f s: %d inserted, %d updated, %d deleted",
        report.records,
        report.files,
        report.seconds,
        report.inserted,
        report.updated,
        report.deleted,
    )
    return report


def _merge(connection: Connection, staged: _Staged, report: ReindexReport) -> None:
    stage, files = staged.stage, staged.files
    gone = and_(
        CAPTURE.c.record_id.is_not(None),
        ~exists().where(stage.c.record_id == CAPTURE.c.record_id),
    )
    file_present = exists().where(files.c.name == CAPTURE.c.warc_file)
    doomed = select(CAPTURE.c.id).where(gone, file_present)
    report.documents_deleted += connection.execute(
        delete(Document).where(Document.capture_id.in_(doomed))
    ).rowcount
    report.deleted += connection.execute(delete(CAPTURE).where(gone, file_present)).rowcount
    kept = connection.execute(
        select(func.count()).select_from(CAPTURE).where(gone, ~file_present)
    ).scalar_one()
    if kept:
        report.kept_missing_file = kept
        report.problems.append(
            f"{kept} rows point at WARC files that are not in {Path('warcs')}/; kept them: "
            "put the files back and run reindex again"
        )
    differs = or_(*(CAPTURE.c[name].is_distinct_from(stage.c[name]) for name in COLUMNS))
    report.updated += connection.execute(
        update(CAPTURE)
        .where(CAPTURE.c.record_id == stage.c.record_id, differs)
        .values({name: stage.c[name] for name in COLUMNS})
    ).rowcount
    report.inserted += _insert_missing(connection, stage)


def _replace_failures(
    connection: Connection, failures: dict[int, list[dict]], report: ReindexReport
) -> None:
    if not failures:
        return
    old = select(CAPTURE.c.id).where(
        CAPTURE.c.record_id.is_(None), CAPTURE.c.crawl_id.in_(list(failures))
    )
    report.documents_deleted += connection.execute(
        delete(Document).where(Document.capture_id.in_(old))
    ).rowcount
    removed = connection.execute(
        delete(CAPTURE).where(CAPTURE.c.record_id.is_(None), CAPTURE.c.crawl_id.in_(list(failures)))
    ).rowcount
    rows = [row for group in failures.values() for row in group]
    connection.execute(insert(CAPTURE), rows)
    report.failures = len(rows)
    report.failures_replaced = removed


def index_missing(archive: Archive, *, progress: Progress | None = None) -> int:
    """Add rows for records (and crawl-log failures) the table lacks; return how many.

    Files a live crawl on this machine is still writing are skipped: that crawl indexes them.
    """
    report = ReindexReport()
    paths = warc_paths(archive.warc_dir)
    live = _live_writers(paths)
    paths = [p for p in paths if p not in live]
    with archive.engine.begin() as connection:
        staged = _stage(connection, archive, report, paths, progress)
        stage, files = staged.stage, staged.files
        try:
            _fix_revisit_lengths(connection, stage)
            _drop_duplicates(connection, stage, report)
            added = _insert_missing(connection, stage)
            added += _add_missing_failures(connection, _failure_rows(staged))
            staged.crawls.finish()
        finally:
            stage.drop(connection)
            files.drop(connection)
    for problem in report.problems:
        logger.warning("%s", problem)
    return added


def _add_missing_failures(connection: Connection, failures: dict[int, list[dict]]) -> int:
    if not failures:
        return 0
    existing = {
        (crawl_id, url, as_utc(fetched_at), error)
        for crawl_id, url, fetched_at, error in connection.execute(
            select(CAPTURE.c.crawl_id, CAPTURE.c.url, CAPTURE.c.fetched_at, CAPTURE.c.error).where(
                CAPTURE.c.record_id.is_(None), CAPTURE.c.crawl_id.in_(list(failures))
            )
        )
    }
    rows = [
        row
        for group in failures.values()
        for row in group
        if (row["crawl_id"], row["url"], as_utc(row["fetched_at"]), row["error"]) not in existing
    ]
    if rows:
        connection.execute(insert(CAPTURE), rows)
    return len(rows)
