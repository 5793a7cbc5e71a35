"""HTML listing pages (a blog's home, "Older Posts" pages, date archives): the posts they show,
the link to the next older page, and the archive widget's date archives with their counts.

These are the fallback when a blog answers no feed, API or sitemap. Posts are the permalinks a
listing heads each entry with (``.post-title a``, ``.entry-title a``, ``rel="bookmark"``,
``article h2 a``) or, on Blogger, any link shaped like a permalink; the archive widget is
Blogger's ``BlogArchive`` or WordPress's ``widget_archive``: links (or, in the dropdown
style, ``<option>`` values) to ``/YYYY/MM/`` pages (``/?m=YYYYMM`` on WordPress's plain
permalinks) with "(n)" beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.discovery.canonical import FRONT_PATHS, canonical_url, is_post_candidate
from crawler.discovery.dates import parse_date
from crawler.discovery.entries import ListedPost
from crawler.scope import host_of

BLOGGER_PERMALINK = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
DATE_ARCHIVE = re.compile(r"^/(?P<year>\d{4})/(?P<month>\d{2})/?$")
PLAIN_MONTH = re.compile(r"m=(\d{4})(\d{2})")
COUNT = re.compile(r"\(\s*(\d[\d,.\s]*)\s*\)")
HEADINGS = (
    ".post-title a",
    ".entry-title a",
    "a[rel~='bookmark']",
    "article h1 a",
    "article h2 a",
    "article h3 a",
)
OLDER_SELECTORS = (
    "a.blog-pager-older-link",
    ".nav-previous a",
    ".nav-links a.next",
    "a.next.page-numbers",
    "a[rel~='next']",
    "link[rel~='next']",
)
OLDER_WORDS = ("older posts", "older entries", "older articles", "next page", "previous posts")


@dataclass(slots=True)
class DateArchive:
    """One month of the archive widget: its page and how many posts the widget says it has."""

    url: str
    year: int
    month: int
    count: int | None = None


@dataclass(slots=True)
class ListingPage:
    """What one listing page shows."""

    posts: list[ListedPost] = field(default_factory=list)
    older: str | None = None
    archives: list[DateArchive] = field(default_factory=list)


def _same_site(url: str, base_url: str) -> bool:
    return host_of(url) == host_of(base_url)


def _is_permalink(url: str, blogger: bool) -> bool:
    path = urlsplit(url).path
    if blogger:
        return bool(BLOGGER_PERMALINK.match(path))
    return is_post_candidate(url) and not DATE_ARCHIVE.match(path)


def _entry_post(entry: Selector, url: str) -> ListedPost:
    """A post as its listing entry shows it: title, date and labels when marked up."""
    title = " ".join(
        " ".join(entry.css(".post-title ::text, .entry-title ::text").getall()).split()
    )
    stamp = entry.css(
        "abbr.published::attr(title), time.published::attr(datetime), "
        "time.entry-date::attr(datetime), time[datetime]::attr(datetime)"
    ).get()
    labels = [t.strip() for t in entry.css("a[rel~='tag']::text").getall() if t.strip()]
    return ListedPost(
        url=url,
        source="page",
        title=title or None,
        published=parse_date(stamp),
        labels=list(dict.fromkeys(labels)),
    )


def _posts(selector: Selector, base_url: str, blogger: bool) -> list[ListedPost]:
    found: dict[str, ListedPost] = {}
    for entry in selector.css(".hentry, article, .post, .blog-post"):
        for href in entry.css(", ".join(f"{s}::attr(href)" for s in HEADINGS)).getall():
            url = canonical_url(urljoin(base_url, href.strip()))
            if _same_site(url, base_url) and _is_permalink(url, blogger) and url not in found:
                found[url] = _entry_post(entry, url)
                break
    links = selector.css(", ".join(f"{s}::attr(href)" for s in HEADINGS)).getall()
    if blogger:  # templates vary; Blogger permalinks do not
        links += selector.css(".blog-posts a::attr(href), .hfeed a::attr(href)").getall()
    for href in links:
        url = canonical_url(urljoin(base_url, href.strip()))
        if _same_site(url, base_url) and _is_permalink(url, blogger) and url not in found:
            found[url] = ListedPost(url=url, source="page")
    return list(found.values())


def _older(selector: Selector, base_url: str) -> str | None:
    for css in OLDER_SELECTORS:
        href = selector.css(f"{css}::attr(href)").get()
        if href and href.strip():
            return urljoin(base_url, href.strip())
    for link in selector.css("a[href]"):
        text = " ".join(" ".join(link.css("::text").getall()).split()).lower()
        if any(word in text for word in OLDER_WORDS):
            return urljoin(base_url, link.attrib["href"].strip())
    return None


def _count(text: str) -> int | None:
    match = COUNT.search(text)
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return int(digits) if digits else None


def _month(url: str, base_url: str) -> tuple[int, int] | None:
    """The month a date-archive URL shows: ``/2011/05/``, or ``/?m=201105`` on WordPress's
    plain permalinks; None for any other URL."""
    if not _same_site(url, base_url):
        return None
    parts = urlsplit(url)
    match = DATE_ARCHIVE.match(parts.path)
    if match and not parts.query:
        return int(match["year"]), int(match["month"])
    plain = PLAIN_MONTH.fullmatch(parts.query)
    if plain and parts.path in FRONT_PATHS:
        return int(plain[1]), int(plain[2])
    return None


def _archives(selector: Selector, base_url: str) -> list[DateArchive]:
    found: dict[str, DateArchive] = {}
    for link in selector.css("a[href]"):
        url = urljoin(base_url, link.attrib["href"].strip())
        month = _month(url, base_url)
        if month is None:
            continue
        # The count sits beside the link: Blogger's span.post-count, WordPress's "&nbsp;(n)".
        item = link.xpath("./ancestor::li[1]")
        count = None
        if item:
            own = "".join(
                item[0].xpath("./text() | ./span[contains(@class,'post-count')]//text()").getall()
            )
            count = _count(own)
        found.setdefault(url, DateArchive(url, *month, count))
    # The widget's dropdown style: <option value="/2011/05/">May 2011 (3)</option>.
    for option in selector.css("option[value]"):
        url = urljoin(base_url, option.attrib["value"].strip())
        month = _month(url, base_url)
        if month is not None:
            count = _count("".join(option.css("::text").getall()))
            found.setdefault(url, DateArchive(url, *month, count))
    return list(found.values())


def parse_listing(text: str, base_url: str, *, blogger: bool = False) -> ListingPage:
    """Parse one listing page; never raises on odd markup."""
    selector = Selector(text=text or "<html></html>")
    return ListingPage(
        posts=_posts(selector, base_url, blogger),
        older=_older(selector, base_url),
        archives=_archives(selector, base_url),
    )
