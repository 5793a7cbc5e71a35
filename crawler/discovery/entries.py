"""What discovery learns about one post before fetching it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# How much a source tells about a post: feeds and the API give titles, authors, dates and
# labels; a listing page some of them; a sitemap line only a last-modified time.
RANK = {"api": 3, "feed": 3, "page": 1, "sitemap": 0}


@dataclass(slots=True)
class ListedPost:
    """A post as a feed, an API page or a sitemap lists it (any field may be missing)."""

    url: str
    source: str  # feed, api, page (an HTML listing), sitemap
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    labels: list[str] = field(default_factory=list)
    comment_count: int | None = None

    def merge(self, other: ListedPost) -> bool:
        """Take what another listing of the same post tells; True when anything changed.

        A richer source (a feed or the API over a listing page over a sitemap line) wins
        where it has a value, so a post first seen in a sitemap gets the feed's title,
        authors, dates and labels; otherwise only the gaps are filled.
        """
        before = self.metadata()
        if RANK.get(other.source, 0) > RANK.get(self.source, 0):
            self.title = other.title or self.title
            self.authors = other.authors or self.authors
            self.published = other.published or self.published
            self.updated = other.updated or self.updated
            self.labels = other.labels or self.labels
            if other.comment_count is not None:
                self.comment_count = other.comment_count
            self.source = other.source
        else:
            self.title = self.title or other.title
            self.authors = self.authors or other.authors
            self.published = self.published or other.published
            # A poorer source's time only fills a gap: a sitemap's lastmod never overrides
            # the feed's updated time, whichever came first.
            same_rank = RANK.get(other.source, 0) == RANK.get(self.source, 0)
            if other.updated and (
                self.updated is None or (same_rank and other.updated > self.updated)
            ):
                self.updated = other.updated
            self.labels = self.labels or other.labels
            if self.comment_count is None:
                self.comment_count = other.comment_count
        return self.metadata() != before

    def metadata(self) -> tuple[object, ...]:
        return (
            self.source,
            self.title,
            tuple(self.authors),
            self.published,
            self.updated,
            tuple(self.labels),
            self.comment_count,
        )
