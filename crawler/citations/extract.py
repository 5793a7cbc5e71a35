"""Every citation in a post's body region: off-site links and plain-text references.

The blog spider gives the body region (Blogger ``.post-body``, WordPress ``.entry-content``,
else trafilatura's main content, see :mod:`crawler.discovery.postpage`). Inside it, what is not
the author's text is skipped: share buttons, related-post and like widgets, comment forms,
navigation, blogroll and label lists, feed and subscribe widgets, images wrapped in links.
Each link gets its anchor text, its position (document order, counted from 0) and the
reference text around it: the list item, the line (between ``<br>``) or the paragraph. Links to
the blog itself are internal references. List items and lines without a link that read like a
reference (a quoted title with an outlet or a date) are citations too, with no URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from crawler.citations.references import (
    QUOTED,
    Reference,
    clean,
    is_plain_reference,
    is_reference_like,
    parse_reference,
)
from crawler.citations.urls import CitedURL, is_share_link, normalise
from crawler.scope import host_of


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


BLOCKS = _names(
    "p li dd dt td th blockquote h1 h2 h3 h4 h5 h6 figcaption caption pre div section "
    "article ul ol dl table tr tbody thead aside header footer address center"
)
REFERENCE_BLOCKS = _names("p li dd dt td th blockquote h1 h2 h3 h4 h5 h6 figcaption pre")
LIST_ITEMS = _names("li dd dt")
SKIP_TAGS = _names(
    "nav aside form footer script style noscript iframe button select textarea input svg "
    "template object embed video audio canvas"
)
# Class or id words (split at - and _) of widgets inside a body region that are not the post.
SKIP_WORDS = _names(
    """share sharing sharedaddy sharethis social addthis addtoany a2a relatedposts related
    yarpp crp comment comments respond reply blogroll linklist widget sidebar nav navbar
    navigation menu breadcrumb breadcrumbs labels tags tagcloud categories feed feeds rss
    subscribe subscription follow newsletter footer signature likes reactions jp sd pinit
    printfriendly wpcnt postshare sociable shareaholic heateor sassy mashsb ssba"""
)
IMAGE_PATH = re.compile(r"\.(?:jpe?g|png|gif|webp|bmp|svg|tiff?|avif|heic)(?:$|[?#])", re.I)
IMAGE_HOSTS = re.compile(r"(?:^|\.)(?:bp\.blogspot\.com|blogger\.googleusercontent\.com)$", re.I)
FEED_PATH = re.compile(r"(?:/feeds?/|\.rss$|\.atom$|[?&]feed=|/rss/?$|/atom/?$)", re.I)
MIN_QUOTE_WORDS = 4
# A paragraph that is one reference starts with its title in quotes or "Last, First".
REFERENCE_START = re.compile(
    r"^(?:[\"“„«「‘]|[A-ZÀ-Þ][\w'’-]+,\s+[A-ZÀ-Þ]|[A-ZÀ-Þ][\w .&'’-]{1,60},\s*[\"“„«])"
)
WHITESPACE = re.compile(r"\s+")
WORD_SPLIT = re.compile(r"[-_\s]+")


@dataclass(slots=True)
class FoundCitation:
    """One citation in a post: a link (``href`` set) or a plain-text reference."""

    position: int
    href: str | None  # as written in the post
    target: CitedURL | None
    anchor_text: str | None
    reference_text: str
    context: str  # list-item, line, paragraph or plain (no link)
    internal: bool
    reference: Reference
    quotes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str | None:
        return self.target.url if self.target else None

    @property
    def key(self) -> str | None:
        return self.target.key if self.target else None


def same_blog(host: str, blog_host: str) -> bool:
    """``name.blogspot.de`` and ``name.blogspot.com`` are one blog; ``www.`` never matters."""
    a, b = host.removeprefix("www."), blog_host.lower().removeprefix("www.")
    if a == b:
        return True
    if ".blogspot." in a and ".blogspot." in b:
        return a.split(".blogspot.")[0] == b.split(".blogspot.")[0]
    return False


def _words(element: Any) -> set[str]:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return {w for w in WORD_SPLIT.split(names) if w}


def _skipped(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments, processing instructions
    tag = element.tag.lower()
    if tag in SKIP_TAGS:
        return True
    if element.get("role") in ("navigation", "complementary", "banner", "form"):
        return True
    return bool(_words(element) & SKIP_WORDS)


def _prune(root: Any) -> None:
    for element in list(root.iter()):
        if element is root or element.getparent() is None:
            continue
        if _skipped(element):
            _drop(element)


def _drop(element: Any) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:  # keep the text after the removed element
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


LINK_MARK = "\x01"


def _flatten(block: Any, target: Any | None = None, *, mark: bool = False) -> tuple[str, int, int]:
    """The block's text, ``<br>`` and inner blocks as newlines; where ``target`` sits in it.

    With ``mark``, each link (``a[href]``) starts with :data:`LINK_MARK`.
    """
    out: list[str] = []
    size = 0
    span = [0, 0]

    def add(text: str | None, *, source: bool = True) -> None:
        nonlocal size
        if text:
            if source:  # newlines in the HTML source are spaces; only <br> and blocks break
                text = WHITESPACE.sub(" ", text)
            out.append(text)
            size += len(text)

    def walk(element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if element is target:
            span[0] = size
        if tag == "br" or (tag in BLOCKS and element is not block):
            add("\n", source=False)
        if mark and tag == "a" and element.get("href") is not None:
            add(LINK_MARK, source=False)
        if tag:
            add(element.text)
            for child in element:
                walk(child)
                add(child.tail)
        if tag in BLOCKS and element is not block:
            add("\n", source=False)
        if element is target:
            span[1] = size

    walk(block)
    return "".join(out), span[0], span[1]


def _block_of(element: Any, root: Any) -> Any:
    current = element.getparent()
    while current is not None and current is not root:
        if isinstance(current.tag, str) and current.tag.lower() in REFERENCE_BLOCKS:
            return current
        if isinstance(current.tag, str) and current.tag.lower() in BLOCKS:
            return current
        current = current.getparent()
    return root


def _reference_text(link: Any, root: Any) -> tuple[str, str, Any]:
    block = _block_of(link, root)
    text, start, end = _flatten(block, link)
    tag = block.tag.lower() if isinstance(block.tag, str) else ""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : None if line_end < 0 else line_end]
    whole = clean(text)
    line = clean(line)
    if tag in LIST_ITEMS and line == whole:
        return whole, "list-item", block
    if line and line != whole:
        return line, "line", block
    return whole, "list-item" if tag in LIST_ITEMS else "paragraph", block


def _language_of(element: Any, default: str | None) -> str | None:
    """A ``lang`` on the element or an ancestor inside the post (a post in another language
    than its blog's page) wins over the page's language."""
    for node in (element, *element.iterancestors()):
        value = node.get("lang") or node.get("xml:lang")
        if value and value.strip():
            return str(value).strip().lower()
    return default


def _is_image_link(link: Any, url: str) -> bool:
    text = clean(link.text_content())
    has_image = link.find(".//img") is not None or link.find(".//picture") is not None
    if has_image and not text:
        return True
    host = host_of(url)
    return bool(IMAGE_HOSTS.search(host)) or (bool(IMAGE_PATH.search(url)) and not text)


def _quotes(text: str, title: str | None) -> list[str]:
    found = []
    for match in QUOTED.finditer(text):
        body = clean(next(v for v in match.groupdict().values() if v is not None))
        body = body.strip(" ,.;:")
        if len(body.split()) < MIN_QUOTE_WORDS:
            continue
        if title and clean(title).strip(" ,.;:").lower() == body.lower():
            continue
        found.append(body)
    return found


def _blockquotes(block: Any, root: Any) -> list[str]:
    """A blockquote holding the link, or right before or after its block."""
    found = []
    for candidate in (
        *[a for a in block.iterancestors("blockquote")],
        *([block] if block.tag == "blockquote" else []),
        block.getprevious(),
        block.getnext(),
    ):
        if candidate is not None and candidate is not root and candidate.tag == "blockquote":
            text = clean(candidate.text_content())
            if len(text.split()) >= MIN_QUOTE_WORDS and text not in found:
                found.append(text)
    return found


def _parse(text: str, anchor: str, context: str, language: str | None) -> Reference:
    # A paragraph is held to the stricter test: running text quotes people, not titles.
    check = is_plain_reference if context == "paragraph" else is_reference_like
    if check(text, language=language):
        return parse_reference(text, anchor=anchor, language=language)
    bare = clean(text).strip(" ,.;:-–—()[]•*")
    anchor_is_url = bool(re.match(r"^(?:https?://|www\.)", anchor, re.I))
    if anchor and not anchor_is_url and len(anchor) >= 0.7 * len(bare):
        return parse_reference("", anchor=anchor, language=language)
    if context == "list-item" and anchor_is_url:
        rest = clean(text.replace(anchor, " "))
        if len(rest.split()) >= 3:
            return parse_reference(rest, language=language)
    return Reference()  # an inline link in running text: nothing reliable to parse


def extract_citations(
    body_html: str | None,
    *,
    post_url: str,
    blog_host: str | None = None,
    language: str | None = None,
) -> list[FoundCitation]:
    """Citations of one post body region, in document order."""
    if not body_html or not body_html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    _prune(root)
    blog = (blog_host or host_of(post_url)).lower()
    order = {element: i for i, element in enumerate(root.iter())}
    found: list[tuple[float, FoundCitation]] = []
    for link in root.iter("a", "area"):
        href = link.get("href")
        if href is None or not href.strip() or href.strip().startswith("#"):
            continue
        target = normalise(href, base=post_url)
        if target.url is None:
            # javascript:, mailto:, data: and other links that no crawler can fetch are kept
            # as citations that failed, with the scheme as the reason (issue 4: malformed
            # links are recorded with a reason); only an empty href is no link at all.
            if target.reason == "empty":
                continue
            internal = False
        else:
            if is_share_link(target.url) or _is_image_link(link, target.url):
                continue
            if FEED_PATH.search(target.url) and same_blog(host_of(target.url), blog):
                continue
            internal = same_blog(host_of(target.url), blog)
        anchor = clean(link.text_content()) or clean(link.get("title") or "")
        text, context, block = _reference_text(link, root)
        lang = _language_of(link, language)
        reference = Reference() if internal else _parse(text, anchor, context, lang)
        quotes = [] if internal else _quotes(text, reference.title) + _blockquotes(block, root)
        found.append(
            (
                order[link],
                FoundCitation(
                    position=0,
                    href=href.strip()[:2000],
                    target=target,
                    anchor_text=anchor or None,
                    reference_text=text,
                    context=context,
                    internal=internal,
                    reference=reference,
                    quotes=quotes,
                ),
            )
        )
    found += _plain_references(root, order, language)
    found.sort(key=lambda pair: pair[0])
    citations = []
    for position, (_, citation) in enumerate(found):
        citation.position = position
        citations.append(citation)
    return citations


def _plain_references(
    root: Any, order: dict[Any, int], language: str | None
) -> list[tuple[float, FoundCitation]]:
    """List items and lines without links that read like references."""
    out: list[tuple[float, FoundCitation]] = []
    for block in root.iter("li", "p", "dd", "div"):
        if any(child.tag in ("li", "p", "div", "ul", "ol") for child in block):
            continue  # a container: its own items are looked at
        if any(True for _ in block.iterancestors("blockquote")):
            continue  # quoted from elsewhere
        links = [a for a in block.iter("a") if a.get("href") is not None]
        text, _, _ = _flatten(block, mark=True)
        lines = [line for line in text.split("\n") if clean(line)]
        # Broken HTML nests items under inline tags (an unclosed <i> swallows the next <li>):
        # their lines are read when that item is, not twice.
        nested = {
            clean(inner)
            for item in block.iterdescendants("li", "p", "dd", "div")
            for inner in _flatten(item, mark=True)[0].split("\n")
        }
        seen_links = 0
        for raw in lines:
            line = clean(raw)
            before = seen_links
            seen_links += raw.count(LINK_MARK)
            if LINK_MARK in raw or line in nested:
                continue
            lang = _language_of(block, language)
            if not is_plain_reference(line, language=lang):
                continue
            if block.tag not in LIST_ITEMS and len(lines) == 1 and not REFERENCE_START.match(line):
                continue  # a sentence of running text that quotes someone
            reference = parse_reference(line, language=lang)
            if not reference.title:
                continue
            # In document order: after the links before it in its block.
            at = order[links[before - 1]] + 0.5 if before else order[block] + 0.5
            out.append(
                (
                    at,
                    FoundCitation(
                        position=0,
                        href=None,
                        target=None,
                        anchor_text=None,
                        reference_text=line,
                        context="plain",
                        internal=False,
                        reference=reference,
                    ),
                )
            )
    return out
