"""Generated blogs whose posts a test can edit and delete between crawls.

:class:`BlogState` holds the posts of one fake blog; the Blogger and WordPress sites built on
it (``big_blogs.py``) read it on every request, so a test changes the web by calling
:meth:`BlogState.edit` or :meth:`BlogState.delete` while the fake web runs. Every post page
carries an ETag and Last-Modified and answers conditional requests with 304.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from crawler.fakeweb.http import Request, Response, http_date

WORDS = [
    "river",
    "bridge",
    "council",
    "library",
    "harbour",
    "ferry",
    "mill",
    "market",
    "school",
    "garden",
    "winter",
    "flood",
    "parade",
    "museum",
    "railway",
    "station",
    "orchard",
    "meadow",
    "lantern",
    "festival",
    "archive",
    "letter",
    "map",
    "quarry",
    "lighthouse",
    "bakery",
    "choir",
    "regatta",
    "timber",
    "granary",
    "canal",
    "willow",
    "heron",
]
LABELS = ("history", "walks", "council", "photos", "books", "weather", "food", "letters")


@dataclass(frozen=True)
class GenPost:
    slug: str
    title: str
    published: datetime
    updated: datetime
    labels: tuple[str, ...]
    paragraphs: tuple[str, ...]
    comments: int
    post_id: int
    # Listings (feeds, API, sitemaps) show updated + touched: a "touched" post is listed as
    # changed while its page, and so its ETag, stays the same (answered with 304).
    touched: timedelta = timedelta(0)

    @property
    def listed_updated(self) -> datetime:
        return self.updated + self.touched

    def etag(self) -> str:
        digest = hashlib.sha1(f"{self.slug}{self.updated.isoformat()}".encode()).hexdigest()
        return f'"{digest[:16]}"'

    def last_modified(self) -> str:
        return http_date(self.updated.timestamp())


@dataclass
class BlogState:
    """The posts of one generated blog, newest first; thread-safe edits."""

    posts: list[GenPost] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # Still listed by the feeds, API and sitemaps, but the page answers 404 (a broken post).
    unreachable: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def generate(
        cls, count: int, *, years: int = 9, seed: int = 7, tz_hours: int = -5
    ) -> BlogState:
        rng = random.Random(seed)
        tz = timezone(timedelta(hours=tz_hours))
        start = datetime(2026, 10, 1, 8, 15, tzinfo=tz)
        step = timedelta(days=years * 365 / count)
        posts = []
        for n in range(count):
            when = start - step * n - timedelta(minutes=rng.randrange(0, 600))
            words = rng.sample(WORDS, 3)
            title = f"{words[0].capitalize()} {words[1]} and the {words[2]} ({n + 1})"
            paragraphs = tuple(
                " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + "." for _ in range(3)
            )
            posts.append(
                GenPost(
                    slug=f"{'-'.join(words)}-{n + 1}",
                    title=title,
                    published=when,
                    updated=when + timedelta(hours=rng.randrange(0, 48)),
                    labels=tuple(sorted(rng.sample(LABELS, 2))),
                    paragraphs=paragraphs,
                    comments=rng.randrange(0, 7),
                    post_id=10_000 + count - n,
                )
            )
        return cls(posts)

    def live(self) -> list[GenPost]:
        with self.lock:
            return [p for p in self.posts if p.slug not in self.deleted]

    def find(self, slug: str) -> GenPost | None:
        with self.lock:
            if slug in self.deleted or slug in self.unreachable:
                return None
            return next((p for p in self.posts if p.slug == slug), None)

    def edit(self, slug: str, *, text: str, at: datetime | None = None) -> GenPost:
        """Change a post's text (and its updated time, as the platforms do)."""
        with self.lock:
            index = next(i for i, p in enumerate(self.posts) if p.slug == slug)
            old = self.posts[index]
            new = replace(
                old,
                paragraphs=(*old.paragraphs, text),
                updated=at or old.updated + timedelta(days=30),
            )
            self.posts[index] = new
            return new

    def touch(self, slug: str) -> None:
        """List the post as updated without changing its page."""
        with self.lock:
            index = next(i for i, p in enumerate(self.posts) if p.slug == slug)
            old = self.posts[index]
            self.posts[index] = replace(old, touched=old.touched + timedelta(days=1))

    def delete(self, slug: str) -> None:
        with self.lock:
            self.deleted.add(slug)

    def publish(self, count: int, *, days_apart: float = 2.0, seed: int = 99) -> list[GenPost]:
        """Write ``count`` new posts, each newer than every post so far (newest first)."""
        rng = random.Random(seed)
        with self.lock:
            newest = self.posts[0]
            top_id = max(p.post_id for p in self.posts)
            fresh = []
            for n in range(1, count + 1):
                when = newest.published + timedelta(days=days_apart * n)
                words = rng.sample(WORDS, 3)
                fresh.append(
                    replace(
                        newest,
                        slug=f"{'-'.join(words)}-new{top_id + n}",
                        title=f"{words[0].capitalize()} {words[1]}, a new post ({top_id + n})",
                        published=when,
                        updated=when,
                        post_id=top_id + n,
                        touched=timedelta(0),
                    )
                )
            self.posts[:0] = list(reversed(fresh))
            return fresh


def conditional(request: Request, post: GenPost, make: object) -> Response:
    """304 when the request's validators match the post, else the page with validators."""
    etag, modified = post.etag(), post.last_modified()
    if request.headers.get("if-none-match") == etag or (
        "if-none-match" not in request.headers
        and request.headers.get("if-modified-since") == modified
    ):
        return Response(304, [("ETag", etag), ("Last-Modified", modified)], b"")
    response: Response = make()  # type: ignore[operator]
    response.headers += [("ETag", etag), ("Last-Modified", modified)]
    return response
