"""Reference parsing: the shapes bloggers write, in a few languages, with parts missing."""

from __future__ import annotations

import pytest

from crawler.citations.references import (
    find_date,
    is_reference_like,
    month_first,
    parse_reference,
    split_authors,
)

# (reference, authors, title, outlet, date); examples written for these tests.
CASES = [
    (
        'Healy, Jack, "Officers and Inmates Are Killed in Iraq Jail Revolt," New York Times, '
        "5/8/11",
        ["Jack Healy"],
        "Officers and Inmates Are Killed in Iraq Jail Revolt",
        "New York Times",
        "2011-05-08",
    ),
    (
        "Varga, Ilona, “Ferry Riders Ask for One More Crossing,” Lakeside Ledger, 11/3/2025",
        ["Ilona Varga"],
        "Ferry Riders Ask for One More Crossing",
        "Lakeside Ledger",
        "2025-11-03",
    ),
    (
        'Mill Valley Courier, "Council Backs Library Annex," February 3, 2026',
        [],
        "Council Backs Library Annex",
        "Mill Valley Courier",
        "2026-02-03",
    ),
    (
        '"Storm Closes Harbour Road," Coastal Weekly, 2024-01-17',
        [],
        "Storm Closes Harbour Road",
        "Coastal Weekly",
        "2024-01-17",
    ),
    (
        "“Schools Keep Their Music Teachers” – Northfield Times, March 2019",
        [],
        "Schools Keep Their Music Teachers",
        "Northfield Times",
        "2019-03",
    ),
    (
        'Ortega, Luis and Dana Whitfield, "Bridge Bids Come In High," Valley Post, 2017',
        ["Luis Ortega", "Dana Whitfield"],
        "Bridge Bids Come In High",
        "Valley Post",
        "2017",
    ),
    (
        "Brandt, Sabine, „Der Deich hält noch“, Nordsee-Kurier, 8.5.2011",
        ["Sabine Brandt"],
        "Der Deich hält noch",
        "Nordsee-Kurier",
        "2011-05-08",
    ),
    (
        "Le Courrier du Lac, « La crue atteint le pont », 12 mars 2021",
        [],
        "La crue atteint le pont",
        "Le Courrier du Lac",
        "2021-03-12",
    ),
    (
        'Diario del Valle, "El puente vuelve a abrir," 3 de junio de 2018',
        [],
        "El puente vuelve a abrir",
        "Diario del Valle",
        "2018-06-03",
    ),
    (
        "Marsh, T. (2020, May 8). Harbour dredging starts next week. Port Gazette.",
        ["T. Marsh"],
        "Harbour dredging starts next week",
        "Port Gazette",
        "2020-05-08",
    ),
    (
        '"A Title Without Anything Else"',
        [],
        "A Title Without Anything Else",
        None,
        None,
    ),
    (
        "'Single-Quoted Titles Are Rare,' Some Outlet, 1/2/99",
        [],
        None,  # single straight quotes are apostrophes too often: not a title
        None,
        "1999-01-02",
    ),
]


@pytest.mark.parametrize(("text", "authors", "title", "outlet", "when"), CASES)
def test_reference_shapes(
    text: str, authors: list[str], title: str | None, outlet: str | None, when: str | None
) -> None:
    ref = parse_reference(text)
    if title is not None:
        assert ref.title == title
    assert ref.cited_date == when
    if title is not None:
        assert ref.authors == authors
        assert ref.outlet == outlet


def test_the_urls_after_a_reference_are_not_part_of_it() -> None:
    ref = parse_reference(
        'Okafor, Ada, "Lake Levels Fall Again," Shore Daily, 7/4/22 https://shore.example/x?y=1'
    )
    assert (ref.outlet, ref.cited_date) == ("Shore Daily", "2022-07-04")


def test_month_day_order_follows_the_blog_language() -> None:
    text = 'Healy, Jack, "A Story," The Paper, 5/8/11'
    assert parse_reference(text).cited_date == "2011-05-08"
    assert parse_reference(text, language="en-US").cited_date == "2011-05-08"
    assert parse_reference(text, language="en-GB").cited_date == "2011-08-05"
    assert parse_reference(text, language="fr").cited_date == "2011-08-05"
    # A day above 12 settles it whatever the language says.
    assert parse_reference('"A Story," The Paper, 25/8/11').cited_date == "2011-08-25"
    assert parse_reference('"A Story," The Paper, 8/25/11', language="de").cited_date == (
        "2011-08-25"
    )
    assert month_first(None) and month_first("en") and not month_first("de-AT")


def test_dates_in_many_spellings() -> None:
    assert find_date("Sept. 8th 2011")[0] == "2011-09-08"
    assert find_date("8 Mai 2011")[0] == "2011-05-08"
    assert find_date("published 2011/05/08")[0] == "2011-05-08"
    assert find_date("in (2009)")[0] == "2009"
    assert find_date("Mar 2020")[0] == "2020-03"
    assert find_date("13/13/13")[0] is None
    assert find_date("no date here")[0] is None
    # The most precise date wins over a year named in the title.
    assert find_date('"The 1911 Bridge," Gazette, 5/8/11')[0] == "2011-05-08"


def test_title_only_links_and_outlet_suffixes() -> None:
    ref = parse_reference("", anchor="Harbour Road Closed by Storm - Coastal Weekly")
    assert (ref.title, ref.outlet) == ("Harbour Road Closed by Storm", "Coastal Weekly")
    ref = parse_reference("", anchor="Harbour Road Closed by Storm")
    assert (ref.title, ref.outlet) == ("Harbour Road Closed by Storm", None)


def test_authors() -> None:
    assert split_authors("Healy, Jack") == ["Jack Healy"]
    assert split_authors("by Jack Healy and Tim Arango") == ["Jack Healy", "Tim Arango"]
    assert split_authors("Healy, Jack; Arango, Tim") == ["Jack Healy", "Tim Arango"]


def test_what_reads_like_a_reference() -> None:
    assert is_reference_like('Healy, Jack, "Some Title," Times, 5/8/11')
    assert is_reference_like('"Some Title," The Times, May 2011')
    assert not is_reference_like("I walked the whole loop this morning.")
    assert not is_reference_like("")


def test_broken_input_is_tolerated() -> None:
    for text in ['"unclosed quote, Outlet, 5/8/11', ",,,", "“”", "   ", "a" * 5000, "\x00\ufffd"]:
        parse_reference(text)
