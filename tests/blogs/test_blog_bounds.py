"""Blog crawls bounded by ``--since`` / ``--max-posts``, and blogs that fail part-way.

Small generated blogs, one ``reftrail crawl`` each into its own archive (SQLite: what is
tested is the spider's choices, which do not depend on the database):

- ``--max-posts 7`` archives 7 posts and says how many it left;
- ``--since`` archives only posts published on or after the date;
- a WordPress blog whose REST API is closed is listed from ``/feed/?paged=N`` until the 404
  past its last page;
- a Blogger feed page answering 500 and a listed post answering 404: the other feed pages and
  the sitemap still list every post, the 404 post is marked gone, and the summary says what
  was missed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.big_blogs import BloggerBlog, WordPressBlog
from crawler.fakeweb.sites.blog_state import BlogState
from storage.archive import Archive
from storage.models import Capture, Post, PostCapture
from tests.crawler.conftest import crawl_settings, run_cli

BLOGGER_POSTS = 60
WORDPRESS_POSTS = 35
MAX_POSTS = 7
SINCE_INDEX = 12  # --since is the 13th newest post's publication time
FAILING_FEED_START = 26  # the second page of a feed served 25 entries at a time
UNREACHABLE_INDEX = 3


@dataclass
class Run:
    root: Path
    log: str

    def posts(self) -> list[Post]:
        with Archive.open(self.root, create=False) as archive, archive.session() as session:
            return list(session.scalars(select(Post)))

    def capture_urls(self) -> list[tuple[str, int | None]]:
        with Archive.open(self.root, create=False) as archive, archive.session() as session:
            return [(c.url, c.status) for c in session.scalars(select(Capture))]


@dataclass
class Runs:
    blogger: BloggerBlog
    wordpress: WordPressBlog
    max_posts: Run
    since: Run
    since_value: str
    faults: Run
    unreachable: str
    wp_feed: Run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    blogger = BloggerBlog(BlogState.generate(BLOGGER_POSTS, seed=11))
    wordpress = WordPressBlog(BlogState.generate(WORDPRESS_POSTS, seed=13), api_enabled=False)
    base = tmp_path_factory.mktemp("blog-bounds")
    with FakeWeb(sites=[blogger, wordpress]) as web:

        def crawl(name: str, seed: str, *extra: str) -> Run:
            root = base / name
            args = ["crawl", seed, *extra, *crawl_settings(web, REFTRAIL_EXTRACT_TEXT=False)]
            result = run_cli(args, web=web, archive=root, database_url=None)
            assert result.returncode == 0, result.stderr[-4000:]
            return Run(root, result.stderr)

        home = web.url("harbour-blog")
        max_posts = crawl("max-posts", home, "--max-posts", str(MAX_POSTS))
        since_value = blogger.state.live()[SINCE_INDEX].published.isoformat()
        since = crawl("since", home, "--since", since_value)
        blogger.fail_feed_start = FAILING_FEED_START
        unreachable = blogger.state.live()[UNREACHABLE_INDEX]
        blogger.state.unreachable.add(unreachable.slug)
        try:
            faults = crawl("faults", home)
        finally:
            blogger.fail_feed_start = None
            blogger.state.unreachable.discard(unreachable.slug)
        wp_feed = crawl("wp-feed", web.url("millpond-blog"))
        yield Runs(
            blogger,
            wordpress,
            max_posts,
            since,
            since_value,
            faults,
            blogger.url(unreachable),
            wp_feed,
        )


def _post_pages(run: Run, blog: BloggerBlog | WordPressBlog) -> list[str]:
    urls = {blog.url(p) for p in blog.state.posts}
    return [url for url, _status in run.capture_urls() if url in urls]


def test_max_posts_bounds_the_post_pages_fetched(runs: Runs) -> None:
    run = runs.max_posts
    pages = _post_pages(run, runs.blogger)
    assert len(pages) == MAX_POSTS and len(set(pages)) == MAX_POSTS
    assert len(run.posts()) == MAX_POSTS
    assert f"{MAX_POSTS} archived" in run.log
    assert f"{BLOGGER_POSTS - MAX_POSTS} over --max-posts" in run.log


def test_since_archives_only_posts_published_from_that_date(runs: Runs) -> None:
    run = runs.since
    wanted = {runs.blogger.url(p) for p in runs.blogger.state.posts[: SINCE_INDEX + 1]}
    assert set(_post_pages(run, runs.blogger)) == wanted
    assert {p.url for p in run.posts()} == wanted
    skipped = BLOGGER_POSTS - len(wanted)
    assert f"skipped {skipped} before --since" in run.log


def test_wordpress_without_rest_api_is_listed_from_the_paged_feed(runs: Runs) -> None:
    run, wp = runs.wp_feed, runs.wordpress
    captures = run.capture_urls()
    feed_pages = sorted(
        (int(m.group(1)), status)
        for url, status in captures
        if (m := re.search(r"/feed/\?paged=(\d+)$", url))
    )
    pages = (WORDPRESS_POSTS + 9) // 10
    # Every page of 10, then the 404 past the last one, which ends the listing (not a miss).
    assert feed_pages == [(n, 200) for n in range(1, pages + 1)] + [(pages + 1, 404)]
    assert [s for u, s in captures if "/wp-json/wp/v2/posts" in u] == [401]
    posts = {p.url: p for p in run.posts()}
    assert set(posts) == {wp.url(p) for p in wp.state.posts}
    assert "0 missed" in run.log and "incomplete listings" not in run.log


def test_a_failing_feed_page_and_a_404_post_are_missed_the_rest_archived(runs: Runs) -> None:
    run, blog = runs.faults, runs.blogger
    captures = run.capture_urls()
    feed = [
        (int(m.group(1)), status)
        for url, status in captures
        if (m := re.search(r"/feeds/posts/default\?start-index=(\d+)", url))
    ]
    # The failed page (retried, as 500s are) is skipped by what the page before it held (25),
    # not the 150 asked for, so the feed still lists the posts after it.
    assert sorted(set(feed)) == [(1, 200), (26, 500), (51, 200)]
    posts = {p.url: p for p in run.posts()}
    assert set(posts) == {blog.url(p) for p in blog.state.posts}  # the sitemap fills the gap
    gone = posts[runs.unreachable]
    assert gone.deleted_at is not None and gone.capture_id is None
    with Archive.open(run.root, create=False) as archive, archive.session() as session:
        history = session.scalars(select(PostCapture).where(PostCapture.post_id == gone.id)).all()
    assert [(h.outcome, h.status) for h in history] == [("gone", 404)]
    assert [p.url for p in posts.values() if p.deleted_at is not None] == [runs.unreachable]
    assert "1 gone (404/410), 2 missed" in run.log
    assert "incomplete listings: blogger" in run.log
    assert f"missed: https://www.harbourletters.org/feeds/posts/default?start-index={26}" in run.log
    assert f"missed: {runs.unreachable}" in run.log
