"""Find where a WARC file's complete records end, read them, and finish a file a crash left.

Every record is its own gzip member, so "complete record" has a sharp meaning: a gzip member
that decompresses to its end and passes its CRC. :func:`scan_members` finds those members (and
the damaged spans between or after them) with zlib alone; :func:`iter_file` reads the records
of the good spans with warcio; :func:`finish_open_file` cuts an ``.open`` file after its last
complete record, keeping the cut bytes beside it, and gives it its final name.
"""

from __future__ import annotations

import bisect
import logging
import mmap
import os
import re
import socket
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from storage.exceptions import ArchiveError
from storage.warc.writer import OPEN_SUFFIX, _safe_host

logger = logging.getLogger(__name__)

CHUNK = 256 * 1024
GZIP_MAGIC = b"\x1f\x8b\x08"
TAIL_SUFFIX = ".damaged-tail"
# PREFIX-YYYYMMDDhhmmssfff-SERIAL-HOST-PID.warc.gz.open (the prefix and host may hold dashes).
OPEN_NAME = re.compile(r"^.+-\d{17}-\d+-(?P<host>.+)-(?P<pid>\d+)\.warc\.gz\.open$")


def warc_paths(directory: Path) -> list[Path]:
    """The WARC files of a folder, closed (``*.warc.gz``) and unfinished (``*.warc.gz.open``)."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and (p.name.endswith(".warc.gz") or p.name.endswith(".warc.gz.open"))
    )


def final_name(path: Path) -> str:
    """The name rows use for a file: without ``.open``."""
    return path.name.removesuffix(OPEN_SUFFIX)


@dataclass(frozen=True, slots=True)
class Damage:
    """Bytes that are not a complete gzip member: a cut-off record, corruption or garbage."""

    offset: int
    length: int
    reason: str


@dataclass(slots=True)
class MemberScan:
    """Where a file's complete gzip members are, and what lies between or after them."""

    path: Path
    size: int
    members: list[tuple[int, int]] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)

    @property
    def tail(self) -> Damage | None:
        """Damage running to the end of the file after the last complete member, if any."""
        if self.damage and self.damage[-1].offset + self.damage[-1].length == self.size:
            last = self.damage[-1]
            if not self.members or self.members[-1][0] < last.offset:
                return last
        return None

    @property
    def complete_end(self) -> int:
        """Where the file would end if cut after its last complete record."""
        tail = self.tail
        return tail.offset if tail else self.size

    def runs(self) -> list[tuple[int, int]]:
        """Contiguous spans of complete members, as (start, end)."""
        spans: list[tuple[int, int]] = []
        for offset, length in self.members:
            if spans and spans[-1][1] == offset:
                spans[-1] = (spans[-1][0], offset + length)
            else:
                spans.append((offset, offset + length))
        return spans

    def next_member_after(self, position: int) -> int | None:
        index = bisect.bisect_right(self.members, (position, -1))
        while index < len(self.members) and self.members[index][0] <= position:
            index += 1
        return self.members[index][0] if index < len(self.members) else None


def _member_end(view: memoryview, start: int) -> tuple[int | None, str]:
    """End of the gzip member starting at ``start`` (None if incomplete), and why not."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    position = start
    size = len(view)
    try:
        while position < size:
            chunk = view[position : position + CHUNK]
            position += len(chunk)
            pending: bytes | memoryview = chunk
            while pending:
                # Bounded output: a long run of zeros inflates a thousandfold.
                decompressor.decompress(pending, 4 * CHUNK)
                if decompressor.eof:
                    return position - len(decompressor.unused_data), ""
                pending = decompressor.unconsumed_tail
    except zlib.error as exc:
        return None, f"not a valid gzip member ({exc})"
    return None, "record cut off: the file ends inside its gzip member"


def _resync(view: memoryview, start: int) -> int:
    """Offset of the next complete gzip member holding a WARC record after ``start``."""
    data = view.obj  # the mmap: supports find()
    position = start
    while True:
        position = data.find(GZIP_MAGIC, position)  # type: ignore[attr-defined]
        if position < 0:
            return len(view)
        end, _ = _member_end(view, position)
        if end is not None:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(
                view[position : min(end, position + 4096)], 8
            )
            if head.startswith(b"WARC/"):
                return position
        position += 1


def scan_members(path: Path) -> MemberScan:
    """Find every complete gzip member of ``path`` and every span that is not one."""
    size = path.stat().st_size
    scan = MemberScan(path=path, size=size)
    if size == 0:
        return scan
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        view = memoryview(mm)
        try:
            position = 0
            while position < size:
                end, reason = _member_end(view, position)
                if end is not None:
                    scan.members.append((position, end - position))
                    position = end
                    continue
                following = _resync(view, position + 1)
                scan.damage.append(Damage(position, following - position, reason))
                position = following
        finally:
            view.release()
    return scan


@dataclass(slots=True)
class RecordInfo:
    """One record as storage needs it, without keeping large payloads in memory."""

    rec_type: str
    rec_headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None
    offset: int
    length: int
    payload_length: int
    body: bytes | None
    digest_problems: list[str]

    def header(self, name: str) -> str | None:
        return self.rec_headers.get_header(name)


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """A place in a file where records could not be read."""

    offset: int
    message: str


class _Window:
    """A read-only view of ``[start, end)`` of a file that reports absolute offsets."""

    def __init__(self, handle: object, start: int, end: int) -> None:
        self.handle = handle
        self.position = start
        self.end = end
        handle.seek(start)  # type: ignore[attr-defined]

    def read(self, size: int = -1) -> bytes:
        left = self.end - self.position
        if size < 0 or size > left:
            size = left
        data = self.handle.read(size) if size else b""  # type: ignore[attr-defined]
        self.position += len(data)
        return data

    def tell(self) -> int:
        return self.position


def _read_span(
    handle: object,
    start: int,
    end: int,
    *,
    check_digests: bool,
    keep_body: Callable[[RecordInfo], bool],
) -> Iterator[RecordInfo]:
    iterator = ArchiveIterator(_Window(handle, start, end), check_digests=check_digests)
    for record in iterator:
        info = RecordInfo(
            rec_type=record.rec_type,
            rec_headers=record.rec_headers,
            http_headers=record.http_headers,
            offset=0,
            length=0,
            payload_length=0,
            body=None,
            digest_problems=[],
        )
        keep = keep_body(info)
        pieces = []
        stream = record.raw_stream
        while True:
            piece = stream.read(CHUNK)
            if not piece:
                break
            info.payload_length += len(piece)
            if keep:
                pieces.append(piece)
        info.offset = iterator.get_record_offset()
        info.length = iterator.get_record_length()
        info.body = b"".join(pieces) if keep else None
        if record.digest_checker is not None:
            info.digest_problems = list(record.digest_checker.problems)
        yield info


def _keep_nothing(_info: RecordInfo) -> bool:
    return False


def _is_complete_member(handle: object, offset: int, length: int) -> bool:
    handle.seek(offset)  # type: ignore[attr-defined]
    data = handle.read(length)  # type: ignore[attr-defined]
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        decompressor.decompress(data)
    except zlib.error:
        return False
    return decompressor.eof and not decompressor.unused_data


def iter_file(
    path: Path,
    *,
    scan: MemberScan | None = None,
    check_digests: bool = False,
    keep_body: Callable[[RecordInfo], bool] = _keep_nothing,
) -> Iterator[RecordInfo | ReadProblem]:
    """Every readable record of ``path`` in order, and a problem wherever reading failed.

    With a ``scan``, only its complete members are read (so an ``.open`` file is read up to
    its last complete record) and reading resumes after damage. Without one the file is read
    straight through (the fast way, for closed files), scanned only if something goes wrong,
    and its last record is checked to be whole, since warcio reads a cut-off one silently.
    """
    trusted = scan is not None
    with open(path, "rb") as handle:
        spans = scan.runs() if scan is not None else [(0, path.stat().st_size)]
        held: RecordInfo | None = None
        while spans:
            start, end = spans.pop(0)
            reached = start
            try:
                for info in _read_span(
                    handle, start, end, check_digests=check_digests, keep_body=keep_body
                ):
                    reached = info.offset + info.length
                    if held is not None:
                        yield held
                    held = info
                if reached < end:
                    if held is not None:
                        yield held
                        held = None
                    yield ReadProblem(
                        reached,
                        f"{end - reached} bytes at {reached} are not a complete record "
                        "(cut off or not WARC data)",
                    )
            except Exception as exc:  # warcio and zlib raise many types on damaged input
                if held is not None:
                    yield held
                    held = None
                yield ReadProblem(reached, f"cannot read the record at {reached}: {exc}")
                pending = [(start, end), *spans]
                if scan is None:
                    # Read straight through and hit damage: learn the member layout, go on.
                    scan = scan_members(path)
                    trusted = True
                    pending = scan.runs()
                resume = scan.next_member_after(reached)
                if resume is None:
                    return
                spans = [(max(s, resume), e) for s, e in pending if e > resume]
        if held is not None:
            if trusted or _is_complete_member(handle, held.offset, held.length):
                yield held
            else:
                yield ReadProblem(
                    held.offset, f"the record at {held.offset} is cut off: the file ends inside it"
                )


@dataclass(frozen=True, slots=True)
class WriterStatus:
    """Whether some process may still be appending to an ``.open`` file."""

    live: bool
    reason: str
    # Written on another host: ``live`` is a guess, since that process cannot be seen.
    foreign: bool = False


def _holds_file(pid: int, target: os.stat_result) -> bool | None:
    """Whether process ``pid`` has the file open (None if that cannot be seen)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        entries = list(fd_dir.iterdir())
    except OSError:
        return None
    for entry in entries:
        try:
            info = entry.stat()
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (target.st_dev, target.st_ino):
            return True
    return False


def writer_status(path: Path, *, hostname: str | None = None) -> WriterStatus:
    """Judge from the file name (``…-HOST-PID.warc.gz.open``) whether its writer still runs."""
    match = OPEN_NAME.match(path.name)
    if match is None:
        return WriterStatus(False, "its name carries no host and process id")
    host, pid = match["host"], int(match["pid"])
    here = _safe_host(hostname or socket.gethostname())
    if host != here:
        return WriterStatus(
            True,
            f"it was written on host {host!r}, so whether its writer still runs is unknown",
            foreign=True,
        )
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return WriterStatus(False, f"process {pid} is gone")
    except PermissionError:
        return WriterStatus(True, f"process {pid} is running (as another user)")
    holds = _holds_file(pid, path.stat())
    if holds is False:
        return WriterStatus(False, f"process {pid} runs but does not have the file open")
    return WriterStatus(True, f"process {pid} is still writing it")


@dataclass(frozen=True, slots=True)
class FinishedFile:
    """What :func:`finish_open_file` did."""

    path: Path | None  # the closed file, or None when no complete record was there
    tail: Path | None  # where the cut bytes were kept
    cut_at: int
    tail_bytes: int


def _unique(path: Path) -> Path:
    candidate, number = path, 0
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finish_open_file(path: Path, scan: MemberScan | None = None) -> FinishedFile:
    """Cut ``path`` after its last complete record and rename it without ``.open``.

    The bytes after the cut are first copied to ``<final name>.damaged-tail`` beside it, so
    nothing is lost; complete records are never removed. Damage in the middle of the file is
    left where it is (it is reported, not cut).
    """
    if not path.name.endswith(OPEN_SUFFIX):
        raise ArchiveError(f"{path.name} is not an unfinished (.open) WARC file")
    scan = scan or scan_members(path)
    final = path.with_name(final_name(path))
    if final.exists():
        raise ArchiveError(
            f"cannot finish {path.name}: {final.name} already exists; move one of them aside"
        )
    cut = scan.complete_end
    tail_path = None
    with open(path, "r+b") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if cut < size:
            tail_path = _unique(path.with_name(final.name + TAIL_SUFFIX))
            handle.seek(cut)
            with open(tail_path, "xb") as tail:
                while chunk := handle.read(CHUNK):
                    tail.write(chunk)
                tail.flush()
                os.fsync(tail.fileno())
            logger.warning("kept %d damaged bytes of %s in %s", size - cut, path.name, tail_path)
        if cut > 0 and cut < size:
            handle.truncate(cut)
            handle.flush()
            os.fsync(handle.fileno())
    if cut == 0:
        # Not one complete record: the bytes (if any) are in the tail file now.
        path.unlink()
        _fsync_dir(path.parent)
        return FinishedFile(None, tail_path, 0, size)
    os.replace(path, final)
    _fsync_dir(path.parent)
    logger.info("finished %s at %d bytes", final.name, cut)
    return FinishedFile(final, tail_path, cut, size - cut)
