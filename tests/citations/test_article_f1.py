"""Article text of cited pages, measured: word-token F1 against the full article text of the
corpus news pages that carry it (scrapinghub/article-extraction-benchmark's ``articleBody``).

Tokens as in that benchmark: lower-cased words, punctuation stripped; F1 of the bags of
tokens. Measured per page and on average for the extraction the citation fetcher uses
(:func:`crawler.citations.articles.extract_article`), in ``fast`` and ``precise`` modes. The
floors were set from the first measurement (0.986 average, lowest page 0.96, both modes) and
may only be raised. The corpus is third-party data outside the repository: absent, skipped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from crawler.citations.articles import ARTICLE_MODE, MODES, extract_article
from crawler.fakeweb.web import find_corpus_dir

AVERAGE_FLOOR = 0.98  # goal (issue 4): >= 0.90 on average
PAGE_FLOOR = 0.95
TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> Counter[str]:
    return Counter(TOKEN.findall((text or "").lower()))


def f1(expected: str, extracted: str | None) -> float:
    want, got = tokens(expected), tokens(extracted)
    hits = sum((want & got).values())
    if not hits:
        return 0.0
    precision, recall = hits / sum(got.values()), hits / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _pages() -> list[tuple[str, str, Path, str]]:
    """(name, url, html file, expected article text) of each page with full expected text."""
    news = find_corpus_dir() / "news"
    if not news.is_dir():
        pytest.skip(f"corpus absent at {news}")
    pages = []
    for expected in sorted(news.glob("*.expected.json")):
        data = json.loads(expected.read_text("utf-8"))
        body = data.get("articleBody")
        page = expected.with_name(expected.name.replace(".expected.json", ".html"))
        if body and page.is_file():
            pages.append((page.stem, data.get("url") or "", page, body))
    if not pages:
        pytest.skip(f"no corpus news page with full expected text under {news}")
    return pages


@cache
def _scores(mode: str) -> tuple[tuple[str, float], ...]:
    return tuple(
        (
            name,
            f1(
                body,
                extract_article(
                    page.read_bytes(), url=url, content_type="text/html", mode=mode
                ).text,
            ),
        )
        for name, url, page, body in _pages()
    )


def _report(mode: str) -> str:
    scores = _scores(mode)
    average = sum(s for _, s in scores) / len(scores)
    pages = ", ".join(f"{name} {score:.3f}" for name, score in scores)
    return f"article text F1 ({mode}, {len(scores)} pages): average {average:.3f}; {pages}"


@pytest.mark.parametrize("mode", MODES)
def test_article_text_f1(mode: str) -> None:
    scores = _scores(mode)
    average = sum(s for _, s in scores) / len(scores)
    print(f"\n[article F1] {_report(mode)}")
    assert average >= AVERAGE_FLOOR, _report(mode)
    assert min(s for _, s in scores) >= PAGE_FLOOR, _report(mode)


def test_the_fetcher_uses_the_best_mode() -> None:
    averages = {mode: sum(s for _, s in _scores(mode)) / len(_scores(mode)) for mode in MODES}
    assert averages[ARTICLE_MODE] >= max(averages.values()) - 0.001, averages
