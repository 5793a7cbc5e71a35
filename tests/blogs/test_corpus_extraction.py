"""The post-body extraction the blog spider uses, over real Blogger and WordPress pages.

Each ``../shared/corpus/blogs/NAME.html`` has a ``NAME.expected.json`` beside it (see that
folder's PROVENANCE.md): snippets the post's text must hold (``with``) and must not hold
(``without``, e.g. sidebars, related posts, comments), and for most pages the publication
date. ``crawler.discovery.postpage.extract_post`` is what ``BlogSpider`` stores as a post's
``body_text`` and, when no feed lists it, its ``published`` date. The pass rate is printed and
must not fall below the floor, which is only ever raised.

No corpus text is copied here: the expectations are read from the corpus at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from w3lib.encoding import html_to_unicode

from crawler.discovery.postpage import PostPage, extract_post
from crawler.fakeweb.web import find_corpus_dir

CORPUS = find_corpus_dir() / "blogs"
# Floors, only ever raised. Snippets: first measured 69/74 (0.932) at b91220a; 70/74 (0.946)
# once inline markup stopped splitting words ("<i>Code</i>," read as "Code ,"). The 4 misses
# left: text trafilatura's evaluation leaves out but that sits inside the post's own body
# region (derpapierplanet: 2, geeks3d: 1) and a wanted snippet that is in a reader's comment
# (lemire), which the post body leaves out by design.
SNIPPET_FLOOR = 0.945
# Published dates against htmldate's evaluation: 10/10 at the first measurement.
DATE_FLOOR = 1.0


@dataclass
class Tally:
    passed: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.total += 1
        self.passed += ok
        if not ok:
            self.misses.append(what)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def _pages() -> list[tuple[Path, dict[str, Any]]]:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus absent at {CORPUS}")
    pages = []
    for expected in sorted(CORPUS.glob("*.expected.json")):
        page = expected.with_name(expected.name.removesuffix(".expected.json") + ".html")
        if page.is_file():
            pages.append((page, json.loads(expected.read_text(encoding="utf-8"))))
    if not pages:
        pytest.skip(f"corpus absent at {CORPUS}: no blogs/*.expected.json beside a page")
    return pages


def _extract(page: Path, url: str) -> PostPage:
    # Decoded as Scrapy's TextResponse would without a charset header: BOM, <meta>, guess.
    _, text = html_to_unicode(None, page.read_bytes())
    return extract_post(text, url)


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n{line}")


def test_post_body_snippets_pass_rate(capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    pages = 0
    for page, expected in _pages():
        if "with" not in expected and "without" not in expected:
            continue
        pages += 1
        text = _extract(page, expected["url"]).body_text or ""
        name = page.name.removesuffix(".html")
        for n, snippet in enumerate(expected.get("with", [])):
            tally.check(snippet in text, f"{name}: wanted snippet #{n} missing")
        for n, snippet in enumerate(expected.get("without", [])):
            tally.check(snippet not in text, f"{name}: unwanted snippet #{n} present")
    _report(
        capsys,
        f"corpus post-body extraction: {tally.passed}/{tally.total} snippet checks pass "
        f"({tally.rate:.1%}) over {pages} blog pages; floor {SNIPPET_FLOOR:.1%}",
    )
    assert pages and tally.total
    assert tally.rate >= SNIPPET_FLOOR, "\n".join(tally.misses)


def test_post_published_dates_pass_rate(capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    for page, expected in _pages():
        want = expected.get("expected_date_htmldate")
        if not want:
            continue
        published = _extract(page, expected["url"]).published
        got = published.date().isoformat() if published else None
        tally.check(got == want, f"{page.name}: published {got}, expected {want}")
    _report(
        capsys,
        f"corpus published dates: {tally.passed}/{tally.total} match ({tally.rate:.1%}); "
        f"floor {DATE_FLOOR:.1%}",
    )
    assert tally.total
    assert tally.rate >= DATE_FLOOR, "\n".join(tally.misses)
