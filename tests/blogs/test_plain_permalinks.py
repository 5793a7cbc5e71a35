"""A WordPress blog on plain permalinks (``/?p=123``, listing pages ``/?paged=N``) with its REST
API closed and feeds and sitemap off is archived whole by walking its listing pages.

Every post lives at the home page's path with a query, so the crawl must tell a post
(``?p=``) from a listing (``?paged=``, ``?m=``, ``?tag=``, ``?cat=``) and from a post's own
duplicates (``&replytocom=``, ``&amp=1``) by the query alone. One ``reftrail crawl`` on every
selected database; requests are counted from the fake web's log, by URL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.blog_state import BlogState
from crawler.fakeweb.sites.fallback_blogs import PlainPermalinkWordPress
from tests.blogs.crawl_run import CrawlRun
from tests.crawler.conftest import crawl_settings, database_for, run_cli

POSTS = 57


@dataclass
class Run(CrawlRun):
    blog: PlainPermalinkWordPress


@pytest.fixture(scope="module")
def run(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    blog = PlainPermalinkWordPress(BlogState.generate(POSTS, years=3, seed=37))
    root = tmp_path_factory.mktemp(f"plain-permalinks-{module_db}") / "archive"
    with FakeWeb(sites=[blog]) as web, database_for(module_db) as url:
        args = ["crawl", web.url("fernhollow-blog")]
        args += crawl_settings(web, REFTRAIL_EXTRACT_TEXT=False)
        result = run_cli(args, web=web, archive=root, database_url=url)
        assert result.returncode == 0, result.stderr[-4000:]
        asked = [f"https://{host}{target}" for host, _, target, _ in web.request_log]
        yield Run(root=root, database_url=url, requests=asked, log=result.stderr, blog=blog)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_every_post_is_found_and_fetched_once(run: Run) -> None:
    wanted = {run.blog.url(p) for p in run.blog.state.posts}
    assert set(run.posts()) == wanted  # recall 100%, nothing else (no listing page as a post)
    asked = Counter(run.requests)
    assert {u: n for u, n in asked.items() if u in wanted} == dict.fromkeys(wanted, 1)
    # No duplicate of a post under another spelling, no listing page twice.
    assert not [u for u in run.requests if "replytocom" in u or "amp=1" in u]
    assert set(asked.values()) == {1}
    assert "0 missed" in run.log


def test_listing_pages_are_the_paged_chain_only(run: Run) -> None:
    paged = sorted(int(q["paged"][0]) for u in run.requests if set(q := _query(u)) == {"paged"})
    assert paged == list(range(2, math.ceil(POSTS / PlainPermalinkWordPress.PER_PAGE) + 1))
    # Tag, category, author and month listings repeat posts the chain already showed.
    for name in ("tag", "cat", "author", "m"):
        assert not [u for u in run.requests if name in _query(u)], name
    assert f"found by walking {len(paged)} listing pages" in run.log
    # The switched-off API and feed were asked once, at their plain-permalink addresses.
    api = [u for u in run.requests if "rest_route" in _query(u)]
    feeds = [u for u in run.requests if "feed" in _query(u)]
    assert [_query(u)["rest_route"] for u in api] == [["/wp/v2/posts"]]
    assert [_query(u)["feed"] for u in feeds] == [["rss2"]]
    assert "not published: feed,sitemap" in run.log


def test_post_rows_carry_the_page_metadata(run: Run) -> None:
    source = run.blog.state.posts[7]
    post = run.posts()[run.blog.url(source)]
    assert post.title == source.title and post.authors == ["Tobias Reed"]
    # WordPress writes times to the second.
    assert datetime.fromisoformat(post.published or "") == source.published.replace(microsecond=0)
    assert post.capture_id is not None
