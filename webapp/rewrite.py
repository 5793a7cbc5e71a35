"""Rewrite archived HTML and CSS so every link and requisite points into the archive.

A token-level rewrite (``html.parser``): attributes that hold URLs are resolved against the
page (or its ``<base href>``) and replaced by ``/web/{timestamp}/{absolute url}``; everything
else passes through as written. Inline and linked CSS get their ``url()`` and ``@import``
rewritten the same way. Scripts are left alone: the sandbox CSP keeps them in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "poster", "background", "cite", "longdesc",
    "data", "data-src", "data-href", "data-original", "manifest", "icon", "lowsrc",
}  # fmt: skip
SRCSET_ATTRIBUTES = {"srcset", "data-srcset", "imagesrcset"}
SKIP_SCHEMES = ("javascript:", "data:", "mailto:", "tel:", "about:", "blob:", "#")
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.I | re.S)
CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.I)
META_REFRESH_URL = re.compile(r"""^(\s*\d+\s*[;,]\s*url\s*=\s*)(['"]?)(.*?)\2\s*$""", re.I | re.S)

Rewriter = Callable[[str], str]


def archive_url_maker(prefix: str, timestamp: str, page_url: str) -> Callable[[str, str], str]:
    """``(url, base) -> /web/{ts}/{absolute}``; links that are not http(s) stay as they are."""

    def make(value: str, base: str = page_url) -> str:
        stripped = value.strip()
        if not stripped or stripped.lower().startswith(SKIP_SCHEMES):
            return value
        absolute = urljoin(base, stripped)
        if urlsplit(absolute).scheme not in ("http", "https"):
            return value
        return f"{prefix}/web/{timestamp}/{absolute}"

    return make


def rewrite_css(css: str, rewrite: Rewriter) -> str:
    def replace_url(match: re.Match[str]) -> str:
        quote, target = match.group(1), match.group(2)
        return f"url({quote}{rewrite(target)}{quote})"

    def replace_import(match: re.Match[str]) -> str:
        quote, target = match.group(1), match.group(2)
        return f"@import {quote}{rewrite(target)}{quote}"

    return CSS_IMPORT.sub(replace_import, CSS_URL.sub(replace_url, css))


def rewrite_srcset(value: str, rewrite: Rewriter) -> str:
    parts = []
    for candidate in value.split(","):
        pieces = candidate.strip().split(None, 1)
        if not pieces:
            continue
        descriptor = f" {pieces[1]}" if len(pieces) > 1 else ""
        parts.append(rewrite(pieces[0]) + descriptor)
    return ", ".join(parts)


class _HtmlRewriter(HTMLParser):
    def __init__(self, page_url: str, make: Callable[[str, str], str]) -> None:
        super().__init__(convert_charrefs=False)
        self.base = page_url
        self.make = make
        self.out: list[str] = []
        self._in_style = False

    def rewrite(self, value: str) -> str:
        return self.make(value, self.base)

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> tuple[list, bool]:
        changed = False
        result = []
        for name, value in attrs:
            new = value
            if value is not None:
                if name in URL_ATTRIBUTES:
                    new = self.rewrite(value)
                elif name in SRCSET_ATTRIBUTES:
                    new = rewrite_srcset(value, self.rewrite)
                elif name == "style":
                    new = rewrite_css(value, self.rewrite)
                elif name == "content" and tag == "meta":
                    new = self._meta_refresh(attrs, value)
            changed |= new != value
            result.append((name, new))
        return result, changed

    def _meta_refresh(self, attrs: list[tuple[str, str | None]], value: str) -> str:
        equiv = next((v for k, v in attrs if k == "http-equiv"), None)
        if not equiv or equiv.lower() != "refresh":
            return value
        match = META_REFRESH_URL.match(value)
        if not match:
            return value
        return match.group(1) + self.rewrite(match.group(3))

    def _emit_tag(self, tag: str, attrs: list[tuple[str, str | None]], closing: str) -> None:
        if tag == "base":
            href = next((v for k, v in attrs if k == "href" and v), None)
            if href:
                self.base = urljoin(self.base, href.strip())
        new_attrs, changed = self._attrs(tag, attrs)
        raw = self.get_starttag_text() or ""
        if not changed:
            self.out.append(raw)
            return
        rendered = "".join(
            f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"'
            for name, value in new_attrs
        )
        self.out.append(f"<{tag}{rendered}{closing}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit_tag(tag, attrs, "")
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit_tag(tag, attrs, " /")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(rewrite_css(data, self.rewrite) if self._in_style else data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def rewrite_html(document: str, *, page_url: str, timestamp: str, prefix: str = "") -> str:
    make = archive_url_maker(prefix, timestamp, page_url)
    parser = _HtmlRewriter(page_url, make)
    parser.feed(document)
    parser.close()
    # HTMLParser keeps an unterminated construct at the end; never drop archived text.
    leftover = parser.rawdata
    return "".join(parser.out) + (leftover or "")


def rewrite_stylesheet(css: str, *, page_url: str, timestamp: str, prefix: str = "") -> str:
    make = archive_url_maker(prefix, timestamp, page_url)
    return rewrite_css(css, lambda value: make(value, page_url))
