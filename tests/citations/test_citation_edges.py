"""A real crawl of a blog citing what a citation crawl must survive: a 50 MB page (with and
without a Content-Length), a redirect loop, a page robots.txt disallows, a URL on the
archive's exclusion list, malformed links and a reference list in broken HTML. Each is
recorded with its status and reason, none is fetched more than it must be, and the crawl goes
on to fetch the ordinary citations (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.loose_ends import (
    EDGE_PATH,
    EXCLUDABLE_URL,
    HUGE_CHUNKED_URL,
    HUGE_URL,
    LOOP_URL,
    ODD_PATH,
    PLAIN_URL,
    ROBOTS_URL,
    WITH_SPACES,
    LooseEndsBlog,
)
from crawler.fakeweb.sites.news import NewsSite
from crawler.fakeweb.sites.news_content import LAKESHORE_TRIBUNE, RIVERTON_GAZETTE
from crawler.fakeweb.sites.testbed import TestbedSite
from storage.archive import Archive
from storage.exclusions import add_exclusion, remove_exclusion
from storage.models import Capture, Citation
from tests.citations.crawled import Crawled
from tests.crawler.conftest import crawl_settings, database_for, run_cli


def edge_web() -> FakeWeb:
    """The testbed (failure modes), the Tribune and the Loose Ends blog."""
    return FakeWeb(
        sites=[TestbedSite(RIVERTON_GAZETTE), NewsSite(LAKESHORE_TRIBUNE), LooseEndsBlog()]
    )


class EdgeCrawl(Crawled):
    def requests_for(self, url: str) -> int:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return sum(
            1 for host, _, t, _ in self.web.request_log if host == parts.hostname and t == target
        )

    def citation(self, url: str) -> Citation:
        with self.open() as archive, archive.session() as session:
            return session.scalars(select(Citation).where(Citation.url == url)).one()


@pytest.fixture(scope="module")
def crawled(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeCrawl]:
    root = tmp_path_factory.mktemp(f"edges-{module_db}") / "archive"
    with edge_web() as web, database_for(module_db) as url:
        with Archive.open(root, database_url=url) as archive:
            add_exclusion(archive, EXCLUDABLE_URL, reason="takedown request")
        args = ["crawl", web.url("loose-ends"), *crawl_settings(web)]
        result = run_cli(args, web=web, archive=root, database_url=url)
        assert result.returncode == 0, result.stderr[-4000:]
        yield EdgeCrawl(root, url, web, result.stderr)


def test_a_50_mb_citation_is_a_failure_with_a_reason(crawled: EdgeCrawl) -> None:
    for url in (HUGE_URL, HUGE_CHUNKED_URL):
        citation = crawled.citation(url)
        assert citation.fetch_status == "failed", url
        assert citation.fetch_error and citation.fetch_error.startswith("too-large"), (
            url,
            citation.fetch_error,
        )
        assert crawled.requests_for(url) == 1  # given up, not retried
    with crawled.open() as archive, archive.session() as session:
        query = select(Capture).where(Capture.url.in_((HUGE_URL, HUGE_CHUNKED_URL)))
        rows = session.scalars(query).all()
        assert len(rows) == 2
        assert all(row.warc_file is None and row.status is None for row in rows)  # not archived


def test_a_50_mb_citation_is_too_large_in_its_capture_row_and_the_crawl_log(
    crawled: EdgeCrawl,
) -> None:
    # The chunked one is cut mid-stream, which Scrapy reports as a bare cancel: it must not
    # read as a cancelled fetch where the citation says too-large.
    huge = (HUGE_URL, HUGE_CHUNKED_URL)
    with crawled.open() as archive, archive.session() as session:
        rows = session.scalars(select(Capture).where(Capture.url.in_(huge))).all()
        errors = {row.url: (row.error, row.error_detail) for row in rows}
        logs = [path.read_text() for path in archive.log_dir.glob("*.crawl.log")]
    assert {url: error for url, (error, _) in errors.items()} == dict.fromkeys(huge, "too-large")
    assert all(detail and "bytes" in detail for _, detail in errors.values()), errors
    notes = {
        fields[3]: fields[-1]
        for log in logs
        for fields in (line.split() for line in log.splitlines())
        if len(fields) > 3 and fields[3] in huge
    }
    assert set(notes) == set(huge)
    assert all(note.startswith("reftrail-error:too-large:") for note in notes.values()), notes


def test_a_cited_redirect_loop_is_recorded_not_followed_forever(crawled: EdgeCrawl) -> None:
    citation = crawled.citation(LOOP_URL)
    assert citation.fetch_status == "failed"
    assert citation.fetch_error and citation.fetch_error.startswith("redirect-loop"), (
        citation.fetch_error
    )
    other_leg = LOOP_URL[:-1] + "b"
    assert crawled.requests_for(LOOP_URL) == 1 and crawled.requests_for(other_leg) == 1
    with crawled.open() as archive, archive.session() as session:
        hops = session.scalars(select(Capture.status).where(Capture.url.in_((LOOP_URL, other_leg))))
        assert list(hops) == [302, 302]  # both hops archived, once each


def test_a_citation_robots_txt_disallows_is_not_fetched(crawled: EdgeCrawl) -> None:
    citation = crawled.citation(ROBOTS_URL)
    assert citation.fetch_status == "robots-blocked"
    assert citation.fetch_error == "robots.txt"
    assert crawled.requests_for(ROBOTS_URL) == 0
    assert crawled.requests_for(RIVERTON_GAZETTE.url("/robots.txt")) >= 1


def test_an_excluded_citation_is_recorded_and_not_fetched(crawled: EdgeCrawl) -> None:
    citation = crawled.citation(EXCLUDABLE_URL)
    assert citation.fetch_status == "excluded"
    assert citation.fetch_error and "exclusion list" in citation.fetch_error
    assert crawled.requests_for(EXCLUDABLE_URL) == 0


def test_the_crawl_goes_on_and_lists_every_outcome(crawled: EdgeCrawl) -> None:
    assert crawled.citation(PLAIN_URL).fetch_status == "fetched"
    post = f"https://loose-ends-notes.blogspot.com{EDGE_PATH}"
    rows = json.loads(crawled.cli("citations", "--post", post, "--format", "json"))
    status = {row["url"]: row["fetch_status"] for row in rows}
    assert status == {
        HUGE_URL: "failed",
        HUGE_CHUNKED_URL: "failed",
        LOOP_URL: "failed",
        ROBOTS_URL: "robots-blocked",
        PLAIN_URL: "fetched",
        EXCLUDABLE_URL: "excluded",
    }
    table = crawled.cli("citations", "--post", post)
    assert "excluded" in table and "robots-blocked" in table


def test_an_exclusion_added_after_the_fetch_hides_the_article(crawled: EdgeCrawl) -> None:
    post = f"https://loose-ends-notes.blogspot.com{EDGE_PATH}"

    def plain() -> dict:
        rows = json.loads(crawled.cli("citations", "--post", post, "--format", "json"))
        return next(row for row in rows if row["url"] == PLAIN_URL)

    before = plain()
    assert before["fetch_status"] == "fetched" and before["article"]["title"]
    with crawled.open() as archive:
        rule = add_exclusion(archive, PLAIN_URL)
    try:
        after = plain()
        assert after["fetch_status"] == "excluded" and after["article"] is None
    finally:
        with crawled.open() as archive:
            remove_exclusion(archive, rule.id)
    assert plain() == before


def test_malformed_links_and_broken_html_are_recorded_with_a_reason(crawled: EdgeCrawl) -> None:
    post = f"https://loose-ends-notes.blogspot.com{ODD_PATH}"
    rows = json.loads(crawled.cli("citations", "--post", post, "--internal", "--format", "json"))
    by_anchor = {row["anchor_text"]: row for row in rows if row["anchor_text"]}
    assert by_anchor["market story"]["fetch_status"] == "fetched"  # http// read as http://
    assert by_anchor["market story"]["article"]["title"]
    spaces = by_anchor["mill fire"]
    assert (spaces["fetch_status"], spaces["fetch_error"]) == ("failed", "HTTP 404")
    assert crawled.requests_for(WITH_SPACES.replace(" ", "%20")) == 1
    data = by_anchor["the data"]
    assert data["fetch_status"] == "failed" and data["fetch_error"] == "unfetchable link: data"
    assert len(data["url"]) <= 2000  # the 1 MB URI is not stored whole
    assert by_anchor["my February notes"]["internal"]
    for anchor, scheme in (("a script", "javascript"), ("the editor", "mailto")):
        row = by_anchor[anchor]
        assert (row["fetch_status"], row["fetch_error"]) == (
            "failed",
            f"unfetchable link: {scheme}",
        )
        assert row["article"] is None
    plain = [row for row in rows if row["url"] is None]
    assert [(r["title"], r["outlet"], r["cited_date"]) for r in plain] == [
        ("Mill Fire Contained", "Riverton Gazette", "2026-03-02"),
        ("Water Rates Rise", "Lakeshore Tribune", "2026-02-27"),
    ]
    assert all(r["fetch_status"] == "no-link" for r in plain)
