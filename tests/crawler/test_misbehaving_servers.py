"""Servers that lie, cut off or speak no HTTP: the crawl goes on and keeps what arrived."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from storage.archive import Archive
from storage.models import Capture
from storage.warc.reader import read_record
from tests.crawler.conftest import database_for, run_cli
from tests.crawler.raw_http import GOOD_LINKS, RESPONSES, raw_http_server
from tests.interop.tools import warcio_check


def test_misbehaving_responses_are_archived_as_they_came(module_db: str, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    settings = [
        "-s",
        "REFTRAIL_ALLOW_PRIVATE_ADDRESSES=true",
        "-s",
        "ROBOTSTXT_OBEY=false",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "DOWNLOAD_TIMEOUT=5",
        "-s",
        "REFTRAIL_PROGRESS=log",
    ]
    served: Counter[str] = Counter()
    with raw_http_server(served) as base, database_for(module_db) as url:
        result = run_cli(["crawl", f"{base}/", *settings], web=None, archive=root, database_url=url)
        assert result.returncode == 0, result.stderr[-3000:]
        with (
            Archive.open(root, database_url=url, create=False) as archive,
            archive.session() as session,
        ):
            rows = {c.url.removeprefix(base): c for c in session.scalars(select(Capture))}

        # A broken link on the page does not cost the page's other links.
        for path in GOOD_LINKS:
            assert rows[path].status == 200, path
        # Other spellings of a URL already taken are not fetched again.
        assert served["/plain-1"] == 1 and served["/plain-2?a=1&b=2"] == 1, served
        assert "/plain-2?b=2&a=1" not in served and "/x/../plain-1" not in served, served
        # A body cut short is kept, marked as truncated.
        short = rows["/short"]
        record = read_record(root / "warcs", short.warc_file, short.warc_offset, short.warc_length)
        assert record.rec_headers.get_header("WARC-Truncated") == "disconnect"
        assert record.payload == b"<html>only a bit"
        # A reply that is not HTTP is a failed fetch with its reason.
        assert rows["/garbage"].error == "invalid-response"
        assert "non-integer status code" in (rows["/garbage"].error_detail or "")
        # Odd but valid answers are archived like any other.
        for path in (
            "/no-content",
            "/not-modified",
            "/odd-header",
            "/fake-gzip",
            "/redirect-mailto",
            "/redirect-nowhere",
            "/http10",
        ):
            assert rows[path].record_type == "response", (path, rows[path].error)
        assert rows["/no-content"].status == 204 and rows["/not-modified"].status == 304
        assert set(RESPONSES) <= set(rows)
        warcio_check(sorted((root / "warcs").iterdir()))
        verified = run_cli(["verify"], web=None, archive=root, database_url=url)
        assert verified.returncode == 0, verified.stderr[-2000:]
