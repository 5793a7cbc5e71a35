"""Atom and RSS feeds, and WordPress's REST API listing: posts and how to page on.

Parsed with lxml in recovering mode, so a truncated or malformed feed still yields the entries
that arrived whole. Blogger extensions are read too: ``thr:total`` (comment count) and
OpenSearch ``totalResults``/``startIndex``/``itemsPerPage``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from crawler.discovery.dates import parse_date, wordpress_date
from crawler.discovery.entries import ListedPost

logger = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
THREAD = "{http://purl.org/syndication/thread/1.0}"
OPENSEARCH = ("{http://a9.com/-/spec/opensearchrss/1.0/}", "{http://a9.com/-/spec/opensearch/1.1/}")
DC = "{http://purl.org/dc/elements/1.1/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
RSS1 = "{http://purl.org/rss/1.0/}"


@dataclass(slots=True)
class FeedPage:
    """One page of a feed: its posts, and what it says about the rest."""

    posts: list[ListedPost] = field(default_factory=list)
    next_url: str | None = None
    total: int | None = None
    start_index: int | None = None
    per_page: int | None = None
    generator: str | None = None
    ok: bool = True  # False when nothing parsed (not a feed, or garbage)


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def parse_feed(body: bytes, base_url: str) -> FeedPage:
    """Parse an Atom or RSS document; never raises on bad input."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body.strip() or b"<x/>", parser)
    except etree.XMLSyntaxError:
        return FeedPage(ok=False)
    if root is None:
        return FeedPage(ok=False)
    if root.tag == f"{ATOM}feed":
        return _atom(root, base_url)
    if root.tag in ("rss", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"):
        return _rss(root, base_url)
    return FeedPage(ok=False)


def _opensearch(root: etree._Element, name: str) -> int | None:
    for ns in OPENSEARCH:
        value = _int(_text(root.find(f"{ns}{name}")))
        if value is not None:
            return value
    return None


def _atom(root: etree._Element, base_url: str) -> FeedPage:
    page = FeedPage(
        total=_opensearch(root, "totalResults"),
        start_index=_opensearch(root, "startIndex"),
        per_page=_opensearch(root, "itemsPerPage"),
        generator=_text(root.find(f"{ATOM}generator")),
    )
    for link in root.findall(f"{ATOM}link"):
        if link.get("rel") == "next" and link.get("href"):
            page.next_url = urljoin(base_url, link.get("href", ""))
    for entry in root.iter(f"{ATOM}entry"):
        url = None
        for link in entry.findall(f"{ATOM}link"):
            rel, kind = link.get("rel", "alternate"), link.get("type") or "text/html"
            if rel == "alternate" and link.get("href") and kind.startswith("text/html"):
                url = urljoin(base_url, link.get("href", ""))
                break
        if url is None:
            continue
        count = _int(_text(entry.find(f"{THREAD}total")))
        page.posts.append(
            ListedPost(
                url=url,
                source="feed",
                title=_text(entry.find(f"{ATOM}title")),
                authors=[
                    name
                    for a in entry.findall(f"{ATOM}author")
                    if (name := _text(a.find(f"{ATOM}name")))
                ],
                published=parse_date(_text(entry.find(f"{ATOM}published"))),
                updated=parse_date(_text(entry.find(f"{ATOM}updated"))),
                labels=[
                    c.get("term", "")
                    for c in entry.findall(f"{ATOM}category")
                    if c.get("term") and "kind#" not in (c.get("term") or "")
                ],
                comment_count=count,
            )
        )
    return page


def _rss(root: etree._Element, base_url: str) -> FeedPage:
    page = FeedPage(generator=_text(root.find("channel/generator")))
    for link in root.iter(f"{ATOM}link"):
        if link.get("rel") == "next" and link.get("href"):
            page.next_url = urljoin(base_url, link.get("href", ""))
    items = list(root.iter("item")) + list(root.iter(f"{RSS1}item"))
    for item in items:
        url = _text(item.find("link")) or _text(item.find(f"{RSS1}link"))
        if not url:
            guid = item.find("guid")
            if guid is not None and guid.get("isPermaLink", "true") == "true":
                url = _text(guid)
        if not url:
            continue
        authors = [a for a in (_text(item.find(f"{DC}creator")), _text(item.find("author"))) if a]
        published = parse_date(_text(item.find("pubDate")) or _text(item.find(f"{DC}date")))
        page.posts.append(
            ListedPost(
                url=urljoin(base_url, url),
                source="feed",
                title=_text(item.find("title")) or _text(item.find(f"{RSS1}title")),
                authors=authors,
                published=published,
                updated=parse_date(_text(item.find(f"{ATOM}updated"))) or published,
                labels=[t for c in item.findall("category") if (t := _text(c))],
                comment_count=_int(_text(item.find(f"{SLASH}comments"))),
            )
        )
    return page


def parse_wp_posts(body: bytes, base_url: str) -> FeedPage:
    """A page of ``/wp-json/wp/v2/posts``: a JSON array of posts."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return FeedPage(ok=False)
    if not isinstance(data, list):
        return FeedPage(ok=False)
    page = FeedPage()
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("link"), str):
            continue
        title = item.get("title")
        embedded = item.get("_embedded") or {}
        authors = [a.get("name") for a in embedded.get("author", []) if isinstance(a, dict)]
        page.posts.append(
            ListedPost(
                url=urljoin(base_url, item["link"]),
                source="api",
                title=title.get("rendered") if isinstance(title, dict) else None,
                authors=[a for a in authors if a],
                published=wordpress_date(item.get("date"), item.get("date_gmt")),
                updated=wordpress_date(item.get("modified"), item.get("modified_gmt")),
            )
        )
    return page
