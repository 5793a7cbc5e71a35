"""One real ``reftrail crawl`` of the ground-truth blog (SQLite): every cited URL is requested
exactly once (the fake web's request log), archived, and linked to an Article row, whether it
is cited by one post or several, inline and in a list, plain or with tracking parameters, in
a google.com/url wrapper, or as a short link or FeedBurner link that redirects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.citation_blog import POSTS, CitationBlogSite, CitedNewsSite
from crawler.scope import url_key
from storage.archive import Archive
from storage.models import Article, Capture, Citation
from tests.crawler.conftest import crawl_settings, run_cli


@dataclass
class Crawl:
    root: Path
    requests: Counter[str]  # GETs the fake web answered, by URL key


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    with FakeWeb(sites=[CitationBlogSite(), CitedNewsSite()]) as web:
        root = tmp_path_factory.mktemp("ground-truth-crawl") / "archive"
        args = ["crawl", web.url("citation-blog"), *crawl_settings(web)]
        result = run_cli(args, web=web, archive=root, database_url=None, timeout=120)
        assert result.returncode == 0, result.stderr[-4000:]
        seen = Counter(
            url_key(f"https://{host}{target}")
            for host, method, target, _ in web.request_log
            if method == "GET" and target != "/robots.txt"
        )
        yield Crawl(root, seen)


def _expected() -> tuple[set[str], set[str]]:
    """Keys of the cited URLs (as normalised) and of where they end up after redirects."""
    cited = {url_key(e.url) for p in POSTS for e in p.expected if e.url}
    final = {url_key(e.final_url) for p in POSTS for e in p.expected if e.final_url}
    return cited, final


def _https(key: str) -> str:
    # The fake web logs host and path, not the scheme: compare http:// citations as https.
    parts = urlsplit(key)
    return url_key(parts._replace(scheme="https").geturl())


def test_every_cited_url_is_requested_exactly_once(crawl: Crawl) -> None:
    cited, final = _expected()
    # One request per distinct URL, cited or reached by a redirect; the log has no scheme, so
    # http:// and https:// spellings of a path (two cited URLs) are counted together.
    wanted = Counter(_https(key) for key in cited | final)
    got = {key: crawl.requests[key] for key in wanted}
    wrong = {key: (got[key], n) for key, n in wanted.items() if got[key] != n}
    print(
        f"\n[ground-truth crawl] {len(cited)} cited URLs, {len(final)} after redirects; "
        f"requested as often as cited: {len(wanted) - len(wrong)}/{len(wanted)}"
    )
    assert not wrong, f"(requests, expected) of cited URLs: {wrong}"


def test_every_cited_url_is_archived_and_linked_to_an_article(crawl: Crawl) -> None:
    cited, final = _expected()
    with Archive.open(crawl.root, create=False) as archive, archive.session() as session:
        captured = {url_key(c.url): c.status for c in session.scalars(select(Capture))}
        articles = session.scalars(select(Article)).all()
        citations = session.scalars(select(Citation).where(Citation.internal.is_(False))).all()
    assert not [k for k in cited | final if k not in captured], "cited URLs not archived"
    assert all(captured[k] == 200 for k in final)
    # One Article per fetched article (a short link and a direct link to it share one).
    assert Counter(url_key(a.final_url) for a in articles) == Counter(final)
    assert all(a.text and a.title for a in articles)
    # The posts' mailto: links are kept as citations no crawler can fetch, with their reason.
    unfetchable = [c for c in citations if (c.fetch_error or "").startswith("unfetchable link")]
    assert unfetchable and {c.fetch_error for c in unfetchable} == {"unfetchable link: mailto"}
    linked = [c for c in citations if c.url is not None and c not in unfetchable]
    assert len(linked) == sum(1 for p in POSTS for e in p.expected if e.url)
    unlinked = [c.url for c in linked if c.fetch_status != "fetched" or c.article_id is None]
    assert not unlinked, unlinked[:5]
    assert all(c.closest_capture_id and c.latest_capture_id for c in linked)
    finals = {url_key(c.final_url) for c in linked if c.final_url}
    assert finals == final
