"""Sitemaps (urlset and sitemap index, gzipped or not) and robots.txt ``Sitemap:`` lines."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from crawler.discovery.dates import parse_date
from crawler.discovery.entries import ListedPost

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# A sitemap may be at most 50 MB uncompressed (sitemaps.org); more is a bomb or a mistake.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


@dataclass(slots=True)
class Sitemap:
    """A parsed sitemap: the pages it lists (urlset) or the sitemaps it points to (index)."""

    pages: list[ListedPost] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    ok: bool = True


def _gunzip(body: bytes) -> bytes | None:
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, MAX_SITEMAP_BYTES)
    except (zlib.error, gzip.BadGzipFile):
        return None
    return out


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """Parse a sitemap; gzipped bodies (``.xml.gz`` served as is) are inflated first."""
    raw = _gunzip(body)
    if raw is None:
        return Sitemap(ok=False)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(raw.strip() or b"<x/>", parser)
    except etree.XMLSyntaxError:
        return Sitemap(ok=False)
    if root is None:
        return Sitemap(ok=False)
    local = etree.QName(root).localname
    result = Sitemap()
    if local == "sitemapindex":
        for loc in root.iter(f"{SITEMAP_NS}loc", "loc"):
            if loc.text and loc.text.strip():
                result.sitemaps.append(urljoin(base_url, loc.text.strip()))
    elif local == "urlset":
        for url in root.iter(f"{SITEMAP_NS}url", "url"):
            loc = url.find(f"{SITEMAP_NS}loc")
            if loc is None:
                loc = url.find("loc")
            if loc is None or not loc.text or not loc.text.strip():
                continue
            lastmod = url.find(f"{SITEMAP_NS}lastmod")
            if lastmod is None:
                lastmod = url.find("lastmod")
            result.pages.append(
                ListedPost(
                    url=urljoin(base_url, loc.text.strip()),
                    source="sitemap",
                    updated=parse_date(lastmod.text if lastmod is not None else None),
                )
            )
    else:
        result.ok = False
    return result


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt (they apply whatever the user-agent group)."""
    found = []
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(base_url, value.strip()))
    return list(dict.fromkeys(found))
