"""What discovery learns about one post before fetching it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class ListedPost:
    """A post as a feed, an API page or a sitemap lists it (any field may be missing)."""

    url: str
    source: str  # feed, api, sitemap
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    labels: list[str] = field(default_factory=list)
    comment_count: int | None = None

    def merge(self, other: ListedPost) -> None:
        """Fill what this listing lacks from another listing of the same post."""
        self.title = self.title or other.title
        self.authors = self.authors or other.authors
        self.published = self.published or other.published
        if other.updated and (self.updated is None or other.updated > self.updated):
            self.updated = other.updated
        self.labels = self.labels or other.labels
        if self.comment_count is None:
            self.comment_count = other.comment_count
