"""A feed that works but lists fewer posts than the blog has is topped up from listing pages:
on Blogger only the months whose archive-widget count the feed fell short of.

The Blogger blog with its sitemap off (``ArchiveOnlyBlogger``) gets a posts feed that lists only
its newest posts while its ``openSearch:totalResults`` and the archive widget's counts say
more. The crawl reads the feed, compares what it listed per month with the widget's counts on
the home page it fetched anyway, and fetches only the short months' pages; a blog whose feed
lists everything costs no month page at all. A generic blog whose feed is one page of its
newest posts and which has no sitemap (``StaticSiteBlog``) gets its "Older posts" chain read
while the chain shows posts the feed did not list: all of it when the feed is short, one page
when the feed lists everything. One ``reftrail crawl`` per case, each into its
own archive, on every selected database; requests counted from the fake web's log, by URL.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.blog_state import BlogState
from crawler.fakeweb.sites.fallback_blogs import ArchiveOnlyBlogger, StaticSiteBlog
from tests.blogs.crawl_run import CrawlRun as Run
from tests.crawler.conftest import crawl_settings, database_for, run_cli

POSTS = 80
FEED_LISTS = 45
STATIC_POSTS = 23
STATIC_FEED_ITEMS = 8


@dataclass
class Runs:
    blog: ArchiveOnlyBlogger
    short: Run
    full: Run
    static: StaticSiteBlog
    generic_short: Run
    generic_full: Run


@pytest.fixture(scope="module")
def runs(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    blog = ArchiveOnlyBlogger(BlogState.generate(POSTS, years=4, seed=41))
    static = StaticSiteBlog(BlogState.generate(STATIC_POSTS, years=2, seed=43))
    base = tmp_path_factory.mktemp(f"short-feed-{module_db}")
    with FakeWeb(sites=[blog, static]) as web, ExitStack() as databases:

        def crawl(name: str, seed: str = "saltmarsh-blog") -> Run:
            url = databases.enter_context(database_for(module_db))
            start = len(web.request_log)
            args = ["crawl", web.url(seed)]
            # Feed pages of 20 entries, so the short feed takes several pages.
            args += crawl_settings(
                web, REFTRAIL_EXTRACT_TEXT=False, REFTRAIL_BLOG_FEED_PAGE_SIZE=20
            )
            result = run_cli(args, web=web, archive=base / name, database_url=url)
            assert result.returncode == 0, result.stderr[-4000:]
            asked = [f"https://{h}{target}" for h, _, target, _ in web.request_log[start:]]
            return Run(root=base / name, database_url=url, requests=asked, log=result.stderr)

        blog.feed_lists = FEED_LISTS
        short = crawl("short-feed")
        blog.feed_lists = POSTS
        full = crawl("full-feed")
        static.feed_items = STATIC_FEED_ITEMS
        generic_short = crawl("generic-short-feed", "lantern-blog")
        static.feed_items = STATIC_POSTS
        generic_full = crawl("generic-full-feed", "lantern-blog")
        yield Runs(blog, short, full, static, generic_short, generic_full)


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


def _pages(run: Run) -> list[int]:
    return [int(m[1]) for u in run.requests if (m := re.fullmatch(r"https://[^/]+/page/(\d+)/", u))]


def test_a_one_page_generic_feed_is_followed_by_the_older_pages(runs: Runs) -> None:
    run, blog = runs.generic_short, runs.static
    wanted = {blog.url(p) for p in blog.state.posts}
    assert set(run.posts()) == wanted  # recall 100%, not just the feed's newest posts
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    assert _pages(run) == list(range(2, -(-STATIC_POSTS // StaticSiteBlog.PER_PAGE) + 1))
    assert asked["https://www.lanternpress.net/index.xml"] == 1
    assert not [u for u in run.requests if "/tags/" in u]
    assert "0 missed" in run.log


def test_a_complete_one_page_generic_feed_costs_one_listing_page(runs: Runs) -> None:
    run, blog = runs.generic_full, runs.static
    assert set(run.posts()) == {blog.url(p) for p in blog.state.posts}
    assert _pages(run) == [2]  # it shows no post the feed did not list: the walk ends
    assert "0 missed" in run.log
