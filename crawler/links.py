"""Find what a page links to (pages to follow) and what it needs (requisites to fetch).

Requisites are what a browser loads to render the page: stylesheets, images (``src``,
``srcset``, lazy ``data-src``), scripts, fonts and images named in CSS ``url()``, iframes,
media. One lxml pass per page; URLs are made absolute and stripped of fragments here, so the
spider can drop already-seen ones before it builds any Request (the expensive part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(['"])([^'"]+)\1""", re.IGNORECASE)
# content="0; url='/next.html'", "5;URL=/x", "3, /x": a delay, then the URL (quotes optional).
META_REFRESH = re.compile(
    r"""\s*+[\d.]*+\s*+[;,]?+\s*+(?:url\s*=\s*)?+(['"]?)(.+?)\1\s*$""", re.IGNORECASE | re.DOTALL
)
SKIP_SCHEMES = ("javascript:", "mailto:", "data:", "tel:", "about:", "#", "blob:")

# rel values are case-insensitive in HTML; XPath 1.0 lower-cases only by translate().
_REL = "concat(' ', translate(normalize-space(@rel), 'ACEHIKLMNOPRSTY', 'acehiklmnoprsty'), ' ')"
REQUISITE_XPATH = (
    f"//link[contains({_REL}, ' stylesheet ') or contains({_REL}, 'icon')"
    f" or contains({_REL}, ' preload ') or contains({_REL}, ' modulepreload ')"
    f" or contains({_REL}, ' manifest ')]/@href"
    " | //img/@src | //img/@data-src | //img/@data-lazy-src | //img/@data-original"
    " | //script/@src | //iframe/@src | //frame/@src | //embed/@src | //object/@data"
    " | //video/@src | //video/@poster | //audio/@src | //source/@src | //track/@src"
    " | //input[@type='image']/@src | //body/@background | //table/@background"
)
SRCSET_XPATH = (
    "//img/@srcset | //source/@srcset | //img/@data-srcset | //source/@data-srcset"
    f" | //link[contains({_REL}, ' preload ')]/@imagesrcset"
)

# Compiled once (lxml would compile each expression again on every page), returning plain
# strings: lxml's default "smart" strings each build a Python proxy of their parent element.
_BASE = etree.XPath("string(//base/@href)", smart_strings=False)
_PAGES = etree.XPath("//a/@href | //area/@href", smart_strings=False)
_REQUISITES = etree.XPath(REQUISITE_XPATH, smart_strings=False)
_SRCSETS = etree.XPath(SRCSET_XPATH, smart_strings=False)
_STYLES = etree.XPath("//style/text() | //@style", smart_strings=False)
# The <meta> elements that matter here: http-equiv refresh, and robots (or reftrail) by name.
_META = etree.XPath("//meta[@http-equiv or @name]")
ROBOTS_TOKENS = re.compile(r"[\s,]+")


@dataclass(slots=True)
class PageLinks:
    """Absolute, fragment-free URLs found on one page."""

    pages: list[str] = field(default_factory=list)
    requisites: list[str] = field(default_factory=list)
    # The page asks robots not to follow its links (meta robots nofollow or none).
    nofollow: bool = False


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"


def _absolute(base: str, value: str, origin: str) -> str | None:
    """Absolute URL without fragment, or None for links that are not http(s).

    Most links on a page are absolute or root-relative; those skip ``urljoin`` (the costly
    part of link extraction) unless they hold dot-segments only ``urljoin`` resolves.
    """
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value.partition("#")[0]
    if value[:8].lower().startswith(("http://", "https://")):  # HTTP://, Https://
        scheme, _, rest = value.partition(":")
        return f"{scheme.lower()}:{rest.partition('#')[0]}"
    if value.startswith("/") and not value.startswith("//") and "/." not in value:
        return origin + value.partition("#")[0]
    if not value or value[:11].lower().startswith(SKIP_SCHEMES):
        return None
    try:
        url = urljoin(base, value).partition("#")[0]
    except ValueError:  # "//[oops": one broken link must not cost the page's others
        return None
    return url if url.startswith(("http://", "https://")) else None


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset``, parsed as browsers do (HTML's "parse a srcset attribute").

    A candidate's URL runs to the next whitespace, so it may hold commas (image CDNs write
    ``/w_300,h_200/a.jpg``, lazy loaders put ``data:image/gif;base64,...`` there); a comma
    ends a candidate only after its URL, outside parentheses in its descriptors.
    """
    urls: list[str] = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")  # a candidate without descriptors
        else:
            pos = _end_of_descriptors(value, pos)
        if url:
            urls.append(url)
    return urls


def _end_of_descriptors(value: str, pos: int) -> int:
    """The position after the comma that ends a candidate's descriptors (or the end)."""
    depth = 0
    while pos < len(value):
        char = value[pos]
        pos += 1
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            break
    return pos


def meta_refresh_url(content: str) -> str | None:
    """The URL of a ``<meta http-equiv="refresh" content="5; url=...">``, if it names one."""
    match = META_REFRESH.match(content)
    return match.group(2).strip().strip("'\"") or None if match else None


def css_urls(text: str) -> list[str]:
    """URLs a stylesheet loads: ``url(...)`` values and ``@import "..."``."""
    found = [m.group(2) for m in CSS_URL.finditer(text)]
    found += [m.group(2) for m in CSS_IMPORT.finditer(text)]
    return [u for u in found if not u.strip().lower().startswith("data:")]


def _unique(urls: list[str | None]) -> list[str]:
    return [u for u in dict.fromkeys(urls) if u]


def html_links(selector: Selector, base_url: str) -> PageLinks:
    """Links and requisites of an HTML page (honours ``<base href>``).

    Compiled XPath runs on the lxml root, not through parsel: parsel wraps every attribute it finds
    in a Selector object, which costs more than the search itself on link-heavy pages.
    """
    root = selector.root
    base_href = str(_BASE(root))
    base = urljoin(base_url, base_href) if base_href else base_url
    origin = _origin(base)
    pages = [_absolute(base, href, origin) for href in _PAGES(root)]
    # A meta refresh is a link the browser follows by itself (Scrapy's MetaRefreshMiddleware
    # is off in site crawls: it would hide the page's own links and loop on self-refreshes).
    refreshes, robots = _meta_directives(root)
    refresh = [meta_refresh_url(content) for content in refreshes]
    pages += [_absolute(base, url, origin) for url in refresh if url]
    requisites = [_absolute(base, src, origin) for src in _REQUISITES(root)]
    for srcset in _SRCSETS(root):
        requisites += [_absolute(base, u, origin) for u in srcset_urls(srcset)]
    for css in _STYLES(root):
        requisites += [_absolute(base, u, origin) for u in css_urls(css)]
    return PageLinks(
        pages=_unique(pages), requisites=_unique(requisites), nofollow=_asks_nofollow(robots)
    )


def _meta_directives(root: etree._Element) -> tuple[list[str], list[str]]:
    """The contents of a page's meta refreshes and of its meta robots, in one pass."""
    refreshes, robots = [], []
    for meta in _META(root):
        content = meta.get("content") or ""
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            refreshes.append(content)
        elif (meta.get("name") or "").strip().lower() in ("robots", "reftrail"):
            robots.append(content)
    return refreshes, robots


def _asks_nofollow(robots: list[str]) -> bool:
    for content in robots:
        tokens = set(ROBOTS_TOKENS.split(content.strip().lower()))
        if tokens & {"nofollow", "none"}:
            return True
    return False


def stylesheet_links(text: str, base_url: str) -> list[str]:
    origin = _origin(base_url)
    return _unique([_absolute(base_url, u, origin) for u in css_urls(text)])
