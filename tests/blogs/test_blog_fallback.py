"""Blogs that publish no feed, API or sitemap are found by walking their listing pages, and a
feed entry that arrives after its post was saved still gives the post row its metadata.

One ``reftrail crawl`` per blog, each into its own archive, on every selected database:

- a Blogger blog with its feed and sitemap off (404) and Blogger's robots.txt, which
  disallows ``/search``: the archive widget's month pages find every post, each fetched once,
  and no ``/search`` page is requested;
- the same blog with a robots.txt that allows ``/search``: the "Older Posts" chain from the
  home page (cheaper here than the months) finds every post, each chain page fetched once and
  no more of them than the posts need; label pages, archive-widget toggles, year pages and
  ``?m=1`` links are never fetched;
- and with one Older Posts page answering 500: the month pages the widget counts posts in
  that were not found fill the gap, and only those;
- a WordPress blog with the REST API closed and feeds and sitemaps off: ``/page/N/``;
- a generic static-site blog whose feed link answers 404 and which has no sitemap: its
  ``rel="next"`` pages;
- a generic blog whose sitemap lists every post and whose feed comes after the posts were
  fetched: the Post rows carry the feed's title, author, dates and tags.

Requests are counted from the fake web's own request log, by URL.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.blog_state import BlogState
from crawler.fakeweb.sites.fallback_blogs import (
    PER_PAGE_BLOGGER,
    PER_PAGE_WORDPRESS,
    ArchiveOnlyBlogger,
    ArchiveOnlyWordPress,
    LateFeedBlog,
    StaticSiteBlog,
)
from tests.blogs.crawl_run import CrawlRun as Run
from tests.crawler.conftest import crawl_settings, database_for, run_cli

BLOGGER_POSTS = 120
WORDPRESS_POSTS = 45
LATE_FEED_POSTS = 40
STATIC_POSTS = 23
FAILING_CHAIN_PAGE = 3


@dataclass
class Runs:
    blogger: ArchiveOnlyBlogger
    wordpress: ArchiveOnlyWordPress
    late: LateFeedBlog
    static: StaticSiteBlog
    months: Run
    chain: Run
    broken_chain: Run
    wp: Run
    generic: Run
    merged: Run


@pytest.fixture(scope="module")
def runs(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    blogger = ArchiveOnlyBlogger(BlogState.generate(BLOGGER_POSTS, seed=17))
    wordpress = ArchiveOnlyWordPress(BlogState.generate(WORDPRESS_POSTS, years=4, seed=19))
    late = LateFeedBlog(BlogState.generate(LATE_FEED_POSTS, years=3, seed=23))
    static = StaticSiteBlog(BlogState.generate(STATIC_POSTS, years=2, seed=29))
    base = tmp_path_factory.mktemp(f"blog-fallback-{module_db}")
    with FakeWeb(sites=[blogger, wordpress, late, static]) as web, ExitStack() as databases:

        def crawl(name: str, seed: str) -> Run:
            url = databases.enter_context(database_for(module_db))  # one archive per crawl
            root = base / name
            before = len(web.request_log)
            args = ["crawl", seed, *crawl_settings(web, REFTRAIL_EXTRACT_TEXT=False)]
            result = run_cli(args, web=web, archive=root, database_url=url)
            assert result.returncode == 0, result.stderr[-4000:]
            asked = [f"https://{host}{target}" for host, _, target, _ in web.request_log]
            return Run(root=root, database_url=url, requests=asked[before:], log=result.stderr)

        months = crawl("months", web.url("saltmarsh-blog"))
        blogger.allow_search = True
        chain = crawl("chain", web.url("saltmarsh-blog"))
        blogger.fail_search_page = FAILING_CHAIN_PAGE
        broken = crawl("broken-chain", web.url("saltmarsh-blog"))
        blogger.fail_search_page, blogger.allow_search = None, False
        wp = crawl("wordpress", web.url("quarrylane-blog"))
        generic = crawl("static-site", web.url("lantern-blog"))
        merged = crawl("late-feed", web.url("tidewater-blog"))
        yield Runs(blogger, wordpress, late, static, months, chain, broken, wp, generic, merged)


def _older_pages(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).path == "/search" and "updated-max=" in u]


def _month(url: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"/(\d{4})/(\d{2})/", urlsplit(url).path)
    return (int(match[1]), int(match[2])) if match else None


def test_blogger_without_feed_or_sitemap_is_walked_by_its_month_pages(runs: Runs) -> None:
    run, blog = runs.months, runs.blogger
    wanted = {blog.url(p) for p in blog.state.posts}
    assert set(run.posts()) == wanted  # recall 100%, nothing else
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    months = Counter(m for u in run.requests if (m := _month(u)))
    # One request per month with posts (the home page's months only when it showed them
    # all), none for the disallowed /search chain, labels, toggles or mobile views.
    published = Counter((p.published.year, p.published.month) for p in blog.state.posts)
    on_home = Counter((p.published.year, p.published.month) for p in blog.state.posts[:7])
    needed = {m for m, n in published.items() if on_home[m] < n}
    assert set(months) == needed and set(months.values()) == {1}
    assert not [u for u in run.requests if "/search" in u or "widgetType" in u or "m=1" in u]
    assert "0 missed" in run.log and "incomplete listings" not in run.log
    assert "disallowed by robots.txt" in run.log


def test_blogger_without_feed_or_sitemap_is_walked_by_older_posts(runs: Runs) -> None:
    run, blog = runs.chain, runs.blogger
    wanted = {blog.url(p) for p in blog.state.posts}
    assert set(run.posts()) == wanted  # recall 100%, nothing else
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    older = _older_pages(run.requests)
    # The home page shows 7 posts; each Older Posts page 7 more: no page more than needed.
    assert len(older) == math.ceil((BLOGGER_POSTS - PER_PAGE_BLOGGER) / PER_PAGE_BLOGGER)
    assert len(set(older)) == len(older)
    assert all(parse_qs(urlsplit(u).query)["max-results"] == ["7"] for u in older)
    assert not [u for u in run.requests if "/search/label/" in u]
    assert not [u for u in run.requests if "widgetType" in u or "m=1" in u]
    assert not [u for u in run.requests if "showComment" in u]
    assert not [u for u in run.requests if re.fullmatch(r"/\d{4}/(\d{2}/)?", urlsplit(u).path)]
    # The switched-off feed and sitemap were asked once each, and are not counted as missed.
    assert asked["https://www.saltmarshnotes.com/sitemap.xml"] == 1
    assert len([u for u in run.requests if "/feeds/posts/default" in u]) == 1
    assert "0 missed" in run.log
    assert "not published: " in run.log and "incomplete listings" not in run.log
    assert f"found by walking {len(older)} listing pages" in run.log


def test_blogger_post_rows_come_from_the_pages(runs: Runs) -> None:
    source = runs.blogger.state.posts[40]
    post = runs.chain.posts()[runs.blogger.url(source)]
    assert post.title == source.title
    assert post.authors == ["Iris Fenwick"]
    assert datetime.fromisoformat(post.published or "") == source.published
    assert post.labels == list(source.labels)
    assert post.capture_id is not None


def test_a_broken_older_posts_chain_is_filled_from_the_counted_months(runs: Runs) -> None:
    run, blog = runs.broken_chain, runs.blogger
    posts = blog.state.posts
    assert set(run.posts()) == {blog.url(p) for p in posts}  # recall 100%
    older = _older_pages(run.requests)
    assert len(set(older)) == FAILING_CHAIN_PAGE  # the chain stops at the failing page
    months = [m for u in run.requests if (m := _month(u))]
    assert len(months) == len(set(months))
    # Only months the chain had not completed: none of those whose posts it all found.
    found = posts[: FAILING_CHAIN_PAGE * PER_PAGE_BLOGGER]
    not_found = posts[FAILING_CHAIN_PAGE * PER_PAGE_BLOGGER :]
    complete = {(p.published.year, p.published.month) for p in found} - {
        (p.published.year, p.published.month) for p in not_found
    }
    assert complete and not complete & set(months)
    assert set(months) == {(p.published.year, p.published.month) for p in not_found}
    assert not [u for u in run.requests if "/search/label/" in u]
    assert "incomplete listings: archive" in run.log


def test_wordpress_without_api_feeds_or_sitemaps_is_walked_by_page(runs: Runs) -> None:
    run, blog = runs.wp, runs.wordpress
    wanted = {blog.url(p) for p in blog.state.posts}
    assert set(run.posts()) == wanted
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    pages = sorted(
        int(m[1]) for u in run.requests if (m := re.fullmatch(r"https://[^/]+/page/(\d+)/", u))
    )
    assert pages == list(range(2, math.ceil(WORDPRESS_POSTS / PER_PAGE_WORDPRESS) + 1))
    assert not [u for u in run.requests if "/tag/" in u or "/category/" in u]
    assert not [u for u in run.requests if "/amp/" in u or "replytocom" in u]
    assert not [u for u in run.requests if _month(u)]
    assert "0 missed" in run.log
    source = blog.state.posts[3]
    post = run.posts()[blog.url(source)]
    assert post.title == source.title and post.authors == ["Nell Carver"]
    assert datetime.fromisoformat(post.published or "") == source.published


def test_a_generic_blog_without_feed_or_sitemap_is_walked_by_next_links(runs: Runs) -> None:
    run, blog = runs.generic, runs.static
    wanted = {blog.url(p) for p in blog.state.posts}
    assert set(run.posts()) == wanted
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    pages = [
        int(m[1]) for u in run.requests if (m := re.fullmatch(r"https://[^/]+/page/(\d+)/", u))
    ]
    assert pages == list(range(2, math.ceil(STATIC_POSTS / StaticSiteBlog.PER_PAGE) + 1))
    assert not [u for u in run.requests if "/tags/" in u]
    assert asked["https://www.lanternpress.net/index.xml"] == 1
    assert "blog (generic)" in run.log and "0 missed" in run.log
    assert "not published: feed,sitemap" in run.log


def test_feed_metadata_is_merged_into_posts_first_found_in_the_sitemap(runs: Runs) -> None:
    run, blog = runs.merged, runs.late
    posts = run.posts()
    assert set(posts) == {blog.url(p) for p in blog.state.posts}
    feed_pages = [u for u in run.requests if "/feed.xml" in u]
    assert len(feed_pages) == math.ceil(LATE_FEED_POSTS / LateFeedBlog.FEED_PAGE)
    for source in blog.state.posts:
        post = posts[blog.url(source)]
        assert post.title == source.title, post.url
        assert post.authors == [LateFeedBlog.AUTHOR], post.url
        assert datetime.fromisoformat(post.published or "") == source.published, post.url
        assert datetime.fromisoformat(post.updated or "") == source.updated, post.url
        assert post.labels == list(source.labels), post.url
    # Each post page fetched once: the feed's entries added metadata, not requests.
    asked = Counter(run.requests)
    assert all(asked[blog.url(p)] == 1 for p in blog.state.posts)
    assert "0 missed" in run.log
