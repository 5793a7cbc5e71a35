"""Sites and their posts: what the blog crawl reads before it starts and writes as it goes.

A post row is keyed by (site, canonical URL). Each fetch of a post adds a ``post_capture``
row (its history); the post row points at the capture holding its newest archived version.
A post is never deleted: when the blog stops listing it, or its page answers 404/410, it gets
``deleted_at``, cleared again if it comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from storage.archive import Archive
from storage.models import Capture, Post, PostCapture, Site
from storage.timeutil import utcnow

# Outcomes of one fetch of a post (PostCapture.outcome).
CHANGED, NOT_MODIFIED, IDENTICAL, GONE = "changed", "not-modified", "identical", "gone"


@dataclass(slots=True)
class KnownPost:
    """What a recrawl needs to know about an archived post to decide whether to fetch it."""

    id: int
    url: str
    listed_updated_at: datetime | None
    etag: str | None
    last_modified: str | None
    captured: bool
    deleted: bool


def save_site(
    archive: Archive,
    *,
    host: str,
    url: str,
    platform: str,
    feeds: list[str],
    sitemaps: list[str],
    title: str | None,
    crawl_id: int | None,
) -> int:
    """Create or update the site row of ``host``; returns its id."""
    with archive.session() as session, session.begin():
        site = session.scalars(select(Site).where(Site.host == host)).first()
        if site is None:
            site = Site(host=host, detected_at=utcnow())
            session.add(site)
        site.url = url
        site.platform = platform
        site.feeds = list(feeds)
        site.sitemaps = list(sitemaps)
        site.title = title
        site.last_crawl_id = crawl_id
        session.flush()
        return site.id


def known_posts(archive: Archive, site_id: int) -> dict[str, KnownPost]:
    """The archived posts of a site, by canonical URL."""
    with archive.session() as session:
        rows = session.scalars(select(Post).where(Post.site_id == site_id))
        return {
            p.url: KnownPost(
                p.id,
                p.url,
                p.listed_updated_at,
                p.etag,
                p.last_modified,
                p.capture_id is not None,
                p.deleted_at is not None,
            )
            for p in rows
        }


def record_post(
    archive: Archive,
    site_id: int,
    url: str,
    *,
    fields: dict[str, Any],
    capture_id: int | None,
    crawl_id: int | None,
    outcome: str,
    status: int | None,
    fetched_at: datetime | None,
) -> int:
    """Insert or update a post after one fetch, and add that fetch to its history.

    ``fields`` are Post columns (title, authors, published, ... etag, listed_updated_at); for
    a 304 or a gone post only the bookkeeping ones are given, the rest stay as archived.
    """
    now = utcnow()
    with archive.session() as session, session.begin():
        post = session.scalars(select(Post).where(Post.site_id == site_id, Post.url == url)).first()
        if post is None:
            post = Post(site_id=site_id, url=url, first_seen_at=now, authors=[], labels=[])
            session.add(post)
        for name, value in fields.items():
            setattr(post, name, value)
        post.last_seen_at = now
        if outcome == GONE:
            post.deleted_at = post.deleted_at or now
        else:
            post.deleted_at = None
        if capture_id is not None and outcome in (CHANGED, IDENTICAL):
            post.capture_id = capture_id
            post.captured_at = fetched_at
        session.flush()
        if capture_id is not None:
            session.add(
                PostCapture(
                    post_id=post.id,
                    capture_id=capture_id,
                    crawl_id=crawl_id,
                    fetched_at=fetched_at or now,
                    status=status,
                    outcome=outcome,
                )
            )
        return post.id


def mark_listed(archive: Archive, post_ids: Iterable[int]) -> None:
    """Posts a listing still shows (unchanged, so not fetched): seen now, not deleted."""
    ids = list(post_ids)
    now = utcnow()
    with archive.session() as session, session.begin():
        for start in range(0, len(ids), 500):
            session.execute(
                update(Post)
                .where(Post.id.in_(ids[start : start + 500]))
                .values(last_seen_at=now, deleted_at=None)
            )


def mark_deleted(archive: Archive, post_ids: Iterable[int], *, when: datetime | None = None) -> int:
    """Posts the blog no longer lists: deleted since ``when`` (kept if already deleted)."""
    ids = list(post_ids)
    moment = when or utcnow()
    count = 0
    with archive.session() as session, session.begin():
        for start in range(0, len(ids), 500):
            result = session.execute(
                update(Post)
                .where(Post.id.in_(ids[start : start + 500]), Post.deleted_at.is_(None))
                .values(deleted_at=moment)
            )
            count += result.rowcount or 0  # type: ignore[attr-defined]
    return count


def list_posts(archive: Archive, *, host: str | None = None) -> list[dict[str, Any]]:
    """Every archived post (newest first) as plain values, for ``reftrail posts``."""
    return list(iter_posts(archive, host=host))


def iter_posts(archive: Archive, *, host: str | None = None) -> Iterator[dict[str, Any]]:
    """The rows of :func:`list_posts`, streamed (``reftrail export posts`` on big archives)."""
    query = (
        select(Post, Site.host, Capture.fetched_at)
        .join(Site, Site.id == Post.site_id)
        .outerjoin(Capture, Capture.id == Post.capture_id)
        .order_by(Site.host, Post.published_at.desc().nulls_last(), Post.url)
        .execution_options(yield_per=500)
    )
    if host:
        query = query.where(Site.host == host.lower())
    with archive.session() as session:
        for post, site_host, fetched_at in session.execute(query):
            yield {
                "url": post.url,
                "title": post.title,
                "authors": list(post.authors or []),
                "published": post.published,
                "updated": post.updated,
                "labels": list(post.labels or []),
                "comment_count": post.comment_count,
                "site": site_host,
                "captured_at": fetched_at.isoformat(timespec="seconds") if fetched_at else None,
                "deleted_at": post.deleted_at.isoformat(timespec="seconds")
                if post.deleted_at
                else None,
            }


def post_history(archive: Archive, post_id: int) -> list[PostCapture]:
    with archive.session() as session:
        return list(
            session.scalars(
                select(PostCapture)
                .where(PostCapture.post_id == post_id)
                .order_by(PostCapture.fetched_at, PostCapture.id)
            )
        )


def resumable_crawl(archive: Archive, seeds: list[str], *, kind: str) -> bool:
    """Whether an unfinished crawl of these seeds and kind waits to be resumed."""
    from storage.crawls import UNFINISHED, seeds_key
    from storage.models import Crawl

    with archive.session() as session:
        found = session.scalars(
            select(Crawl.id).where(
                Crawl.seeds_key == seeds_key(seeds, kind), Crawl.state.in_(UNFINISHED)
            )
        ).first()
    return found is not None


def update_listed_metadata(
    archive: Archive, site_id: int, url: str, fields: dict[str, Any]
) -> None:
    """A listing seen after the post was saved (a feed entry after its sitemap line) tells
    more about it: write those fields (title, authors, dates, labels...) onto the row."""
    with archive.session() as session, session.begin():
        post = session.scalars(select(Post).where(Post.site_id == site_id, Post.url == url)).first()
        if post is not None:
            for name, value in fields.items():
                setattr(post, name, value)
