"""A run's summary counts what it added: posts new and changed, citations, checks, deaths."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from storage.archive import Archive
from storage.models import (
    Capture,
    Citation,
    Crawl,
    LinkCheck,
    LinkState,
    Post,
    PostCapture,
    Site,
)
from storage.schedules import run_counts
from storage.timeutil import utcnow


def test_run_counts_tell_new_from_changed_and_count_new_dead_links(archive: Archive) -> None:
    started = utcnow()
    before, during = started - timedelta(days=7), started + timedelta(minutes=5)
    with archive.session() as session, session.begin():
        earlier = Crawl(uuid="a", seeds=[], options={}, stats={}, started_at=before)
        current = Crawl(uuid="b", seeds=[], options={}, stats={}, started_at=started)
        site = Site(host="blog.example", url="https://blog.example/", detected_at=before)
        session.add_all([earlier, current, site])
        session.flush()
        posts = [
            Post(site_id=site.id, url=f"https://blog.example/{n}", first_seen_at=before,
                 last_seen_at=during)
            for n in ("old", "new")
        ]  # fmt: skip
        session.add_all(posts)
        session.flush()
        capture = session.execute(
            insert(Capture).returning(Capture.id),
            {"url": "https://blog.example/", "surt": "example,blog)/", "fetched_at": before},
        ).scalar_one()
        for crawl, post, when in (
            (earlier, posts[0], before),
            (current, posts[0], during),
            (current, posts[1], during),
        ):
            session.add(PostCapture(post_id=post.id, capture_id=capture, crawl_id=crawl.id,
                                    fetched_at=when, outcome="changed"))  # fmt: skip
        session.execute(
            insert(Capture),
            {"url": "https://news.example/a", "surt": "example,news)/a", "fetched_at": before},
        )
        for position, url in enumerate(("https://news.example/a", "https://news.example/b")):
            session.add(Citation(post_id=posts[0].id, crawl_id=current.id, position=position,
                                 url=url, normalized_url=url, created_at=during))  # fmt: skip
        for when in (before, during, during, during):
            session.add(LinkCheck(url="https://news.example/a", checked_at=when, verdict="gone"))
        for url, since in (("https://news.example/a", during), ("https://news.example/c", before)):
            session.add(LinkState(url=url, state="dead", verdict="gone", since=since,
                                  checked_at=during, next_check_at=during))  # fmt: skip

    counts = run_counts(archive, crawl_id=current.id, since=started)

    assert counts == {
        "posts_new": 1,
        "posts_changed": 1,
        "citations_new": 1,
        "checks": 3,
        "dead_found": 1,
    }
    assert run_counts(archive, crawl_id=None, since=started)["posts_new"] == 0
