"""Does the cited article contain the passage a post quotes next to its citation?

Both texts are normalised (Unicode NFKC, curly quotes and dashes made plain, case and
whitespace folded) and compared with rapidfuzz's ``partial_ratio`` (the best-matching window
of the article against the passage, 0-100). A passage counts as found at 90 or more: the
margin takes ellipses, a changed word or a typo; a made-up quote scores far lower.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

FOUND_AT = 90.0
TRANSLATE = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
        "–": "-", "—": "-", "‐": "-", "−": "-", "…": "...", "\u00a0": " ",
    }
)  # fmt: skip
SPACE = re.compile(r"\s+")
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\[\.\.\.\]|\[…\])\s*")


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    text: str
    found: bool
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "found": self.found, "score": self.score}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(TRANSLATE).lower()
    return SPACE.sub(" ", text).strip(" \"'")


def check_quote(passage: str, article_text: str | None) -> QuoteCheck:
    """Score the passage against the article; an elided quote scores its best part."""
    quote = normalise(passage)
    text = normalise(article_text or "")
    if not quote or not text:
        return QuoteCheck(passage, False, 0.0)
    parts = [p for p in ELLIPSIS.split(quote) if len(p.split()) >= 3] or [quote]
    # Each part of an elided quote must be there: the passage scores its weakest part.
    score = min(fuzz.partial_ratio(part, text) for part in parts)
    score = round(float(score), 1)
    return QuoteCheck(passage, score >= FOUND_AT, score)


def check_quotes(passages: list[str], article_text: str | None) -> list[QuoteCheck]:
    return [check_quote(p, article_text) for p in passages]
