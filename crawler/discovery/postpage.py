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
from typing import Any

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
WORD_SPLIT = re.compile(r"[-_\s]+")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Elements whose start and end separate words; everything else (a, i, b, span...) is inline.
BLOCK_TAGS = _names(
    """address article aside blockquote br dd details div dl dt figcaption figure footer form
    h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th
    thead tr ul"""
)
SKIP_TEXT_TAGS = _names("script style noscript template")
# Class or id words (split at - and _) of widgets that themes put inside a post's region.
WIDGET_WORDS = _names(
    """yarpp relatedposts related crp sharedaddy sharethis addtoany addthis a2a jp
    sharing"""
)


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


def _widget(element: Any) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return bool(WIDGET_WORDS.intersection(w for w in WORD_SPLIT.split(names) if w))


def _body_text(region: Selector) -> str | None:
    """The region's text as a reader sees it: inline markup joins words and punctuation
    (``<i>Code</i>,`` is ``Code,``), blocks and ``<br>`` separate them; scripts, styles and
    related-post or share widgets inside the region are left out."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag and tag not in SKIP_TEXT_TAGS and not _widget(element):
            block = tag in BLOCK_TAGS
            if block:
                parts.append(" ")
            if element.text:
                parts.append(element.text)
            for child in element:
                walk(child)
            if block:
                parts.append(" ")
        if element.tail:
            parts.append(element.tail)

    root: Any = region.root
    if not hasattr(root, "iterchildren"):  # not an element (a text or attribute result)
        return _clean(region.xpath("string()").get())
    saved, root.tail = root.tail, None  # the region ends where its element ends
    try:
        walk(root)
    finally:
        root.tail = saved
    return _clean("".join(parts))


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
