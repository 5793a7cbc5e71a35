"""Real blog crawls of generated Blogger and WordPress blogs through ``reftrail crawl``.

One module-scoped run per database: a first crawl of each blog, then an edit and a deletion
on the fake web, then a recrawl that must fetch only what changed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb
from crawler.fakeweb.sites.big_blogs import BloggerBlog, WordPressBlog
from crawler.fakeweb.sites.blog_state import BlogState
from storage.archive import Archive
from storage.models import Capture, Crawl, Post, PostCapture, Site
from storage.warc.reader import iter_records
from storage.warc.records import NOT_MODIFIED_PROFILE
from tests.crawler.conftest import crawl_settings, database_for, run_cli

BLOGGER_POSTS = 320
WORDPRESS_POSTS = 230


@dataclass
class Crawls:
    web: FakeWeb
    root: Path
    database_url: str | None
    blogger: BloggerBlog
    wordpress: WordPressBlog
    logs: dict[str, str]
    edited: str  # URL of the post edited between crawls
    deleted: str
    touched: str  # listed as updated, page unchanged: a 304

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)

    def cli(self, *args: str) -> str:
        result = run_cli(
            list(args), web=self.web, archive=self.root, database_url=self.database_url
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout


@pytest.fixture(scope="module")
def crawls(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    blogger = BloggerBlog(BlogState.generate(BLOGGER_POSTS, seed=3))
    wordpress = WordPressBlog(BlogState.generate(WORDPRESS_POSTS, seed=5, tz_hours=2))
    root = tmp_path_factory.mktemp(f"blogs-{module_db}") / "archive"
    logs: dict[str, str] = {}
    with FakeWeb(sites=[blogger, wordpress]) as web, database_for(module_db) as url:

        def crawl(name: str, seed: str, *extra: str) -> None:
            args = ["crawl", seed, *extra, *crawl_settings(web, REFTRAIL_EXTRACT_TEXT=False)]
            result = run_cli(args, web=web, archive=root, database_url=url)
            assert result.returncode == 0, result.stderr[-4000:]
            logs[name] = result.stderr

        crawl("blogger-1", web.url("harbour-blog"))
        crawl("wordpress-1", web.url("millpond-blog"))
        edited = blogger.state.live()[10]
        deleted = blogger.state.live()[20]
        blogger.state.edit(edited.slug, text="A correction, added later.")
        blogger.state.delete(deleted.slug)
        touched = wordpress.state.live()[5]
        wordpress.state.touch(touched.slug)
        crawl("blogger-2", web.url("harbour-blog"))
        crawl("wordpress-2", web.url("millpond-blog"))
        yield Crawls(
            web,
            root,
            url,
            blogger,
            wordpress,
            logs,
            blogger.url(edited),
            blogger.url(deleted),
            wordpress.url(touched),
        )


def _crawl_ids(archive: Archive) -> list[int]:
    with archive.session() as session:
        return list(session.scalars(select(Crawl.id).order_by(Crawl.id)))


def test_platforms_are_detected_and_recorded(crawls: Crawls) -> None:
    with crawls.open() as archive, archive.session() as session:
        sites = {s.host: s for s in session.scalars(select(Site))}
    assert sites["www.harbourletters.org"].platform == "blogger"  # a custom domain
    assert sites["millpondjournal.net"].platform == "wordpress"
    assert sites["www.harbourletters.org"].feeds == [
        "https://www.harbourletters.org/feeds/posts/default"
    ]
    with crawls.open() as archive, archive.session() as session:
        kinds = list(session.scalars(select(Crawl.kind)))
    assert kinds == ["blog"] * 4


def test_every_post_is_found_and_archived_once(crawls: Crawls) -> None:
    with crawls.open() as archive, archive.session() as session:
        first = _crawl_ids(archive)[0]
        posts = list(session.scalars(select(Post)))
        caps = list(session.scalars(select(Capture).where(Capture.crawl_id == first)))
    blogger_urls = {crawls.blogger.url(p) for p in crawls.blogger.state.posts}
    archived = {p.url for p in posts if "harbourletters" in p.url}
    assert archived == blogger_urls  # recall 100%, nothing else (no ?m=1, labels, about page)
    pages = Counter(c.url for c in caps if c.url in blogger_urls)
    assert set(pages) == blogger_urls and set(pages.values()) == {1}
    assert not [c.url for c in caps if "m=1" in c.url or "showComment" in c.url]
    assert not [c.url for c in caps if "/search" in c.url]
    # Feed pages were followed although each served at most 25 entries ("short feed").
    feed_pages = [c.url for c in caps if "/feeds/posts/default" in c.url]
    assert len(feed_pages) >= BLOGGER_POSTS // 25
    # Post images (requisites) were fetched too.
    assert any(c.url.startswith("https://static.harbourletters-cdn.net/img/") for c in caps)


def test_post_rows_hold_metadata_and_body(crawls: Crawls) -> None:
    source = crawls.blogger.state.posts[0]
    with crawls.open() as archive, archive.session() as session:
        post = session.scalars(select(Post).where(Post.url == crawls.blogger.url(source))).one()
        capture = session.get(Capture, post.capture_id)
    assert post.title == source.title
    assert post.authors == ["Ada Quill"]
    assert datetime.fromisoformat(post.published or "") == source.published
    assert (post.published or "").endswith("-05:00")
    assert post.labels == list(source.labels)
    assert post.comment_count == source.comments
    assert post.body_html is not None and post.body_html.startswith('<div class="post-body')
    assert source.paragraphs[0][:60] in (post.body_text or "")
    assert "Labels:" not in (post.body_text or "")
    assert capture is not None and capture.status == 200 and capture.url == post.url
    assert post.etag and post.last_modified


def test_wordpress_posts_come_from_the_rest_api(crawls: Crawls) -> None:
    wp = crawls.wordpress
    with crawls.open() as archive, archive.session() as session:
        first_wp = _crawl_ids(archive)[1]
        posts = list(session.scalars(select(Post).where(Post.url.like("%millpond%"))))
        caps = list(session.scalars(select(Capture.url).where(Capture.crawl_id == first_wp)))
    assert {p.url for p in posts} == {wp.url(p) for p in wp.state.posts}
    api_pages = [u for u in caps if "/wp-json/wp/v2/posts" in u]
    assert len(api_pages) == 3  # 230 posts at 100 a page
    assert not [u for u in caps if "/amp/" in u or "replytocom" in u or "/tag/" in u]
    source = wp.state.posts[0]
    post = next(p for p in posts if p.url == wp.url(source))
    assert datetime.fromisoformat(post.published or "") == source.published
    assert (post.published or "").endswith("+02:00")  # from WordPress's local + GMT pair
    assert post.authors == ["Ben Marsh"]
    assert post.body_html is not None and "entry-content" in post.body_html


def test_recrawl_fetches_only_what_changed(crawls: Crawls) -> None:
    with crawls.open() as archive, archive.session() as session:
        ids = _crawl_ids(archive)
        first = session.scalars(select(Capture).where(Capture.crawl_id == ids[0])).all()
        again = session.scalars(select(Capture).where(Capture.crawl_id == ids[2])).all()
    assert len(again) * 10 < len(first), (len(again), len(first))
    assert crawls.edited in {c.url for c in again}
    assert "0 missed" in crawls.logs["blogger-2"]
    assert "unchanged (no request)" in crawls.logs["blogger-2"]


def test_changed_post_gets_a_new_capture_and_keeps_its_history(crawls: Crawls) -> None:
    with crawls.open() as archive, archive.session() as session:
        post = session.scalars(select(Post).where(Post.url == crawls.edited)).one()
        history = session.scalars(
            select(PostCapture).where(PostCapture.post_id == post.id).order_by(PostCapture.id)
        ).all()
    assert [h.outcome for h in history] == ["changed", "changed"]
    assert post.capture_id == history[-1].capture_id
    assert "A correction, added later." in (post.body_text or "")


def test_deleted_post_is_marked_not_removed(crawls: Crawls) -> None:
    rows = json.loads(crawls.cli("posts", "--site", "www.harbourletters.org", "--format", "json"))
    assert len(rows) == BLOGGER_POSTS
    by_url = {r["url"]: r for r in rows}
    assert by_url[crawls.deleted]["deleted_at"] is not None
    assert by_url[crawls.edited]["deleted_at"] is None
    assert sum(1 for r in rows if r["deleted_at"]) == 1
    row = by_url[crawls.edited]
    assert set(row) >= {
        "url",
        "title",
        "authors",
        "published",
        "updated",
        "labels",
        "site",
        "captured_at",
        "deleted_at",
    }
    assert row["site"] == "www.harbourletters.org" and isinstance(row["authors"], list)


def test_posts_command_formats(crawls: Crawls) -> None:
    text = crawls.cli("posts", "--format", "csv")
    lines = text.splitlines()
    assert lines[0].startswith("site,url,title,authors,published")
    assert len(lines) == 1 + BLOGGER_POSTS + WORDPRESS_POSTS
    table = crawls.cli("posts", "--site", "millpondjournal.net")
    assert "published" in table.splitlines()[1]


def test_warc_files_hold_feeds_sitemaps_and_posts(crawls: Crawls) -> None:
    uris = set()
    for path in sorted((crawls.root / "warcs").iterdir()):
        for record in iter_records(path):
            if record.rec_type in ("response", "revisit"):
                uris.add(record.rec_headers.get_header("WARC-Target-URI"))
    assert "https://www.harbourletters.org/sitemap.xml" in uris
    assert any("/feeds/posts/default?start-index=1&" in u for u in uris)
    assert "https://millpondjournal.net/wp-sitemap.xml" in uris


def test_not_modified_answer_is_a_server_not_modified_revisit(crawls: Crawls) -> None:
    with crawls.open() as archive, archive.session() as session:
        post = session.scalars(select(Post).where(Post.url == crawls.touched)).one()
        history = session.scalars(
            select(PostCapture).where(PostCapture.post_id == post.id).order_by(PostCapture.id)
        ).all()
        revisit = session.get(Capture, history[-1].capture_id)
        original = session.get(Capture, post.capture_id)
    assert [h.outcome for h in history] == ["changed", "not-modified"]
    assert revisit is not None and original is not None
    assert revisit.status == 304 and revisit.record_type == "revisit"
    assert revisit.revisit_of == original.record_id
    assert revisit.payload_digest == original.payload_digest
    record = next(
        r
        for path in sorted((crawls.root / "warcs").iterdir())
        for r in iter_records(path)
        if r.rec_headers.get_header("WARC-Record-ID") == revisit.record_id
    )
    assert record.rec_headers.get_header("WARC-Profile") == NOT_MODIFIED_PROFILE
    assert record.rec_headers.get_header("WARC-Refers-To") == original.record_id
    assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == crawls.touched
    request_headers = [
        r.http_headers.get_header("If-None-Match")
        for path in sorted((crawls.root / "warcs").iterdir())
        for r in iter_records(path)
        if r.rec_type == "request"
        and r.rec_headers.get_header("WARC-Concurrent-To") == revisit.record_id
    ]
    assert request_headers and request_headers[0]


def test_archive_verifies(crawls: Crawls) -> None:
    result = run_cli(["verify"], web=None, archive=crawls.root, database_url=crawls.database_url)
    assert result.returncode == 0, result.stderr[-3000:]
