"""Which listing pages to fetch when a blog answers no feed, API or sitemap.

Two ways through a blog's listing pages: the chain of "Older Posts" pages from the home page
(Blogger's ``/search?updated-max=...``, WordPress's ``/page/N/``) and the archive widget's
month pages. The walk takes the one the widget's counts say is cheaper (the chain costs one
page per page-size of posts, the months one page per month not yet complete), follows the
chain only while its pages bring posts not seen yet, and ends by fetching just the months whose
count it has not reached (a broken chain, a page the chain skipped). The same count check tops
up a feed or sitemap that lists fewer posts than the widget counts. Label, search-by-label
and year pages are never needed, so never fetched. Pure: the spider fetches and reports back.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.discovery.entries import ListedPost
from crawler.discovery.listings import DateArchive, ListingPage

DATED_PATH = re.compile(r"^/(\d{4})/(\d{2})/")
CHAIN, MONTH = "chain", "month"


def post_month(post: ListedPost) -> tuple[int, int] | None:
    """The month a post was published in: from its listing's date, else its permalink."""
    if post.published is not None:
        return post.published.year, post.published.month
    match = DATED_PATH.match(urlsplit(post.url).path)
    return (int(match[1]), int(match[2])) if match else None


@dataclass
class ArchiveWalk:
    """The fallback's plan; the spider calls :meth:`start`, then one method per page."""

    page_size: int = 0
    archives: dict[tuple[int, int], DateArchive] = field(default_factory=dict)
    found: Counter[tuple[int, int]] = field(default_factory=Counter)
    fetched_months: set[tuple[int, int]] = field(default_factory=set)
    chain_pages: int = 0
    topped_up: bool = False

    def count(self, posts: list[ListedPost]) -> None:
        """Count posts first seen (by any source) towards their month."""
        for post in posts:
            month = post_month(post)
            if month is not None:
                self.found[month] += 1

    def _incomplete(self) -> list[DateArchive]:
        return [
            a
            for key, a in sorted(self.archives.items(), reverse=True)
            if a.count is not None and self.found[key] < a.count and key not in self.fetched_months
        ]

    def _all_counted(self) -> bool:
        return bool(self.archives) and all(a.count is not None for a in self.archives.values())

    def _take_months(self, archives: list[DateArchive]) -> list[tuple[str, str]]:
        self.fetched_months.update((a.year, a.month) for a in archives)
        return [(a.url, MONTH) for a in archives]

    def start(self, home: ListingPage) -> list[tuple[str, str]]:
        """The first pages to fetch, as (url, kind); the home page's posts are counted already."""
        self.page_size = len(home.posts)
        for archive in home.archives:
            self.archives.setdefault((archive.year, archive.month), archive)
        months = self._incomplete()
        if home.older:
            if self._all_counted() and self.page_size:
                total = sum(a.count or 0 for a in self.archives.values())
                remaining = max(total - sum(self.found.values()), 0)
                if len(months) < math.ceil(remaining / self.page_size):
                    return self._take_months(months)
            self.chain_pages += 1
            return [(home.older, CHAIN)]
        if any(a.count is not None for a in self.archives.values()):
            return self._take_months(months)
        # No chain and no counts: every month page the widget shows.
        return self._take_months(sorted(self.archives.values(), key=lambda a: (a.year, a.month)))

    def chain_page(self, page: ListingPage | None, new_posts: int) -> list[tuple[str, str]]:
        """After an Older Posts page (None: it failed): the next one, or the top-up."""
        counts_met = self._all_counted() and not self._incomplete()
        if page is not None and new_posts and page.older and not counts_met:
            self.chain_pages += 1
            return [(page.older, CHAIN)]
        return self.top_up(broken=page is None)

    def month_page(self, page: ListingPage | None, archive_url: str) -> list[tuple[str, str]]:
        """After a month page: its own older page while the month is still short of its count."""
        if page is None or not page.older:
            return []
        archive = next((a for a in self.archives.values() if a.url == archive_url), None)
        if archive is None or archive.count is None:
            return []
        if self.found[(archive.year, archive.month)] >= archive.count:
            return []
        return [(page.older, MONTH)]

    def short_months(
        self, home: ListingPage, since: tuple[int, int] | None = None
    ) -> list[tuple[str, str]]:
        """After feeds or sitemaps listed the posts: the month pages of the months the home
        page's archive widget counts more posts in than they listed (none when the counts add
        up, or when the widget shows no counts), no older than ``since`` (year, month)."""
        for archive in home.archives:
            if since is None or (archive.year, archive.month) >= since:
                self.archives.setdefault((archive.year, archive.month), archive)
        return self.top_up()

    def top_up(self, *, broken: bool = False) -> list[tuple[str, str]]:
        """Months the widget counts more posts in than were found; on a broken chain without
        counts, every month not fetched yet."""
        if self.topped_up:
            return []
        self.topped_up = True
        months = self._incomplete()
        if broken and not any(a.count is not None for a in self.archives.values()):
            months = [a for k, a in self.archives.items() if k not in self.fetched_months]
        return self._take_months(months)
