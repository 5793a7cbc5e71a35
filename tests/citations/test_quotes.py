"""Quote check: a quoted passage is found in the article despite quotes, case and spacing."""

from __future__ import annotations

from crawler.citations.quotes import check_quote, normalise

ARTICLE = (
    "The council voted five to two on Monday to buy the old Fenwick Hardware building.\n\n"
    "“We expect surprises in the walls,” said council member Rosa Delgado — “old buildings "
    "always have them.”"
)


def test_exact_and_reformatted_quotes_are_found() -> None:
    assert check_quote("voted five to two on Monday", ARTICLE).found
    assert check_quote('"We expect   surprises in the WALLS,"', ARTICLE).found
    assert check_quote("old buildings always have them", ARTICLE).score == 100.0


def test_elided_quotes_need_every_part() -> None:
    assert check_quote("voted five to two ... the old Fenwick Hardware building", ARTICLE).found
    assert not check_quote("voted five to two … the mayor resigned in disgrace", ARTICLE).found


def test_made_up_quotes_are_not_found() -> None:
    check = check_quote("the library will close for good next spring", ARTICLE)
    assert not check.found and check.score < 90
    assert not check_quote("anything", None).found


def test_normalise() -> None:
    assert normalise("“Curly” — quotes’  and\nspaces") == "curly\" - quotes' and spaces"
