"""A recrawl of a blog found only by walking its listing pages fetches each post once,
conditionally, and learns what changed from the answers.

The Blogger blog with its feed and sitemap off (``ArchiveOnlyBlogger``) lists no updated time
anywhere, so the second ``reftrail crawl`` into the same archive cannot skip a post for free:
each archived post costs exactly one request carrying its ETag (``If-None-Match``) and the
Last-Modified it was served with (``If-Modified-Since``); a 304 is archived as a revisit. Between
the crawls one post is edited (a new capture), one deleted (marked deleted, never requested) and
three are published (found and archived). Requests are counted from the fake web's log, by URL,
on every selected database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.blog_state import BlogState, GenPost
from crawler.fakeweb.sites.fallback_blogs import ArchiveOnlyBlogger
from crawler.fakeweb.web import LogEntry
from storage.archive import Archive
from storage.models import Capture, Crawl, Post, PostCapture
from tests.crawler.conftest import crawl_settings, database_for, run_cli

POSTS = 60
NEW_POSTS = 3


@dataclass
class Recrawl:
    root: Path
    database_url: str | None
    blog: ArchiveOnlyBlogger
    first: list[LogEntry]  # the fake web's log entries of each crawl
    second: list[LogEntry]
    logs: list[str]
    before: list[GenPost]  # the posts of the first crawl
    edited: GenPost
    deleted: GenPost
    published: list[GenPost]

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)


@pytest.fixture(scope="module")
def recrawl(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recrawl]:
    blog = ArchiveOnlyBlogger(BlogState.generate(POSTS, years=5, seed=31))
    root = tmp_path_factory.mktemp(f"walk-recrawl-{module_db}") / "archive"
    with FakeWeb(sites=[blog]) as web, database_for(module_db) as url:

        def crawl() -> tuple[list[LogEntry], str]:
            start = len(web.request_log)
            args = ["crawl", web.url("saltmarsh-blog")]
            args += crawl_settings(web, REFTRAIL_EXTRACT_TEXT=False)
            result = run_cli(args, web=web, archive=root, database_url=url)
            assert result.returncode == 0, result.stderr[-4000:]
            return list(web.request_log[start:]), result.stderr

        first, log1 = crawl()
        before = blog.state.live()
        edited = blog.state.edit(before[12].slug, text="A note added after the first crawl.")
        deleted = before[30]
        blog.state.delete(deleted.slug)
        published = blog.state.publish(NEW_POSTS)
        second, log2 = crawl()
        yield Recrawl(
            root, url, blog, first, second, [log1, log2], before, edited, deleted, published
        )


def _url(entry: LogEntry) -> str:
    host, _, target, _ = entry
    return f"https://{host}{target}"


def _post_requests(run: Recrawl, log: list[LogEntry]) -> dict[str, list[dict[str, str]]]:
    """The headers of each request for a post page, by post URL."""
    posts = {run.blog.url(p) for p in [*run.before, *run.published]}
    out: dict[str, list[dict[str, str]]] = {}
    for entry in log:
        if _url(entry) in posts:
            out.setdefault(_url(entry), []).append(entry[3])
    return out


def _month_pages(log: list[LogEntry]) -> Counter[str]:
    return Counter(u for e in log if re.fullmatch(r"/\d{4}/\d{2}/", urlsplit(u := _url(e)).path))


def test_each_archived_post_costs_one_conditional_request(recrawl: Recrawl) -> None:
    first = _post_requests(recrawl, recrawl.first)
    again = _post_requests(recrawl, recrawl.second)
    old = {recrawl.blog.url(p) for p in recrawl.before} - {recrawl.blog.url(recrawl.deleted)}
    assert set(first) == {recrawl.blog.url(p) for p in recrawl.before}
    assert all(len(h) == 1 and "if-none-match" not in h[0] for h in first.values())
    # Second crawl: every post still on the blog once, and the archived ones conditionally.
    new = {recrawl.blog.url(p) for p in recrawl.published}
    assert set(again) == old | new
    assert all(len(headers) == 1 for headers in again.values())
    by_url = {recrawl.blog.url(p): p for p in recrawl.before}
    for url in old:
        sent = again[url][0]
        source = by_url[url]
        assert sent.get("if-none-match") == source.etag(), url
        assert sent.get("if-modified-since") == source.last_modified(), url
    assert all("if-none-match" not in again[url][0] for url in new)
    # The deleted post is not asked for: no listing shows it any more.
    assert recrawl.blog.url(recrawl.deleted) not in again


def test_listing_pages_are_walked_once_again(recrawl: Recrawl) -> None:
    first, again = _month_pages(recrawl.first), _month_pages(recrawl.second)
    assert set(first.values()) == {1} and set(again.values()) == {1}
    assert not [u for e in recrawl.second if "/search" in (u := _url(e)) or "m=1" in u]
    # Nothing beyond the listings, the posts and the switched-off feed and sitemap.
    posts = len(_post_requests(recrawl, recrawl.second))
    listings = sum(again.values())
    assert len(recrawl.second) == posts + listings + 4  # home, robots.txt, feed, sitemap


def test_unchanged_posts_are_not_modified_revisits(recrawl: Recrawl) -> None:
    unchanged = [
        p for p in recrawl.before if p.slug not in (recrawl.edited.slug, recrawl.deleted.slug)
    ]
    with recrawl.open() as archive, archive.session() as session:
        second = session.scalars(select(Crawl.id).order_by(Crawl.id.desc())).first()
        captures = {
            c.url: c for c in session.scalars(select(Capture).where(Capture.crawl_id == second))
        }
        posts = {p.url: p for p in session.scalars(select(Post))}
        outcomes = {
            url: [
                h.outcome
                for h in session.scalars(
                    select(PostCapture)
                    .where(PostCapture.post_id == post.id)
                    .order_by(PostCapture.id)
                )
            ]
            for url, post in posts.items()
        }
    for source in unchanged:
        url = recrawl.blog.url(source)
        assert captures[url].status == 304 and captures[url].record_type == "revisit", url
        assert outcomes[url] == ["changed", "not-modified"], url
        assert posts[url].deleted_at is None
    assert "0 missed" in recrawl.logs[1]
    assert f"{len(unchanged)} not modified (304)" in recrawl.logs[1]


def test_an_edited_post_gets_a_new_capture(recrawl: Recrawl) -> None:
    url = recrawl.blog.url(recrawl.edited)
    with recrawl.open() as archive, archive.session() as session:
        post = session.scalars(select(Post).where(Post.url == url)).one()
        history = list(
            session.scalars(
                select(PostCapture).where(PostCapture.post_id == post.id).order_by(PostCapture.id)
            )
        )
        capture = session.get(Capture, post.capture_id)
    assert [h.outcome for h in history] == ["changed", "changed"]
    assert capture is not None and capture.status == 200 and capture.record_type == "response"
    assert post.capture_id == history[-1].capture_id
    assert post.etag == recrawl.edited.etag()


def test_a_deleted_post_is_marked_and_new_posts_are_archived(recrawl: Recrawl) -> None:
    with recrawl.open() as archive, archive.session() as session:
        posts = {p.url: p for p in session.scalars(select(Post))}
    assert set(posts) == {recrawl.blog.url(p) for p in [*recrawl.before, *recrawl.published]}
    gone = posts[recrawl.blog.url(recrawl.deleted)]
    assert gone.deleted_at is not None and gone.capture_id is not None  # kept, marked
    assert sum(1 for p in posts.values() if p.deleted_at) == 1
    for source in recrawl.published:
        post = posts[recrawl.blog.url(source)]
        assert post.capture_id is not None and post.title == source.title
    assert "1 newly deleted" in recrawl.logs[1]
