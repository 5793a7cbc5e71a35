"""``verify`` checks every record and every row, and ``--repair`` mends what a crash left."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from storage.exceptions import ArchiveError
from storage.models import Capture
from storage.reindex import reindex
from storage.verify import MAX_ROWS_LISTED, verify
from storage.warc.repair import ReadProblem, iter_file
from tests.storage.builders import (
    T0,
    build_archive,
    capture_rows,
    failures,
    first_crawl_exchanges,
    new_crawl,
    recorder,
    warc_files,
)


def records_of(path: Path) -> list:
    items = list(iter_file(path))
    assert not [i for i in items if isinstance(i, ReadProblem)]
    return items


def warcio_check(path: Path) -> subprocess.CompletedProcess:
    """``warcio check -v`` (warcio has no ``__main__``, so call its CLI entry point)."""
    code = "import sys; from warcio.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def row_count(archive) -> int:
    with archive.session() as session:
        return session.execute(select(func.count()).select_from(Capture)).scalar_one()


def test_verify_passes_on_a_good_archive(archive):
    build_archive(archive)
    report = verify(archive)
    assert report.ok, report.problems
    files = warc_files(archive.warc_dir)
    assert report.files == len(files) > 2
    assert report.records == sum(len(records_of(f)) for f in files)
    with archive.session() as session:
        with_file = session.execute(
            select(func.count()).where(Capture.warc_file.is_not(None))
        ).scalar_one()
    assert report.rows_checked == with_file > 0
    assert report.repaired == [] and report.notes == []


def _response_location(archive) -> tuple[int, str, int, int]:
    with archive.session() as session:
        row = session.scalars(
            select(Capture).where(Capture.record_type == "response", Capture.length > 500)
        ).first()
        return row.id, row.warc_file, row.warc_offset, row.warc_length


def test_flipped_bytes_in_a_record_are_reported(archive):
    build_archive(archive)
    capture_id, name, offset, length = _response_location(archive)
    path = archive.warc_dir / name
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0x55
    path.write_bytes(bytes(data))

    report = verify(archive)
    assert not report.ok
    assert any(name in p and str(offset) in p for p in report.problems if "damaged" in p)
    assert any(p.startswith(f"capture {capture_id} ") for p in report.problems)
    assert any("rows point" not in p for p in report.problems)


def test_a_payload_that_no_longer_matches_its_digest_is_reported(archive):
    """Bytes changed before compression: the gzip member is fine, the WARC digests are not."""
    build_archive(archive)
    capture_id, name, offset, length = _response_location(archive)
    path = archive.warc_dir / name
    data = path.read_bytes()
    member = bytearray(gzip.decompress(data[offset : offset + length]))
    position = member.index(b"lorem")
    member[position : position + 5] = b"LOREM"
    replaced = gzip.compress(bytes(member), mtime=0)
    path.write_bytes(data[:offset] + replaced + data[offset + length :])

    report = verify(archive)
    digest = [p for p in report.problems if "digest failed" in p]
    assert digest and name in digest[0] and str(offset) in digest[0]
    # Its row points at a record that fails its check; rows after it moved by the new size.
    assert any(p.startswith(f"capture {capture_id} ") for p in report.problems)


def test_rows_that_point_at_the_wrong_place_are_reported_and_kept(archive):
    build_archive(archive)
    with archive.session() as session, session.begin():
        rows = session.scalars(
            select(Capture).where(Capture.record_type.is_not(None)).order_by(Capture.id).limit(4)
        ).all()
        ids = [r.id for r in rows]
        rows[0].warc_offset += 1
        rows[1].warc_length += 7
        rows[2].payload_digest = "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        rows[3].warc_file = "gone-20260101000000000-00001-x-1.warc.gz"
    before = row_count(archive)

    report = verify(archive, repair=True)
    assert not report.ok
    text = "\n".join(report.problems)
    assert f"capture {ids[0]} " in text and "no record starts there" in text
    assert f"capture {ids[1]} " in text and "bytes long" in text
    assert f"capture {ids[2]} " in text and "payload digest" in text
    assert "1 capture rows point at gone-20260101000000000-00001-x-1.warc.gz" in text
    assert len(report.problems) == 4
    # Never deleted; the repair re-indexed nothing since every record has its row.
    assert row_count(archive) == before
    assert report.indexed == 0


CUTS = ["mid-record", "gzip-header", "boundary", "inside-warcinfo", "random-1", "random-2"]


@pytest.mark.parametrize("cut_kind", CUTS)
def test_a_crash_is_repaired_without_losing_a_complete_record(archive, dead_pid, cut_kind):
    crawl_uuid = str(uuid.uuid4())
    crawl_id = new_crawl(archive, crawl_uuid, T0)
    rec = recorder(archive, crawl_uuid, crawl_id, max_size=10**9, pid=dead_pid)
    try:
        rec.record_exchanges(first_crawl_exchanges())
        rec.record_failures(failures())
        name = rec.writer.current_name
        open_path = archive.warc_dir / (name + ".open")
        snapshot = open_path.read_bytes()  # the .open file as a SIGKILL would leave it
    finally:
        rec.close()
    closed = archive.warc_dir / name
    full = records_of(closed)
    closed.unlink()
    expected_rows = capture_rows(archive)

    rng = random.Random(CUTS.index(cut_kind))
    k = rng.randrange(6, len(full) - 1)
    cut = {
        "mid-record": full[k].offset + full[k].length // 2,
        "gzip-header": full[k].offset + 4,
        "boundary": full[k].offset,
        "inside-warcinfo": 50,
    }.get(cut_kind) or rng.randrange(1, len(snapshot))
    open_path.write_bytes(snapshot[:cut])
    complete = [r for r in full if r.offset + r.length <= cut]
    good_end = complete[-1].offset + complete[-1].length if complete else 0

    # A crash between flush and commit: the database lacks the newest complete exchanges.
    whole_groups = [
        r.header("WARC-Record-ID")
        for i, r in enumerate(complete[:-2])
        if r.rec_type in ("response", "revisit") and complete[i + 2].rec_type == "metadata"
    ][-2:]
    with archive.session() as session, session.begin():
        session.execute(delete(Capture).where(Capture.record_id.in_(whole_groups)))
    with archive.session() as session:
        beyond = session.scalars(
            select(Capture.id).where(Capture.warc_file == name, Capture.warc_offset >= good_end)
        ).all()

    looked = verify(archive)
    assert not looked.ok
    assert any(".open" in p and "--repair" in p for p in looked.problems)
    assert open_path.exists()

    report = verify(archive, repair=True)
    assert not open_path.exists()
    tail = archive.warc_dir / (name + ".damaged-tail")
    if good_end < cut:
        assert tail.read_bytes() == snapshot[good_end:cut]
    else:
        assert not tail.exists()
    if complete:
        assert closed.read_bytes() == snapshot[:good_end]
        after = records_of(closed)
        assert [(r.offset, r.length, r.header("WARC-Record-ID")) for r in after] == [
            (r.offset, r.length, r.header("WARC-Record-ID")) for r in complete
        ]
        result = warcio_check(closed)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("digest pass") >= len(complete) - 1  # all but warcinfo
    else:
        assert not closed.exists()
    assert report.repaired and name in report.repaired[0]

    # Rows for records past the cut are reported, not deleted.
    listed = [p for p in report.problems if p.startswith("capture ")]
    more = sum(int(p.split()[2]) for p in report.problems if p.startswith("... and ") and name in p)
    if complete:
        assert len(listed) + more == len(beyond)
        assert len(listed) == min(len(beyond), MAX_ROWS_LISTED)
    else:
        assert any(f"{len(beyond)} capture rows point at {name}" in p for p in report.problems)
    # Rows the database lacked for complete records are back, exactly as the crawl wrote them.
    assert report.indexed == len(whole_groups)
    assert capture_rows(archive) == expected_rows

    again = verify(archive)
    assert not any(".open" in p or "truncated" in p for p in again.problems)
    assert len(again.problems) == len(report.problems)


def test_an_open_file_a_live_crawl_is_writing_is_left_alone(archive):
    crawl_uuid = str(uuid.uuid4())
    crawl_id = new_crawl(archive, crawl_uuid, T0)
    rec = recorder(archive, crawl_uuid, crawl_id, max_size=10**9)  # this process, file open
    try:
        rec.record_exchanges(first_crawl_exchanges()[:4])
        open_path = archive.warc_dir / (rec.writer.current_name + ".open")
        size = open_path.stat().st_size
        report = verify(archive, repair=True)
        assert open_path.exists() and open_path.stat().st_size == size
        assert report.ok, report.problems
        assert report.repaired == []
        assert any("left alone" in n and "still writing" in n for n in report.notes)
        assert any("not re-indexed" in n for n in report.notes)
        assert report.rows_checked == 4
        with pytest.raises(ArchiveError, match="cannot reindex while a crawl may be writing"):
            reindex(archive)
    finally:
        rec.close()


def test_a_recycled_process_id_does_not_protect_a_crashed_file(archive, other_live_pid):
    crawl_uuid = str(uuid.uuid4())
    rec = recorder(archive, crawl_uuid, new_crawl(archive, crawl_uuid, T0), pid=other_live_pid)
    try:
        rec.record_exchanges(first_crawl_exchanges()[:3])
        name = rec.writer.current_name
        snapshot = (archive.warc_dir / (name + ".open")).read_bytes()
    finally:
        rec.close()
    (archive.warc_dir / name).unlink()
    (archive.warc_dir / (name + ".open")).write_bytes(snapshot)
    report = verify(archive, repair=True)
    assert report.ok, report.problems
    assert (archive.warc_dir / name).read_bytes() == snapshot


def test_an_open_file_from_another_host_needs_force(archive, dead_pid):
    crawl_uuid = str(uuid.uuid4())
    rec = recorder(
        archive,
        crawl_uuid,
        new_crawl(archive, crawl_uuid, T0),
        pid=dead_pid,
        hostname="crawler-7.example",
    )
    try:
        rec.record_exchanges(first_crawl_exchanges()[:3])
        name = rec.writer.current_name
        snapshot = (archive.warc_dir / (name + ".open")).read_bytes()
    finally:
        rec.close()
    (archive.warc_dir / name).unlink()
    (archive.warc_dir / (name + ".open")).write_bytes(snapshot[:-10])
    report = verify(archive, repair=True)
    assert (archive.warc_dir / (name + ".open")).exists()
    assert any("crawler-7.example" in n for n in report.notes)
    forced = verify(archive, repair=True, force=True)
    assert (archive.warc_dir / name).exists()
    assert forced.repaired
    assert (archive.warc_dir / (name + ".damaged-tail")).exists()


def test_an_empty_archive_verifies(archive):
    report = verify(archive, repair=True)
    assert report.ok and (report.files, report.records, report.rows_checked) == (0, 0, 0)


def test_progress_reaches_the_total(archive):
    build_archive(archive)
    seen: list[tuple[int, int]] = []
    verify(archive, progress=lambda done, total: seen.append((done, total)))
    assert len(seen) == len(warc_files(archive.warc_dir))
    assert seen[-1][0] == seen[-1][1] == sum(f.stat().st_size for f in warc_files(archive.warc_dir))


def test_a_closed_file_that_ends_in_a_truncated_record_is_reported_not_touched(archive):
    build_archive(archive)
    path = warc_files(archive.warc_dir)[-1]
    data = path.read_bytes()[:-40]
    path.write_bytes(data)
    report = verify(archive, repair=True)
    assert any(path.name in p and "ends in a truncated record" in p for p in report.problems)
    assert path.read_bytes() == data
    assert report.repaired == []
    # reindex reads the complete records and says where it stopped.
    assert any(path.name in p and "cut off" in p for p in reindex(archive).problems)
