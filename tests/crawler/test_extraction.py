"""Every HTML page crawled gets its text extracted, even when extraction falls behind.

With a backlog of one page, almost every page is skipped during the crawl and extracted from
the WARCs when it ends, while the pages already in flight finish: no page twice, none missed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from crawler.fakeweb import FakeWeb
from storage.archive import Archive
from storage.models import Capture, Document
from tests.crawler.conftest import crawl_settings, database_for, run_cli


def test_text_of_every_html_page_is_extracted_once_when_extraction_falls_behind(
    fake_web: FakeWeb, module_db: str, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    args = [
        "crawl",
        fake_web.url("blog"),
        fake_web.url("tribune-home"),
        "--depth",
        "2",
        *crawl_settings(fake_web, REFTRAIL_EXTRACT_BACKLOG=1, REFTRAIL_EXTRACT_WORKERS=1),
    ]
    with database_for(module_db) as url:
        result = run_cli(args, web=fake_web, archive=root, database_url=url)
        assert result.returncode == 0, result.stderr[-3000:]
        with (
            Archive.open(root, database_url=url, create=False) as archive,
            archive.session() as session,
        ):
            html = session.scalar(
                select(func.count())
                .select_from(Capture)
                .where(
                    ~Capture.status.between(300, 399),  # error pages have text too
                    Capture.record_type == "response",
                    Capture.mime == "text/html",
                )
            )
            documents = session.scalar(select(func.count()).select_from(Document))
            empty = session.scalars(
                select(Document.url).where(func.length(Document.text) < 20)
            ).all()
    assert html and html >= 10
    assert documents == html
    assert len(empty) <= 2, empty  # archive/listing pages may have little main text
