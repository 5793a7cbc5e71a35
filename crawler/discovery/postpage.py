"""A post page's own metadata and body region: what the post is, apart from the template.

The body region is Blogger's ``.post-body``, WordPress's ``.entry-content``, an ``<article>``
or, failing all, trafilatura's main content. Dates come from the page's markup
(``abbr.published``, ``time[datetime]``, ``article:published_time``), with htmldate as the
fallback; feeds, when they list the post, are preferred by the spider.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from crawler.discovery.dates import parse_date

logger = logging.getLogger(__name__)

BODY_SELECTORS = (
    ".post-body",
    ".entry-content",
    ".post-content",
    "article .content",
    "[itemprop~='articleBody']",
    "article",
)
WHITESPACE = re.compile(r"\s+")


@dataclass(slots=True)
class PostPage:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    labels: list[str] = field(default_factory=list)
    comment_count: int | None = None
    body_html: str | None = None
    body_text: str | None = None
    canonical: str | None = None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return WHITESPACE.sub(" ", text).strip() or None


def _first(selector: Selector, *queries: str) -> str | None:
    for query in queries:
        value = selector.xpath(query).get() if query.startswith("/") else None
        if value is None and not query.startswith("/"):
            value = selector.css(query).get()
        if value and value.strip():
            return value.strip()
    return None


def _body_text(region: Selector) -> str | None:
    parts = region.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    ).getall()
    blocks = " ".join(parts)
    return _clean(blocks)


def extract_post(html: str, url: str) -> PostPage:
    """Metadata and body region of a single-post page."""
    selector = Selector(text=html or "<html></html>")
    page = PostPage()
    page.canonical = selector.xpath("//link[@rel='canonical']/@href").get()
    page.title = _clean(
        _first(
            selector,
            "//h3[contains(@class,'post-title')]//text()[normalize-space()]",
            "//h1[contains(@class,'entry-title')]//text()[normalize-space()]",
            "//h2[contains(@class,'entry-title')]//text()[normalize-space()]",
            "//meta[@property='og:title']/@content",
            "//article//h1//text()[normalize-space()]",
            "//title/text()",
        )
    )
    authors = selector.xpath(
        "//*[contains(@class,'post-author')]//*[contains(@class,'fn')]//text()"
        " | //*[contains(@class,'post-author')]//*[@itemprop='name']/text()"
        " | //*[contains(@class,'entry-meta') or contains(@class,'byline')]"
        "//*[contains(@class,'author')]//a/text()"
        " | //meta[@name='author']/@content"
    ).getall()
    page.authors = list(dict.fromkeys(a for a in (_clean(x) for x in authors) if a))
    page.published = parse_date(
        _first(
            selector,
            "//abbr[contains(@class,'published')]/@title",
            "//meta[@property='article:published_time']/@content",
            "//*[@itemprop='datePublished']/@content",
            "//time[contains(@class,'published') or contains(@class,'entry-date')]/@datetime",
            "//time/@datetime",
        )
    )
    page.updated = parse_date(
        _first(
            selector,
            "//meta[@property='article:modified_time']/@content",
            "//*[@itemprop='dateModified']/@content",
            "//time[contains(@class,'updated')]/@datetime",
        )
    )
    labels = selector.xpath(
        "//*[contains(@class,'post-labels')]//a/text()"
        " | //a[@rel='tag']/text() | //a[contains(@rel,'category')]/text()"
    ).getall()
    page.labels = list(dict.fromkeys(lab for lab in (_clean(x) for x in labels) if lab))
    count = _first(
        selector,
        "//*[contains(@class,'comment-count')]/@data-count",
        "//*[@itemprop='commentCount']/@content",
    )
    if count and count.isdigit():
        page.comment_count = int(count)
    for query in BODY_SELECTORS:
        region = selector.css(query)
        if region:
            page.body_html = region[0].get()
            page.body_text = _body_text(region[0])
            break
    if page.body_html is None:
        page.body_text, page.body_html = _trafilatura(html, url)
    if page.published is None:
        page.published = _htmldate(html)
    return page


def _trafilatura(html: str, url: str) -> tuple[str | None, str | None]:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - a declared dependency
        return None, None
    text = trafilatura.extract(html, url=url, include_comments=False)
    region = trafilatura.extract(html, url=url, output_format="html", include_comments=False)
    return _clean(text), region


def _htmldate(html: str) -> datetime | None:
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover
        return None
    found = find_date(html, extensive_search=False, outputformat="%Y-%m-%dT%H:%M:%S")
    return parse_date(found) if found else None
