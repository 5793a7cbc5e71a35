"""A real ``reftrail crawl`` of the demo blog records every citation of every post, fetches each
cited article once (however many posts cite it), records dead citations with why, and
``reftrail citations --format json`` lists them (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.blog_content import FLOOD_URL, OLD_FERRY_URL, PARADE_URL, POSTS
from crawler.fakeweb.sites.news_content import GONE_MARINA, LAKESHORE_TRIBUNE
from crawler.scope import url_key
from storage.archive import Archive
from storage.models import Article, Capture, Citation
from tests.citations.crawled import Crawled
from tests.crawler.conftest import crawl_settings, database_for, run_cli

GONE = LAKESHORE_TRIBUNE.url(GONE_MARINA.path)  # answers 404


@pytest.fixture(scope="module")
def crawled(
    module_db: str, fake_web: FakeWeb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp(f"citations-{module_db}") / "archive"
    with database_for(module_db) as url:
        args = ["crawl", fake_web.url("blog"), *crawl_settings(fake_web)]
        result = run_cli(args, web=fake_web, archive=root, database_url=url)
        assert result.returncode == 0, result.stderr[-4000:]
        yield Crawled(root, url, fake_web, result.stderr)


def _expected_urls() -> list[str]:
    import lxml.html

    urls = []
    for post in POSTS:
        inline = lxml.html.fromstring("".join(f"<p>{p}</p>" for p in post.paragraphs))
        urls += [a.get("href") for a in inline.iter("a")]
        urls += [u for _, u in post.references]
    return urls


def test_every_citation_of_every_post_is_recorded(crawled: Crawled) -> None:
    with crawled.open() as archive, archive.session() as session:
        rows = session.scalars(select(Citation).where(Citation.internal.is_(False))).all()
    assert Counter(r.url for r in rows) == Counter(_expected_urls())
    listed = [r for r in rows if r.context == "list-item"]
    assert len(listed) == sum(len(p.references) for p in POSTS)
    assert all(r.title and r.outlet and r.cited_date and r.authors for r in listed)


def test_each_cited_url_is_fetched_once(crawled: Crawled) -> None:
    with crawled.open() as archive, archive.session() as session:
        citations = session.scalars(select(Citation).where(Citation.internal.is_(False))).all()
        # HTTP exchanges of cited URLs (a failed connection is retried once, as any fetch).
        requested = Counter(
            url_key(c.url)
            for c in session.scalars(
                select(Capture).where(Capture.hops == "LL", Capture.status.is_not(None))
            ).all()
        )
        articles = session.scalars(select(Article)).all()
    keys = {c.normalized_url for c in citations}
    assert len(keys) < len(citations)  # each article is cited inline and in the list
    assert all(n == 1 for n in requested.values()), requested
    reachable = keys - {url_key(u) for u in (PARADE_URL, FLOOD_URL)}  # DNS, refused
    assert reachable <= set(requested)
    fetched = {c.normalized_url for c in citations if c.fetch_status == "fetched"}
    assert {a.url_key for a in articles} == fetched
    assert all(a.text and a.title for a in articles)
    for citation in citations:
        if citation.fetch_status == "fetched":
            assert citation.article_id is not None
            assert citation.closest_capture_id and citation.latest_capture_id


def test_dead_citations_are_recorded_with_their_status(crawled: Crawled) -> None:
    with crawled.open() as archive, archive.session() as session:
        by_url = {c.url: c for c in session.scalars(select(Citation))}
    assert by_url[PARADE_URL].fetch_status == "failed"
    assert by_url[PARADE_URL].fetch_error.startswith("dns")
    assert by_url[FLOOD_URL].fetch_status == "failed"
    assert by_url[FLOOD_URL].fetch_error.startswith("refused")
    assert by_url[GONE].fetch_status == "failed" and by_url[GONE].fetch_error == "HTTP 404"


def test_reftrail_citations_json(crawled: Crawled) -> None:
    rows = json.loads(crawled.cli("citations", "--format", "json"))
    assert len(rows) == len(_expected_urls())
    for row in rows:
        for field in ("post_url", "url", "anchor_text", "reference_text", "authors", "title"):
            assert field in row
        assert row["fetch_status"] in ("fetched", "failed", "robots-blocked", "excluded", "no-link")
        assert row["article"] is None or set(row["article"]) == {"url", "captured_at", "title"}
    first = POSTS[0]
    post_url = f"https://riverside-notes.blogspot.com{first.path}"
    mine = json.loads(crawled.cli("citations", "--post", post_url, "--format", "json"))
    assert [r["position"] for r in mine] == list(range(len(mine)))
    ref = next(r for r in mine if r["url"] == PARADE_URL and r["title"])
    assert ref["authors"] == ["Harriet Pell"] and ref["cited_date"] == "2019-04-14"
    fetched = next(r for r in mine if r["fetch_status"] == "fetched")
    assert fetched["article"]["title"]
    assert "post_url" in crawled.cli("citations", "--format", "csv").splitlines()[0]


def test_a_redirected_citation_is_followed_and_its_final_url_recorded(crawled: Crawled) -> None:
    with crawled.open() as archive, archive.session() as session:
        moved = session.scalars(select(Citation).where(Citation.url == OLD_FERRY_URL)).all()
        hops = session.scalars(select(Capture).where(Capture.url == OLD_FERRY_URL)).all()
        article = session.scalars(select(Article).where(Article.url == OLD_FERRY_URL)).one()
    assert moved and all(c.fetch_status == "fetched" for c in moved)
    assert all(c.final_url == article.final_url != OLD_FERRY_URL for c in moved)
    assert [h.status for h in hops] == [301]  # the redirect hop is archived too


def test_no_citations_skips_them(
    module_db: str, fake_web: FakeWeb, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp(f"no-citations-{module_db}") / "archive"
    with database_for(module_db) as url:
        args = ["crawl", fake_web.url("blog"), "--no-citations", *crawl_settings(fake_web)]
        result = run_cli(args, web=fake_web, archive=root, database_url=url)
        assert result.returncode == 0, result.stderr[-4000:]
        opened = Archive.open(root, database_url=url, create=False)
        with opened as archive, archive.session() as session:
            assert session.scalars(select(Citation)).first() is None
            assert session.scalars(select(Capture).where(Capture.hops == "LL")).first() is None
