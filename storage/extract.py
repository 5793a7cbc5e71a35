"""Text and metadata from an archived HTML payload, with trafilatura.

Runs in worker processes during a crawl (see ``crawler/extraction.py``), so it takes and
returns plain picklable values. The payload arrives as stored: still content-encoded.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import zlib
from copy import copy
from pathlib import Path

import brotli
import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from storage.exceptions import StorageError
from storage.html import HTML_LANG, declared_language, decode_content, html_text, looks_like_html
from storage.warc.reader import read_record

logger = logging.getLogger(__name__)

# trafilatura's parser options, but every element is a plain HtmlElement chosen in C: lxml.html's
# default lookup calls back into Python for each element trafilatura touches (~7% of the work
# on news pages). trafilatura needs no form or label element classes. One parser per thread:
# lxml parsers must not be used by two threads at once.
_PARSERS = threading.local()


def _fast_parser() -> lxml.html.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(
            collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
            remove_pis=True,
        )  # fmt: skip
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=HtmlElement,
                comment=HtmlComment,
                pi=HtmlProcessingInstruction,
                entity=HtmlEntity,
            )
        )
        _PARSERS.parser = parser
    return parser


# The fast pipeline's options, built once and copied per page (see ``_fast_extraction``).
FAST_OPTIONS = Extractor(output_format="python", fast=True, comments=False, with_metadata=False)


def extract_document(
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    content_encoding: str | None,
    mode: str = "precise",
) -> dict[str, str | None] | None:
    """Title, author, date, site name, language and main text of an HTML page, or None.

    ``precise`` is trafilatura's default pipeline. ``fast`` skips its fallback extractors and
    takes metadata only from what the page declares (meta tags, JSON-LD, ``<title>``, dates in
    markup and URL): about half the CPU on news pages, for slightly less recall.
    """
    try:
        payload = decode_content(body, content_encoding)
    except (OSError, ValueError, zlib.error, brotli.error) as exc:
        logger.warning("cannot decode %s for extraction: %s", url, exc)
        return None
    if not content_type and not looks_like_html(payload[:1024]):
        return None  # sent without a Content-Type, and not HTML either
    html = html_text(payload, content_type)
    if mode == "fast":
        result = _fast_extraction(html, url)
    else:
        extracted = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        result = (
            (extracted if isinstance(extracted, dict) else extracted.as_dict())
            if extracted
            else None
        )
    if not result:
        return None
    text = result.get("text") or ""
    return {
        "title": result.get("title"),
        "author": result.get("author"),
        "published": result.get("date"),
        "sitename": result.get("sitename"),
        "language": result.get("language") or declared_language(html),
        "text": text,
        "fingerprint": hashlib.sha1(text.encode("utf-8")).hexdigest() if text else None,
    }


def _parse(html: str) -> HtmlElement | None:
    """The page as an lxml tree, built by ``_fast_parser()`` when it can be.

    Falls back to trafilatura's own loader (which repairs some broken markup and retries
    as bytes) when the quick parse fails or finds nothing.
    """
    try:
        tree = lxml.html.fromstring(html, parser=_fast_parser())
    except (ValueError, etree.ParserError):  # e.g. an XML encoding declaration in a str
        tree = None
    if tree is None or len(tree) < 1:
        return load_html(html)
    return tree


def _fast_extraction(html: str, url: str) -> dict[str, str | None] | None:
    tree = _parse(html)
    if tree is None:
        return None
    meta = examine_meta(tree)
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura's JSON-LD reader fails on odd markup; meta tags remain
        logger.debug("JSON-LD metadata unreadable on %s", url)
    title = meta.title or (tree.findtext(".//title") or "").strip() or None
    date = find_date(tree, url=url, extensive_search=False, original_date=True)
    # The tree parsed for metadata is reused (trafilatura copies it before cleaning), and
    # reader comments are left out: they are not the page's text, and skipping them saves
    # about a tenth of the extraction.
    options = copy(FAST_OPTIONS)  # trafilatura reads its settings file in every new one
    options.url = options.source = url
    extracted = trafilatura.bare_extraction(tree, options=options)
    body = (extracted if isinstance(extracted, dict) else extracted.as_dict()) if extracted else {}
    return {
        "title": title,
        "author": meta.author,
        "date": date,
        "sitename": meta.sitename,
        "language": body.get("language") or _tree_language(tree),
        "text": body.get("text"),
    }


def _tree_language(tree: HtmlElement) -> str | None:
    """``<html lang>``, as ``_declared_language`` reads it from the text, from the tree."""
    root = tree.getroottree().getroot()
    match = HTML_LANG.match(f'<html lang="{(root.get("lang") or "").strip()}"')
    return match.group(1).lower() if match else None


def extract_stored(
    warc_dir: Path, pages: list[tuple[int, str, str, int, int]], *, mode: str = "precise"
) -> list[tuple[int, str, dict[str, str | None] | None, str | None]]:
    """Read pages back from the WARCs and extract them, in a worker process.

    ``pages`` are ``(capture_id, url, warc file, offset, length)``; each answer is
    ``(capture_id, url, fields, error)``, with ``error`` set when the record could not be
    read. Reading here rather than in the crawl process keeps the catch-up pass from
    loading the crawl's single interpreter with record parsing and pickled payloads.
    """
    answers: list[tuple[int, str, dict[str, str | None] | None, str | None]] = []
    for capture_id, url, warc_file, offset, length in pages:
        try:
            record = read_record(warc_dir, warc_file, offset, length, verify=False)
        except StorageError as exc:
            answers.append((capture_id, url, None, str(exc)))
            continue
        headers = record.http_headers
        fields = extract_document(
            record.payload,
            url=url,
            content_type=headers.get_header("Content-Type") if headers else None,
            content_encoding=headers.get_header("Content-Encoding") if headers else None,
            mode=mode,
        )
        answers.append((capture_id, url, fields, None))
    return answers
