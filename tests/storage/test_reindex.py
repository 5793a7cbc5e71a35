"""``reindex`` rebuilds the capture table from the WARC files alone."""

from __future__ import annotations

from sqlalchemy import delete

from storage.models import Capture, Document
from storage.reindex import reindex
from tests.storage.builders import build_archive, capture_rows


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
