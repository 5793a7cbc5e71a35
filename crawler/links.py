"""Find what a page links to (pages to follow) and what it needs (requisites to fetch).

Requisites are what a browser loads to render the page: stylesheets, images (``src``,
``srcset``, lazy ``data-src``), scripts, fonts and images named in CSS ``url()``, iframes,
media. One lxml pass per page; URLs are made absolute and stripped of fragments here, so the
spider can drop already-seen ones before it builds any Request (the expensive part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

from parsel import Selector

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(['"])([^'"]+)\1""", re.IGNORECASE)
SKIP_SCHEMES = ("javascript:", "mailto:", "data:", "tel:", "about:", "#", "blob:")

REQUISITE_XPATH = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' stylesheet ') or "
    "contains(@rel, 'icon') or @rel='preload' or @rel='manifest']/@href"
    " | //img/@src | //img/@data-src | //img/@data-lazy-src | //img/@data-original"
    " | //script/@src | //iframe/@src | //frame/@src | //embed/@src | //object/@data"
    " | //video/@src | //video/@poster | //audio/@src | //source/@src | //track/@src"
    " | //input[@type='image']/@src | //body/@background | //table/@background"
)
SRCSET_XPATH = "//img/@srcset | //source/@srcset | //img/@data-srcset"


@dataclass(slots=True)
class PageLinks:
    """Absolute, fragment-free URLs found on one page."""

    pages: list[str] = field(default_factory=list)
    requisites: list[str] = field(default_factory=list)


def _absolute(base: str, value: str) -> str | None:
    value = value.strip()
    if not value or value.lower().startswith(SKIP_SCHEMES):
        return None
    url = urldefrag(urljoin(base, value))[0]
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
    """Links and requisites of an HTML page (honours ``<base href>``)."""
    base_href = selector.xpath("//base/@href").get()
    base = urljoin(base_url, base_href) if base_href else base_url
    pages = [_absolute(base, href) for href in selector.xpath("//a/@href | //area/@href").getall()]
    requisites = [_absolute(base, src) for src in selector.xpath(REQUISITE_XPATH).getall()]
    for srcset in selector.xpath(SRCSET_XPATH).getall():
        requisites += [_absolute(base, u) for u in srcset_urls(srcset)]
    inline_css = selector.xpath("//style/text() | //@style").getall()
    for css in inline_css:
        requisites += [_absolute(base, u) for u in css_urls(css)]
    return PageLinks(pages=_unique(pages), requisites=_unique(requisites))


def stylesheet_links(text: str, base_url: str) -> list[str]:
    return _unique([_absolute(base_url, u) for u in css_urls(text)])
