"""Real pages from the shared corpus, crawled at their original URLs and archived whole.

Every corpus HTML page is a seed (the page budget equals the seed count, so no link is
followed): each must be captured with status 200 and get a Document, and where the corpus
carries expected metadata (Readability's ``*.expected-metadata.json``) the extracted title
must match it. Per-page results are in the assertion messages. Without the corpus
(``../shared/corpus`` or ``REFTRAIL_CORPUS_DIR``) the module is skipped, saying so.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.fakeweb import FakeWeb, find_corpus_dir
from storage.archive import Archive
from storage.models import Capture, Document
from tests.crawler.conftest import crawl_settings, database_for, run_cli

CORPUS = find_corpus_dir()
HTML_SUFFIXES = (".html", ".htm")


@pytest.fixture(scope="module")
def corpus_web(fake_web: FakeWeb) -> FakeWeb:
    if not fake_web.corpus_available:
        pytest.skip(f"corpus absent at {CORPUS}: no real pages crawled")
    return fake_web


def _html_pages(web: FakeWeb) -> list[tuple[str, Path]]:
    return [(url, path) for url, path in web.corpus_pages if path.suffix.lower() in HTML_SUFFIXES]


@dataclass
class CorpusCrawl:
    pages: list[tuple[str, Path]]
    captures: dict[str, Capture]
    documents: dict[str, Document]
    stderr: str


@pytest.fixture(scope="module")
def corpus_crawl(
    corpus_web: FakeWeb, module_db: str, tmp_path_factory: pytest.TempPathFactory
) -> CorpusCrawl:
    pages = _html_pages(corpus_web)
    assert pages, f"the corpus at {CORPUS} has no HTML page with an original URL"
    root = tmp_path_factory.mktemp(f"corpus-{module_db}") / "archive"
    args = [
        "crawl",
        *[url for url, _ in pages],
        "--max-pages",
        str(len(pages)),
        *crawl_settings(corpus_web, RETRY_TIMES=0, DOWNLOAD_TIMEOUT=10),
    ]
    with database_for(module_db) as url:
        proc = run_cli(args, web=corpus_web, archive=root, database_url=url)
        assert proc.returncode == 0, proc.stderr[-4000:]
        with (
            Archive.open(root, database_url=url, create=False) as archive,
            archive.session() as session,
        ):
            captures = {c.url: c for c in session.scalars(select(Capture))}
            documents = {
                page_url: doc
                for page_url, doc in session.execute(
                    select(Capture.url, Document).join(Document.capture)
                )
            }
            for doc in documents.values():
                session.expunge(doc)
            for capture in captures.values():
                session.expunge(capture)
    return CorpusCrawl(pages, captures, documents, proc.stderr)


def _normal(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\W+", " ", text).strip()


def _title_matches(got: str | None, expected: str) -> bool:
    a, b = _normal(got), _normal(expected)
    if not a:
        return False
    return a == b or b in a or a in b or SequenceMatcher(None, a, b).ratio() >= 0.8


def _expected_title(path: Path) -> str | None:
    meta = path.with_name(path.name.removesuffix(path.suffix) + ".expected-metadata.json")
    if not meta.is_file():
        return None
    return json.loads(meta.read_text("utf-8")).get("title") or None


def test_every_corpus_page_is_captured_with_a_document(corpus_crawl: CorpusCrawl) -> None:
    report, bad = [], 0
    for url, path in corpus_crawl.pages:
        capture = corpus_crawl.captures.get(url)
        doc = corpus_crawl.documents.get(url)
        status = capture.status if capture else None
        ok = status == 200 and capture.warc_file and doc is not None and bool(doc.text)
        bad += not ok
        words = len((doc.text or "").split()) if doc else 0
        report.append(f"{'ok ' if ok else 'BAD'} {status} {words:5d} words  {path.name}")
    assert bad == 0, f"{bad} of {len(report)} corpus pages not archived whole:\n" + "\n".join(
        report
    )


def test_extracted_titles_match_the_corpus_metadata(corpus_crawl: CorpusCrawl) -> None:
    report, bad, checked = [], 0, 0
    for url, path in corpus_crawl.pages:
        expected = _expected_title(path)
        if expected is None:
            continue
        checked += 1
        doc = corpus_crawl.documents.get(url)
        got = doc.title if doc else None
        ok = _title_matches(got, expected)
        bad += not ok
        report.append(f"{'ok ' if ok else 'BAD'} {path.name}: got {got!r}, expected {expected!r}")
    assert checked, f"no *.expected-metadata.json beside the corpus pages in {CORPUS}"
    assert bad == 0, f"{bad} of {checked} titles differ:\n" + "\n".join(report)


def _expected_snippets(path: Path) -> list[str]:
    """Text the main content must hold: trafilatura's ``with`` snippets, or the opening of
    the article-extraction benchmark's ``articleBody``."""
    expected = path.with_name(path.name.removesuffix(path.suffix) + ".expected.json")
    if not expected.is_file():
        return []
    data = json.loads(expected.read_text("utf-8"))
    snippets = list(data.get("with") or [])
    body = (data.get("articleBody") or "").strip()
    if body:
        first = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0]
        snippets.append(first[:120])
    return snippets


def test_main_text_holds_the_corpus_snippets(corpus_crawl: CorpusCrawl) -> None:
    """Extraction quality is trafilatura's, not perfect: at least 90% of the expected
    snippets overall, and at least one on every page."""
    report, found, total, empty_pages = [], 0, 0, 0
    for url, path in corpus_crawl.pages:
        snippets = _expected_snippets(path)
        if not snippets:
            continue
        doc = corpus_crawl.documents.get(url)
        text = _normal(doc.text if doc else "")
        hits = [s for s in snippets if _normal(s) in text]
        found += len(hits)
        total += len(snippets)
        empty_pages += not hits
        missing = [s[:60] for s in snippets if s not in hits]
        report.append(f"{len(hits)}/{len(snippets)} {path.name} missing: {missing}")
    assert total, f"no *.expected.json snippets beside the corpus pages in {CORPUS}"
    summary = f"{found}/{total} snippets found:\n" + "\n".join(report)
    assert empty_pages == 0 and found >= 0.9 * total, summary
