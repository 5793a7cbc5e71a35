"""An archived HTML payload as text: content coding undone, charset decoded, language read.

Kept apart from ``storage.extract`` (which imports trafilatura, ~0.1 s) so the crawl process,
the web app and exports can decode pages without loading the extractor.
"""

from __future__ import annotations

import re
import zlib

import brotli
from w3lib.encoding import html_to_unicode

# trafilatura detects language only with an optional model; the page's own declaration is
# the next best thing (and what a researcher filtering by language expects).
# What a page sent without Content-Type starts with, after any BOM and whitespace, if it is
# HTML (the WHATWG sniffing rules' HTML signatures, lower-cased; a comment may come first).
HTML_SIGNATURES = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<!--", b"<meta")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
HTML_LANG = re.compile(
    r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)""", re.I
)


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """Undo gzip/deflate/br content coding (in the order the server applied them)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br":
            body = brotli.decompress(body)
        elif coding != "identity":
            raise ValueError(f"unknown content coding {coding!r}")
    return body


def html_text(body: bytes, content_type: str | None) -> str:
    """Decode HTML bytes by the header charset, the meta charset, else UTF-8.

    A header charset the bytes are not valid in (a server saying UTF-8 about a windows-1252
    page) is wrong, and decoding by it would leave U+FFFD where every accented letter was:
    then the page's own ``<meta>`` charset decides, else windows-1252, the web's usual legacy
    encoding (what browsers fall back to for Western pages).
    """
    encoding, text = html_to_unicode(content_type or "", body)
    if "\ufffd" not in text:
        return text
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        _, text = html_to_unicode("", body, default_encoding="cp1252")
    return text


def declared_language(html: str) -> str | None:
    """The language ``<html lang>`` declares, lower-cased, or None."""
    match = HTML_LANG.search(html[:5000])
    return match.group(1).lower() if match else None


def looks_like_html(body: bytes) -> bool:
    """Whether an undeclared payload (no Content-Type) is HTML, as browsers sniff it."""
    head = body[:1024]
    if head.startswith(UTF16_BOMS):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith(HTML_SIGNATURES)


def undeclared_html(body: bytes, content_encoding: str | None) -> bool:
    """Whether a payload sent without Content-Type is HTML once its content coding is undone."""
    try:
        return looks_like_html(decode_content(body, content_encoding)[:1024])
    except (OSError, ValueError, zlib.error, brotli.error):
        return False
