"""A Blogger feed that works but lists fewer posts than the blog has is topped up from the
archive widget's month pages: only the months whose count the feed fell short of.

The Blogger blog with its sitemap off (``ArchiveOnlyBlogger``) gets a posts feed that lists only
its newest posts while its ``openSearch:totalResults`` and the archive widget's counts say
more. The crawl reads the feed, compares what it listed per month with the widget's counts on
the home page it fetched anyway, and fetches only the short months' pages; a blog whose feed
lists everything costs no month page at all. One ``reftrail crawl`` per case, each into its
own archive, on every selected database; requests counted from the fake web's log, by URL.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.blog_state import BlogState
from crawler.fakeweb.sites.fallback_blogs import ArchiveOnlyBlogger
from storage.archive import Archive
from storage.models import Post
from tests.crawler.conftest import crawl_settings, database_for, run_cli

POSTS = 80
FEED_LISTS = 45


@dataclass
class Run:
    root: Path
    database_url: str | None
    requests: list[str]
    log: str

    def posts(self) -> dict[str, Post]:
        with (
            Archive.open(self.root, database_url=self.database_url, create=False) as archive,
            archive.session() as session,
        ):
            return {p.url: p for p in session.scalars(select(Post))}


@dataclass
class Runs:
    blog: ArchiveOnlyBlogger
    short: Run
    full: Run


@pytest.fixture(scope="module")
def runs(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    blog = ArchiveOnlyBlogger(BlogState.generate(POSTS, years=4, seed=41))
    base = tmp_path_factory.mktemp(f"short-feed-{module_db}")
    with FakeWeb(sites=[blog]) as web, ExitStack() as databases:

        def crawl(name: str) -> Run:
            url = databases.enter_context(database_for(module_db))
            start = len(web.request_log)
            args = ["crawl", web.url("saltmarsh-blog")]
            # Feed pages of 20 entries, so the short feed takes several pages.
            args += crawl_settings(
                web, REFTRAIL_EXTRACT_TEXT=False, REFTRAIL_BLOG_FEED_PAGE_SIZE=20
            )
            result = run_cli(args, web=web, archive=base / name, database_url=url)
            assert result.returncode == 0, result.stderr[-4000:]
            asked = [f"https://{h}{target}" for h, _, target, _ in web.request_log[start:]]
            return Run(base / name, url, asked, result.stderr)

        blog.feed_lists = FEED_LISTS
        short = crawl("short-feed")
        blog.feed_lists = POSTS
        full = crawl("full-feed")
        yield Runs(blog, short, full)


def _month(url: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"/(\d{4})/(\d{2})/", urlsplit(url).path)
    return (int(match[1]), int(match[2])) if match else None


def test_a_short_feed_is_topped_up_from_the_short_months(runs: Runs) -> None:
    run, blog = runs.short, runs.blog
    wanted = {blog.url(p) for p in blog.state.posts}
    assert set(run.posts()) == wanted  # recall 100%
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    # The month pages fetched are exactly the months with posts the feed did not list.
    months = Counter(m for u in run.requests if (m := _month(u)))
    unlisted = {(p.published.year, p.published.month) for p in blog.state.posts[FEED_LISTS:]}
    assert set(months) == unlisted and set(months.values()) == {1}
    feed_pages = [u for u in run.requests if "/feeds/posts/default" in u]
    assert len(feed_pages) == FEED_LISTS // 20 + 1
    assert not [u for u in run.requests if "/search" in u or "widgetType" in u]
    assert "0 missed" in run.log
    assert f"{len(months)} months the listings fell short of" in run.log


def test_posts_the_feed_left_out_get_their_rows_from_the_month_pages(runs: Runs) -> None:
    source = runs.blog.state.posts[FEED_LISTS + 5]
    post = runs.short.posts()[runs.blog.url(source)]
    assert post.title == source.title and post.labels == list(source.labels)
    assert post.capture_id is not None


def test_a_feed_that_lists_every_post_costs_no_month_page(runs: Runs) -> None:
    run, blog = runs.full, runs.blog
    assert set(run.posts()) == {blog.url(p) for p in blog.state.posts}
    assert not [u for u in run.requests if _month(u)]
    assert "months the listings fell short of" not in run.log
    assert "0 missed" in run.log
