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
SKIP_SCHEMES = ("javascript:", "mailto:", "data:", "tel:", "about:", "#", "blob:")

# rel values are case-insensitive in HTML; XPath 1.0 lower-cases only by translate().
_REL = "concat(' ', translate(normalize-space(@rel), 'ACEHIKLMNOPRSTY', 'acehiklmnoprsty'), ' ')"
REQUISITE_XPATH = (
    f"//link[contains({_REL}, ' stylesheet ') or contains({_REL}, 'icon')"
    f" or contains({_REL}, ' preload ') or contains({_REL}, ' manifest ')]/@href"
    " | //img/@src | //img/@data-src | //img/@data-lazy-src | //img/@data-original"
    " | //script/@src | //iframe/@src | //frame/@src | //embed/@src | //object/@data"
    " | //video/@src | //video/@poster | //audio/@src | //source/@src | //track/@src"
    " | //input[@type='image']/@src | //body/@background | //table/@background"
)
SRCSET_XPATH = "//img/@srcset | //source/@srcset | //img/@data-srcset"

# Compiled once (lxml would compile each expression again on every page), returning plain
# strings: lxml's default "smart" strings each build a Python proxy of their parent element.
_BASE = etree.XPath("string(//base/@href)", smart_strings=False)
_PAGES = etree.XPath("//a/@href | //area/@href", smart_strings=False)
_REQUISITES = etree.XPath(REQUISITE_XPATH, smart_strings=False)
_SRCSETS = etree.XPath(SRCSET_XPATH, smart_strings=False)
_STYLES = etree.XPath("//style/text() | //@style", smart_strings=False)


@dataclass(slots=True)
class PageLinks:
    """Absolute, fragment-free URLs found on one page."""

    pages: list[str] = field(default_factory=list)
    requisites: list[str] = field(default_factory=list)


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
    url = urljoin(base, value).partition("#")[0]
    return url if url.startswith(("http://", "https://")) else None


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (comma-separated "url descriptor" candidates)."""
    urls = []
    for candidate in value.split(","):
        parts = candidate.strip().split()
        if parts:
            urls.append(parts[0])
    return urls


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
    requisites = [_absolute(base, src, origin) for src in _REQUISITES(root)]
    for srcset in _SRCSETS(root):
        requisites += [_absolute(base, u, origin) for u in srcset_urls(srcset)]
    for css in _STYLES(root):
        requisites += [_absolute(base, u, origin) for u in css_urls(css)]
    return PageLinks(pages=_unique(pages), requisites=_unique(requisites))


def stylesheet_links(text: str, base_url: str) -> list[str]:
    origin = _origin(base_url)
    return _unique([_absolute(base_url, u, origin) for u in css_urls(text)])
