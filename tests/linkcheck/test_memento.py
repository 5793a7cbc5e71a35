"""Reading a Memento TimeGate's answer: Link headers (RFC 8288) and picking the copy."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.linkcheck.memento import (
    http_datetime,
    latest_before,
    parse_http_datetime,
    parse_link_header,
    timegate_url,
)

# The shape of a Wayback Machine TimeGate answer (commas inside a URL, quoted rel lists).
HEADER = (
    '<http://example.com/a,b?x=1>; rel="original", '
    '<https://web.archive.org/web/timemap/link/http://example.com/a,b?x=1>; rel="timemap"; '
    'type="application/link-format", '
    "<https://web.archive.org/web/20010101000000/http://example.com/a,b?x=1>; "
    'rel="first memento"; datetime="Mon, 01 Jan 2001 00:00:00 GMT", '
    "<https://web.archive.org/web/20150505120000/http://example.com/a,b?x=1>; "
    'rel="prev memento"; datetime="Tue, 05 May 2015 12:00:00 GMT", '
    "<https://web.archive.org/web/20160606000000/http://example.com/a,b?x=1>; "
    'rel="memento"; datetime="Mon, 06 Jun 2016 00:00:00 GMT", '
    "<https://web.archive.org/web/20200202000000/http://example.com/a,b?x=1>; "
    'rel="last memento"; datetime="Sun, 02 Feb 2020 00:00:00 GMT"'
)


def test_link_header_targets_rels_and_datetimes() -> None:
    links = parse_link_header(HEADER)
    assert [sorted(link.rels) for link in links] == [
        ["original"],
        ["timemap"],
        ["first", "memento"],
        ["memento", "prev"],
        ["memento"],
        ["last", "memento"],
    ]
    assert links[0].url == "http://example.com/a,b?x=1"
    assert links[1].params["type"] == "application/link-format"
    assert links[3].datetime == datetime(2015, 5, 5, 12, tzinfo=UTC)
    assert parse_link_header("") == [] and parse_link_header("garbage, <x") == []


def test_the_latest_memento_not_after_the_wanted_time() -> None:
    links = parse_link_header(HEADER)
    chosen = latest_before(links, datetime(2016, 1, 1, tzinfo=UTC))
    assert chosen is not None and "20150505120000" in chosen.url
    exact = latest_before(links, datetime(2016, 6, 6, tzinfo=UTC))
    assert exact is not None and "20160606000000" in exact.url
    assert latest_before(links, datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_dates_and_timegate_urls() -> None:
    when = datetime(2025, 12, 14, 14, 30, tzinfo=UTC)
    assert http_datetime(when) == "Sun, 14 Dec 2025 14:30:00 GMT"
    assert parse_http_datetime(http_datetime(when)) == when
    assert parse_http_datetime("not a date") is None
    url = "http://example.com/x"
    assert timegate_url("https://web.archive.org/web/", url) == "https://web.archive.org/web/" + url
    assert timegate_url("https://tg.example/timegate/{url}", url) == (
        "https://tg.example/timegate/" + url
    )
