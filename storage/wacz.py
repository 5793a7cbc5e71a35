"""A WACZ (Web Archive Collection Zipped, spec 1.1.1) of one post: what a researcher cites.

The package holds the post's captures, its page requisites and every cited article's captures
with their redirect hops (and, for a revisit, the response it repeats), so the post and its
sources replay from the one file in ReplayWeb.page or pywb. Records are copied byte for byte
from reftrail's WARCs (each is one gzip member, so they concatenate into a valid
``archive/data.warc.gz``); excluded captures are never copied. Beside them: a CDXJ index of
that WARC (cdxj-indexer, as pywb indexes), the pages list, the post's citation list and
``datapackage.json`` with a SHA-256 of every file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.citations import list_citations
from storage.exceptions import StorageError
from storage.exclusions import visible
from storage.html import decode_content
from storage.memento import read_capture_record
from storage.models import Article, Capture, Citation, Post, PostCapture
from storage.timeutil import as_utc, timestamp14, utcnow

WACZ_VERSION = "1.1.1"
WARC_NAME = "archive/data.warc.gz"
INDEX_NAME = "indexes/index.cdx"
PAGES_NAME = "pages/pages.jsonl"
CITATIONS_NAME = "citations/citations.json"
MAX_REDIRECT_HOPS = 20
MAX_REQUISITE_DEPTH = 3  # page -> stylesheet -> @import -> image
RECORD_TYPES = ("response", "revisit", "resource")


# (page URL, Content-Type, decoded body) -> absolute URLs of what it needs to render.
RequisiteFinder = Callable[[str, str, bytes], list[str]]


class WaczError(StorageError):
    """Raised when there is no such post or nothing of it may be exported."""


@dataclass(slots=True)
class WaczSummary:
    path: Path
    captures: int
    pages: int
    citations: int
    files: dict[str, str] = field(default_factory=dict)  # package path -> sha256:hex


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    fetched_at: datetime
    title: str | None


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _find_post(session: Session, post_url: str) -> Post:
    post = session.scalars(select(Post).where(Post.url == post_url)).first()
    if post is None:
        raise WaczError(f"no archived post at {post_url} (`reftrail posts` lists them)")
    return post


def _archived(session: Session, condition: Any) -> list[Capture]:
    """Visible captures that have a WARC record (failed fetches have none)."""
    return list(
        session.scalars(
            select(Capture).where(
                condition,
                visible(),
                Capture.warc_file.is_not(None),
                Capture.record_type.in_(RECORD_TYPES),
            )
        )
    )


def _with_redirects_and_originals(session: Session, found: dict[int, Capture]) -> None:
    """Add every redirect hop's target and every revisit's original response to ``found``."""
    frontier = list(found.values())
    for _ in range(MAX_REDIRECT_HOPS):
        targets = {c.redirect_to for c in frontier if c.redirect_to}
        originals = {c.revisit_of for c in frontier if c.record_type == "revisit" and c.revisit_of}
        if not targets and not originals:
            return
        conditions = []
        if targets:
            conditions.append(Capture.url.in_(targets))
        if originals:
            conditions.append(Capture.record_id.in_(originals))
        frontier = [c for c in _archived(session, or_(*conditions)) if c.id not in found]
        for capture in frontier:
            found[capture.id] = capture


def select_captures(
    archive: Archive, session: Session, post: Post, finder: RequisiteFinder | None = None
) -> tuple[list[Capture], list[Page]]:
    """The captures a post's package holds (sorted as its index is) and its pages.

    ``finder`` names the requisites of an archived HTML page or stylesheet; each requisite's
    capture closest in time to the page is added (stylesheets' own requisites too).
    """
    found: dict[int, Capture] = {}
    post_ids = set(
        session.scalars(select(PostCapture.capture_id).where(PostCapture.post_id == post.id))
    )
    if post.capture_id is not None:
        post_ids.add(post.capture_id)
    for capture in _archived(session, Capture.id.in_(post_ids)):
        found[capture.id] = capture
    if not found:
        raise WaczError(f"{post.url} has no archived capture that may be exported (excluded?)")
    page_captures = list(found.values())

    cited = session.execute(
        select(Citation.url, Citation.fetch_url, Citation.final_url, Article.final_url)
        .outerjoin(Article, Article.id == Citation.article_id)
        .where(
            Citation.post_id == post.id,
            Citation.internal.is_(False),
            Citation.removed_at.is_(None),  # what the post's current version cites
        )
    ).all()
    urls = {url for row in cited for url in row if url}
    if urls:
        for capture in _archived(session, Capture.url.in_(sorted(urls))):
            found[capture.id] = capture
    _with_redirects_and_originals(session, found)

    pages = [_page(session, post.url, found.values(), post.title)]
    finals: set[str] = {final for row in cited if (final := row[3] or row[2])}
    for final in sorted(finals):
        pages.append(_page(session, final, found.values(), None))
    kept = [p for p in pages if p is not None]
    if finder is not None:
        page_captures += [c for c in found.values() if c.url in {p.url for p in kept[1:]}]
        _add_requisites(archive, session, found, page_captures, finder)
        _with_redirects_and_originals(session, found)
    ordered = sorted(found.values(), key=lambda c: (c.surt, timestamp14(c.fetched_at), c.id))
    return ordered, kept


def _body(archive: Archive, session: Session, capture: Capture) -> tuple[str, bytes] | None:
    """(Content-Type, decoded body) of an archived HTML page or stylesheet, else None."""
    mime = (capture.mime or "").lower()
    if capture.status != 200 or not ("html" in mime or "css" in mime):
        return None
    record = read_capture_record(archive, capture)
    payload, http = record.payload, record.http_headers
    if record.rec_type == "revisit" and capture.revisit_of:
        original = session.scalars(
            select(Capture).where(
                Capture.record_id == capture.revisit_of, Capture.record_type == "response"
            )
        ).first()
        if original is None:
            return None
        source = read_capture_record(archive, original)
        payload, http = source.payload, source.http_headers
    encoding = http.get_header("Content-Encoding") if http is not None else None
    try:
        return mime, decode_content(payload, encoding)
    except (OSError, ValueError):
        return None


def _add_requisites(
    archive: Archive,
    session: Session,
    found: dict[int, Capture],
    pages: list[Capture],
    finder: RequisiteFinder,
) -> None:
    queue = [(page, 0) for page in pages]
    looked_up: set[tuple[str, int]] = set()
    while queue:
        page, depth = queue.pop()
        content = _body(archive, session, page)
        if content is None or depth > MAX_REQUISITE_DEPTH:
            continue
        wanted = [u for u in finder(page.url, *content) if (u, page.id) not in looked_up]
        looked_up.update((u, page.id) for u in wanted)
        for start in range(0, len(wanted), 500):
            by_url: dict[str, list[Capture]] = {}
            for capture in _archived(session, Capture.url.in_(wanted[start : start + 500])):
                by_url.setdefault(capture.url, []).append(capture)
            for candidates in by_url.values():
                when = as_utc(page.fetched_at)
                best = min(
                    candidates, key=lambda c: abs((as_utc(c.fetched_at) - when).total_seconds())
                )
                if best.id not in found:
                    found[best.id] = best
                    queue.append((best, depth + 1))


def _page(
    session: Session, url: str, captures: Iterable[Capture], title: str | None
) -> Page | None:
    """The newest 200 capture of ``url`` in the package, as a pages.jsonl entry."""
    good = [c for c in captures if c.url == url and c.status == 200]
    if not good:
        return None
    newest = max(good, key=lambda c: (c.fetched_at, c.id))
    if title is None:
        title = session.scalar(
            select(Article.title).where(Article.final_url == url).order_by(Article.id.desc())
        )
    return Page(url, newest.fetched_at, title)


def cdxj_index(warc_path: Path) -> bytes:
    """The sorted CDXJ lines of the package's WARC, by cdxj-indexer (what pywb writes)."""
    from cdxj_indexer.main import CDXJIndexer

    out = io.StringIO()
    CDXJIndexer(out, [str(warc_path)], sort=True, dir_root=str(warc_path.parent)).process_all()
    return out.getvalue().encode()


def _iso(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages_jsonl(pages: list[Page]) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    for number, page in enumerate(pages):
        entry: dict[str, Any] = {
            "id": f"page-{number}",
            "url": page.url,
            "ts": _iso(page.fetched_at),
        }
        if page.title:
            entry["title"] = page.title
        lines.append(entry)
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def write_wacz(
    archive: Archive,
    post_url: str,
    output: Path,
    *,
    software: str = "reftrail",
    requisites: RequisiteFinder | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WaczSummary:
    """Write the post's WACZ to ``output`` (replaced only once complete).

    ``requisites`` finds what a page needs (the CLI passes the crawler's link extractor);
    ``progress(done, total)`` is called after each record copied.
    """
    with archive.session() as session:
        post = _find_post(session, post_url)
        captures, pages = select_captures(archive, session, post, requisites)
        published = post.published_at
        title = post.title or post.url
    citations = list_citations(archive, post_url=post_url)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".wacz-") as work:
        warc_path = Path(work) / "data.warc.gz"
        digest = hashlib.sha256()
        offset = 0
        with open(warc_path, "wb") as warc:
            for done, capture in enumerate(captures, 1):
                raw = read_capture_record(archive, capture).raw
                warc.write(raw)
                digest.update(raw)
                offset += len(raw)
                if progress is not None:
                    progress(done, len(captures))
        files[WARC_NAME] = "sha256:" + digest.hexdigest()
        sizes[WARC_NAME] = offset
        small = {
            INDEX_NAME: cdxj_index(warc_path),
            PAGES_NAME: _pages_jsonl(pages),
            CITATIONS_NAME: json.dumps(citations, ensure_ascii=False, indent=1).encode(),
        }
        for name, data in small.items():
            files[name] = _sha256(data)
            sizes[name] = len(data)
        created = _iso(utcnow())
        package: dict[str, Any] = {
            "profile": "data-package",
            "resources": [
                {"name": Path(name).name, "path": name, "hash": files[name], "bytes": sizes[name]}
                for name in (WARC_NAME, INDEX_NAME, PAGES_NAME, CITATIONS_NAME)
            ],
            "wacz_version": WACZ_VERSION,
            "software": software,
            "created": created,
            "title": title,
            "description": f"{post.url} as archived, with its requisites and the articles it "
            "cites (citations/citations.json lists them)",
            "mainPageUrl": post_url,
        }
        if pages:
            package["mainPageDate"] = _iso(pages[0].fetched_at)
        if published is not None:
            package["postPublished"] = _iso(published)
        package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode()
        digest_bytes = json.dumps(
            {"path": "datapackage.json", "hash": _sha256(package_bytes), "created": created},
            indent=2,
        ).encode()
        partial = Path(work) / "package.wacz"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zipped:
            zipped.write(warc_path, WARC_NAME)
            for name, data in small.items():
                zipped.writestr(name, data)
            zipped.writestr("datapackage.json", package_bytes)
            zipped.writestr("datapackage-digest.json", digest_bytes)
        os.replace(partial, output)
    return WaczSummary(output, len(captures), len(pages), len(citations), files)
