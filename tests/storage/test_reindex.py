"""``reindex`` rebuilds the capture table from the WARC files alone."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from storage.models import Capture, Crawl, Document
from storage.reindex import index_missing, reindex
from tests.storage.builders import (
    CAPTURE_FIELDS,
    HOST,
    T0,
    build_archive,
    capture_rows,
    documents_by_record,
    exchange,
    failures,
    first_crawl_exchanges,
    new_crawl,
    page,
    recorder,
)


def test_reindex_of_an_empty_table_reproduces_what_the_crawl_wrote(archive):
    built = build_archive(archive)
    expected = capture_rows(archive)
    with archive.session() as session, session.begin():
        session.execute(delete(Document))
        session.execute(delete(Capture))
    seen = []
    report = reindex(archive, progress=lambda done, total: seen.append((done, total)))
    assert capture_rows(archive) == expected
    assert report.problems == []
    assert report.files > 2  # rotation happened
    assert report.captures == sum(1 for row in expected if row[8] is not None)
    assert report.failures == 4
    assert seen and seen[-1][0] == seen[-1][1]
    assert len(built.crawl_uuids) == 2


def _ids_by_record(archive) -> dict[str, int]:
    with archive.session() as session:
        return dict(
            session.execute(
                select(Capture.record_id, Capture.id).where(Capture.record_id.is_not(None))
            ).all()
        )


def test_reindex_corrects_the_table_in_place_and_keeps_documents(archive):
    build_archive(archive)
    expected = capture_rows(archive)
    ids = _ids_by_record(archive)
    documents = documents_by_record(archive)
    assert documents
    with archive.session() as session, session.begin():
        rows = session.scalars(
            select(Capture).where(Capture.record_type == "response").order_by(Capture.id)
        ).all()
        rows[0].status = 999
        rows[1].warc_offset += 3
        lost = rows[2]
        session.execute(delete(Document).where(Document.capture_id == lost.id))
        session.delete(lost)
        session.execute(delete(Capture).where(Capture.error == "dns"))
        template = {
            "url": "https://bogus.example/",
            "surt": "example,bogus)/",
            "fetched_at": rows[0].fetched_at,
            "record_type": "response",
            "warc_offset": 0,
            "warc_length": 10,
        }
        session.add(Capture(record_id="<urn:uuid:bogus>", warc_file=rows[0].warc_file, **template))
        away = Capture(record_id="<urn:uuid:elsewhere>", warc_file="moved-away.warc.gz", **template)
        session.add(away)
    with archive.session() as session:
        away_row = [r for r in capture_rows(archive) if r[9] == "<urn:uuid:elsewhere>"]

    report = reindex(archive)
    assert (report.updated, report.inserted, report.deleted) == (2, 1, 1)
    assert report.kept_missing_file == 1
    assert any("not in" in p and "kept" in p for p in report.problems)
    assert report.failures_replaced == 2  # the dns failure was gone from both crawls
    assert capture_rows(archive) == sorted(expected + away_row, key=repr)
    # Rows whose record is still there keep their ids, so their documents stay attached.
    after = _ids_by_record(archive)
    assert {k: v for k, v in after.items() if k in ids and k != lost.record_id} == {
        k: v for k, v in ids.items() if k != lost.record_id
    }
    assert documents_by_record(archive) == {
        k: v for k, v in documents.items() if k != lost.record_id
    }
    assert reindex(archive).updated == 0


def test_reindex_after_losing_the_database_recreates_crawls(archive):
    built = build_archive(archive)
    expected = capture_rows(archive)
    with archive.session() as session, session.begin():
        session.execute(delete(Document))
        session.execute(delete(Capture))
        session.execute(delete(Crawl))
    report = reindex(archive)
    assert report.crawls_created == 2
    assert capture_rows(archive) == expected
    with archive.session() as session:
        crawls = session.scalars(select(Crawl).order_by(Crawl.started_at)).all()
        assert [c.uuid for c in crawls] == built.crawl_uuids
        assert {(c.kind, c.state) for c in crawls} == {("reindexed", "done")}
        assert all(c.started_at <= c.ended_at for c in crawls)


def test_failures_of_a_crawl_killed_before_storing_its_log_come_from_the_log_file(archive):
    crawl_uuid = str(uuid.uuid4())
    rec = recorder(archive, crawl_uuid, new_crawl(archive, crawl_uuid, T0))
    try:
        rec.record_exchanges(first_crawl_exchanges()[:3])
        rec.record_failures(failures())
    finally:
        rec.close()  # no write_crawl_log(): the crawl never reached its end
    expected = capture_rows(archive)
    with archive.session() as session, session.begin():
        session.execute(delete(Capture))
    assert index_missing(archive) == 5
    assert capture_rows(archive) == expected
    assert index_missing(archive) == 0
    report = reindex(archive)
    assert (report.inserted, report.updated, report.deleted) == (0, 0, 0)
    assert capture_rows(archive) == expected


def test_reindex_reads_an_unfinished_file_up_to_its_last_complete_record(archive, dead_pid):
    crawl_uuid = str(uuid.uuid4())
    crawl_id = new_crawl(archive, crawl_uuid, T0)
    rec = recorder(archive, crawl_uuid, crawl_id, pid=dead_pid, max_size=10**9)
    try:
        rec.record_exchanges(first_crawl_exchanges()[:6])
        name = rec.writer.current_name
        snapshot = (archive.warc_dir / (name + ".open")).read_bytes()
    finally:
        rec.close()
    (archive.warc_dir / name).unlink()
    open_path = archive.warc_dir / (name + ".open")
    open_path.write_bytes(snapshot[:-25])  # the last record (a metadata record) is cut off
    expected = capture_rows(archive)

    report = reindex(archive)
    assert report.captures == 6
    assert any("last complete record" in p for p in report.problems)
    assert open_path.read_bytes() == snapshot[:-25]  # reindex reads; only repair mends
    # The newest exchange lost its metadata record: referrer, hops, duration, crawl unknown.
    newest = max(expected, key=lambda row: row[CAPTURE_FIELDS.index("warc_offset")] or -1)
    unknown = {"referrer", "hops", "duration_ms", "crawl_uuid"}
    degraded = tuple(
        None if name in unknown else value
        for name, value in zip(CAPTURE_FIELDS, newest, strict=True)
    )
    assert capture_rows(archive) == sorted(
        [row for row in expected if row != newest] + [degraded], key=repr
    )
    assert index_missing(archive) == 0


def test_reindex_is_fast_enough(archive):
    """A rough floor, far under the ~10k records/s measured, to catch accidental O(n^2)."""
    crawl_uuid = str(uuid.uuid4())
    rec = recorder(archive, crawl_uuid, new_crawl(archive, crawl_uuid, T0), max_size=10**8)
    try:
        body = page(1, 3000)
        for start in range(0, 1500, 500):
            rec.record_exchanges(
                [
                    exchange(f"https://{HOST}/p{i}", body + str(i).encode(), hops="L")
                    for i in range(start, start + 500)
                ]
            )
    finally:
        rec.close()
    with archive.session() as session, session.begin():
        session.execute(delete(Capture))
    report = reindex(archive)
    assert report.captures == 1500
    assert report.records_per_second > 2000, report
    assert reindex(archive).records_per_second > 2000
