"""Which blog platform a site runs, judged from its home page (generator meta, API links,
feed links and markup), never from its host name."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from parsel import Selector

BLOGGER, WORDPRESS, GENERIC = "blogger", "wordpress", "generic"
FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/feed+json")


@dataclass(slots=True)
class Platform:
    """What the home page tells: the platform (None: not a blog), its feeds, its title."""

    name: str | None
    feeds: list[str] = field(default_factory=list)
    api: str | None = None  # WordPress REST API root
    title: str | None = None


def feed_links(selector: Selector, base_url: str) -> list[str]:
    """Feed autodiscovery: ``<link rel="alternate" type="application/atom+xml" href=...>``,
    leaving out comment feeds."""
    found = []
    for link in selector.xpath("//link[@href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        href = link.attrib["href"].strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = urljoin(base_url, href)
            if "comments" not in url.lower():
                found.append(url)
    return list(dict.fromkeys(found))


def detect(body_text: str, base_url: str, headers: dict[str, str] | None = None) -> Platform:
    """Detect the platform of the page at ``base_url`` (normally the home page)."""
    selector = Selector(text=body_text or "<html></html>")
    generator = " ".join(selector.xpath("//meta[@name='generator']/@content").getall()).lower()
    feeds = feed_links(selector, base_url)
    title = (selector.xpath("//title/text()").get() or "").strip() or None
    api = selector.xpath("//link[@rel='https://api.w.org/']/@href").get()
    link_header = (headers or {}).get("link", "")
    if not api and 'rel="https://api.w.org/"' in link_header:
        api = link_header.split(">", 1)[0].lstrip("<").strip()
    markup = body_text[:200_000]
    if (
        "blogger" in generator
        or "www.blogger.com/feeds/" in markup
        or "blogger.com/static" in markup
    ):
        return Platform(BLOGGER, feeds, None, title)
    if "wordpress" in generator or api or "/wp-content/" in markup:
        api_root = urljoin(base_url, api) if api else urljoin(base_url, "/wp-json/")
        return Platform(WORDPRESS, feeds, api_root, title)
    if feeds:
        return Platform(GENERIC, feeds, None, title)
    return Platform(None, [], None, title)


def wp_api_url(api_root: str, route: str, query: str) -> str:
    """A WordPress REST API route under the root the blog advertises: ``/wp-json/`` on
    pretty permalinks, ``/?rest_route=/`` on plain ones (where ``/wp-json/`` answers 404)."""
    parts = urlsplit(api_root)
    if any(key == "rest_route" for key, _ in parse_qsl(parts.query)):
        return urlunsplit(
            (parts.scheme, parts.netloc, parts.path, f"rest_route=/{route}&{query}", "")
        )
    base = api_root if api_root.endswith("/") else api_root + "/"
    return urljoin(base, f"{route}?{query}")


def wp_feed_url(platform: Platform, root: str, page: int) -> str:
    """Page ``page`` of a WordPress blog's posts feed: ``/feed/?paged=N``, or on plain
    permalinks the advertised ``/?feed=rss2`` with ``&paged=N``."""
    for feed in platform.feeds:
        query = dict(parse_qsl(urlsplit(feed).query))
        if query.get("feed", "").startswith(("rss", "atom")) and "comments" not in feed:
            return f"{feed}&paged={page}"
    return urljoin(root, f"/feed/?paged={page}")
