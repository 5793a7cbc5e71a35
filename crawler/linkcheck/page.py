"""What a checked page looks like, as plain facts the verdicts judge: structure before words.

Title, headings, visible text, links (on-site, off-site, with query strings) and markers of a
challenge (captcha widgets, challenge forms and scripts) are read from the HTML with parsel;
no judgement is made here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

# Attribute values (id, class, src, action, name) that challenge pages and captcha widgets use.
CHALLENGE_ATTR = re.compile(
    r"captcha|recaptcha|hcaptcha|turnstile|cf-chl|challenge-(?:form|platform|running)|"
    r"bot-?check|px-captcha|ddos-guard",
    re.I,
)
# Attribute values of ad and domain-parking widgets.
AD_ATTR = re.compile(r"\bads?\b|adsense|adslot|sponsored|parking|parked|domain-?sale", re.I)
SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class PageFacts:
    """Structure of one HTML page."""

    title: str = ""
    headings: tuple[str, ...] = ()
    text: str = ""  # visible text, whitespace collapsed
    words: int = 0
    links: int = 0
    offsite_links: int = 0
    query_links: int = 0  # on-site links that only carry a query (related-search farms)
    challenge: bool = False
    ad_markers: int = 0
    forms: int = 0


def _clean(text: str) -> str:
    return SPACE.sub(" ", text).strip()


def page_facts(html: str, url: str) -> PageFacts:
    """Read the structure of ``html`` fetched from ``url``."""
    selector = Selector(text=html or "<html></html>")
    title = _clean(" ".join(selector.css("title::text").getall()))
    headings = tuple(
        h for h in (_clean(" ".join(e.css("::text").getall())) for e in selector.css("h1, h2")) if h
    )
    body_text = selector.xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style) "
        "and not(ancestor::noscript) and not(ancestor::template)]"
    ).getall()
    text = _clean(" ".join(body_text))
    host = (urlsplit(url).hostname or "").lower()
    links = offsite = query = 0
    for href in selector.css("a::attr(href)").getall():
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        target = urlsplit(urljoin(url, href))
        links += 1
        if (target.hostname or "").lower() != host:
            offsite += 1
        elif target.query and target.path in ("", "/"):
            query += 1
    attributes = " ".join(
        selector.xpath(
            "//@id | //@class | //script/@src | //iframe/@src | //form/@action"
            " | //div/@data-sitekey"
        ).getall()
    )
    return PageFacts(
        title=title,
        headings=headings,
        text=text,
        words=len(text.split()),
        links=links,
        offsite_links=offsite,
        query_links=query,
        challenge=bool(CHALLENGE_ATTR.search(attributes)),
        ad_markers=len(AD_ATTR.findall(attributes)),
        forms=len(selector.css("form")),
    )
