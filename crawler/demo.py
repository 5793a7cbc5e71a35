"""``reftrail demo``: crawl the bundled offline web into a fresh archive, show what is there.

Always offline: the fake web (``crawler/fakeweb``) serves a made-up blog and news sites from
loopback, and the crawler resolves no name outside it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from scrapy.settings import Settings

from crawler.config import build_settings
from crawler.crawl_runner import CrawlOutcome, run_crawl
from crawler.fakeweb import FakeWeb

MARKER = ".reftrail-demo"
# The made-up blog: its posts, then every article they cite (news sites, a 404, a host that
# does not exist, a host that refuses connections).
SEED_NAME = "blog"


class DemoError(Exception):
    """Raised when the demo cannot use the folder it was given."""


def prepare_folder(folder: Path) -> None:
    """A fresh folder: create it, or replace an earlier demo; never touch anything else."""
    if folder.exists():
        if not (folder / MARKER).exists():
            raise DemoError(
                f"{folder} exists and is not a reftrail demo archive; choose another folder "
                "with --archive"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by `reftrail demo`; safe to delete\n")


def demo_settings(web: FakeWeb, folder: Path, overrides: list[str]) -> Settings:
    settings = build_settings(overrides)
    settings.setdict(
        {
            **web.scrapy_settings(),
            "REFTRAIL_ARCHIVE": str(folder),
            "REFTRAIL_DATABASE_URL": "",
            "REFTRAIL_DEPTH": 3,
            "REFTRAIL_MAX_PAGES": 150,
            "DOWNLOAD_TIMEOUT": 3,
            "RETRY_TIMES": 0,
            "REFTRAIL_OPERATOR": "reftrail demo",
        },
        priority="cmdline",
    )
    return settings


def run_demo(folder: Path, overrides: list[str]) -> tuple[CrawlOutcome, list[str]]:
    from crawler.spiders.blog import BlogSpider

    prepare_folder(folder)
    with FakeWeb() as web:
        os.environ.update(web.env())  # the crawler reaches the fake web through its proxy
        seeds = [web.url(SEED_NAME)]
        outcome = run_crawl(
            demo_settings(web, folder, overrides), seeds, spider=BlogSpider,
            spider_args={"mode": "blog"},
        )  # fmt: skip
    return outcome, seeds


def next_steps(folder: Path) -> str:
    return f"""
The archive is in {folder}/
  warcs/        WARC files (request, response, metadata records; a crawl log record)
  reftrail.db   SQLite index: tables crawl, capture, document, frontier
  logs/         the crawl log, one line per fetch attempt (Heritrix crawl.log columns)

Try next:
  reftrail posts --archive {folder}           the blog's posts: titles, dates, labels
  reftrail citations --archive {folder}       what each post cites, and whether it was fetched
  reftrail search river --archive {folder}    full-text search over posts and cited articles
  reftrail serve --archive {folder}           browse, search and replay at http://127.0.0.1:8000/
  reftrail verify --archive {folder}          check every record's digests and every row
  reftrail reindex --archive {folder}         rebuild the capture table and text from the WARCs
  sqlite3 {folder}/reftrail.db "select status, count(*) from capture group by status"
  sqlite3 {folder}/reftrail.db "select url, error from capture where error is not null"
  sqlite3 {folder}/reftrail.db "select title, author, published from document"
  python -c "from warcio.cli import main; main()" check -v {folder}/warcs/*.warc.gz
  cdxj-indexer {folder}/warcs/*.warc.gz      a CDXJ index, as pywb builds it
"""
