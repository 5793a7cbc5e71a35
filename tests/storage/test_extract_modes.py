"""Both extraction modes keep what a reader needs from real pages (the shared corpus).

The corpus's expectation files list passages that must and must not be in the main text, and
the publication date; "fast" must do as well as "precise" there, or it is not a default.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.fakeweb.web import find_corpus_dir
from storage.documents import EXTRACT_MODES
from storage.extract import extract_document

CORPUS = find_corpus_dir()


def _score(mode: str) -> tuple[float, float, int]:
    found = wanted = kept_out = unwanted = dates = 0
    for expected_file in sorted(CORPUS.glob("*/*.expected.json")):
        page = Path(str(expected_file).replace(".expected.json", ".html"))
        if not page.exists():
            continue
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        fields = extract_document(
            page.read_bytes(), url=expected.get("url") or "http://example.com/",
            content_type="text/html", content_encoding=None, mode=mode,
        ) or {}  # fmt: skip
        text = fields.get("text") or ""
        found += sum(1 for snippet in expected.get("with") or [] if snippet in text)
        wanted += len(expected.get("with") or [])
        kept_out += sum(1 for snippet in expected.get("without") or [] if snippet not in text)
        unwanted += len(expected.get("without") or [])
        date = expected.get("expected_date_htmldate")
        dates += bool(date) and (fields.get("published") or "")[:10] == date
    assert wanted and unwanted, "no expectations read from the corpus"
    return found / wanted, kept_out / unwanted, dates


@pytest.mark.parametrize("mode", EXTRACT_MODES)
def test_extraction_keeps_the_main_text_and_leaves_out_the_rest(mode: str) -> None:
    if not CORPUS.exists():
        pytest.skip(f"corpus absent at {CORPUS}: extraction quality not measured")
    recall, exclusion, _ = _score(mode)
    assert recall >= 0.95, f"{mode}: {recall:.0%} of the passages that must be there"
    assert exclusion >= 0.9, f"{mode}: {exclusion:.0%} of the passages that must not be there"


def test_fast_dates_are_as_good_as_precise_dates() -> None:
    if not CORPUS.exists():
        pytest.skip(f"corpus absent at {CORPUS}: extraction quality not measured")
    assert _score("fast")[2] >= _score("precise")[2]
