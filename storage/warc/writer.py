"""WARC files on disk: naming, the ``.open`` suffix, rotation, and record-boundary safety.

A file being written is named ``….warc.gz.open`` and renamed when closed, so any file without
the suffix is complete. Each record is its own gzip member. A group of records (one exchange)
is written contiguously and flushed before the caller indexes it; if the disk fills up midway
(or the file hits the process's file size limit), the file is cut back to the last complete
group so it never ends in half a record. The file is unbuffered: each group goes to the kernel
in one write, and a failed write leaves no bytes in a buffer that a later flush would append.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import socket
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from isal import isal_zlib
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from storage.exceptions import ArchiveError, ArchiveFullError
from storage.timeutil import timestamp17, utcnow
from storage.warc.records import WARC_VERSION, ExchangeRecords

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
GZIP_WBITS = zlib.MAX_WBITS | 16  # a gzip header and trailer, not a raw zlib stream
DEFAULT_MAX_SIZE = 1_000_000_000
# Write errors that mean "no room": the crawl stops cleanly and can resume once there is room.
NO_ROOM = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file size limit reached",
}


@dataclass(frozen=True, slots=True)
class RecordLocation:
    """Where a record lives: the file's final name (no ``.open``), its offset and length."""

    warc_file: str
    offset: int
    length: int
    record_id: str
    record_type: str


def _safe_host(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in name) or "localhost"


class WarcFileWriter:
    """Appends records to the current WARC file of a folder, rotating at ``max_size``."""

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "reftrail",
        max_size: int = DEFAULT_MAX_SIZE,
        info_fields: Iterable[tuple[str, str]] = (),
        records: ExchangeRecords | None = None,
        clock: Callable[[], datetime] = utcnow,
        hostname: str | None = None,
        pid: int | None = None,
        gzip_level: int = 6,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.info_fields = list(info_fields)
        self.records = records or ExchangeRecords()
        self.clock = clock
        self.hostname = _safe_host(hostname or socket.gethostname())
        self.pid = os.getpid() if pid is None else pid
        self.serial = 0
        self.gzip_level = gzip_level
        self._file: io.FileIO | None = None
        self._name: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(
                f"cannot create WARC folder {self.directory}: {exc.strerror}"
            ) from exc

    @property
    def current_name(self) -> str | None:
        """Final name of the file being written (without ``.open``), if one is open."""
        return self._name

    def _open_new(self) -> None:
        self.serial += 1
        name = (
            f"{self.prefix}-{timestamp17(self.clock())}-{self.serial:05d}"
            f"-{self.hostname}-{self.pid}.warc.gz"
        )
        path = self.directory / (name + OPEN_SUFFIX)
        try:
            self._file = open(path, "xb", buffering=0)  # noqa: SIM115 - kept open across writes
        except OSError as exc:
            raise ArchiveError(f"cannot create WARC file {path}: {exc.strerror}") from exc
        self._name = name
        info = self.records.warcinfo(
            name,
            [("format", f"WARC File Format {WARC_VERSION[5:]}"), *self.info_fields],
            date=self.clock(),
        )
        self._append([info])
        logger.info("opened WARC file %s", name)

    def _append(self, group: list[ArcWarcRecord]) -> list[RecordLocation]:
        assert self._file is not None and self._name is not None
        out = self._file
        start = out.tell()
        members = [self._gzip_member(record) for record in group]
        locations = []
        offset = start
        for record, member in zip(group, members, strict=True):
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            locations.append(
                RecordLocation(self._name, offset, len(member), record_id, record.rec_type)
            )
            offset += len(member)
        try:
            _write_all(out, b"".join(members))
        except OSError as exc:
            self._truncate(start)
            if exc.errno in NO_ROOM:
                raise ArchiveFullError(
                    f"{NO_ROOM[exc.errno]} ({exc.strerror}) while writing {self._name}; the "
                    "file was cut back to its last complete record. Free some space and run "
                    "the crawl again to resume."
                ) from exc
            raise ArchiveError(f"cannot write {self._name}: {exc.strerror}") from exc
        return locations

    def _gzip_member(self, record: ArcWarcRecord) -> bytes:
        """One record as its own gzip member (so readers can seek straight to it).

        warcio serialises the record; the whole buffer is compressed in one call that
        releases the GIL. Levels 0-3 use ISA-L (the ``isal`` package: standard gzip, about
        five times faster than zlib at the same size on HTML); higher levels use zlib for
        smaller files at much more CPU.
        """
        buffer = io.BytesIO()
        WARCWriter(buffer, gzip=False, warc_version=WARC_VERSION).write_record(record)
        if self.gzip_level <= isal_zlib.ISAL_BEST_COMPRESSION:
            return isal_zlib.compress(buffer.getbuffer(), self.gzip_level, wbits=GZIP_WBITS)
        return zlib.compress(buffer.getbuffer(), self.gzip_level, wbits=GZIP_WBITS)

    def _truncate(self, size: int) -> None:
        assert self._file is not None
        try:
            self._file.truncate(size)
            self._file.seek(size)
        except OSError:
            logger.exception(
                "could not cut %s back to %d bytes; run `reftrail verify --repair`",
                self._name,
                size,
            )

    def write(self, group: list[ArcWarcRecord]) -> list[RecordLocation]:
        """Write records contiguously in one file and flush; return where each landed."""
        if self._file is not None and self._file.tell() >= self.max_size:
            self.close()
        if self._file is None:
            self._open_new()
        return self._append(group)

    def close(self) -> None:
        """Close the current file and drop its ``.open`` suffix."""
        if self._file is None:
            return
        assert self._name is not None
        path = self.directory / (self._name + OPEN_SUFFIX)
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError:
            logger.exception("could not sync %s before closing", self._name)
        self._file.close()
        os.replace(path, self.directory / self._name)
        logger.info("closed WARC file %s", self._name)
        self._file = None
        self._name = None


def _write_all(out: io.FileIO, data: bytes) -> None:
    """Write every byte or raise: an unbuffered write may stop short (e.g. at a size limit)."""
    view = memoryview(data)
    while view:
        written = out.write(view)
        if not written:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[written:]
