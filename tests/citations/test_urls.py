"""Cited URLs: repaired, unwrapped, stripped of tracking, keyed; bad ones refused with a reason."""

from __future__ import annotations

import pytest

from crawler.citations.urls import is_share_link, normalise

POST = "https://blog.example.org/2011/05/post.html"


@pytest.mark.parametrize(
    ("href", "url"),
    [
        (
            "https://www.google.com/url?sa=t&q=https%3A%2F%2Fnews.example.com%2Fa.html&usg=x",
            "https://news.example.com/a.html",
        ),
        (
            "https://www.google.co.uk/url?url=http://news.example.com/b.html&rct=j",
            "http://news.example.com/b.html",
        ),
        (
            "https://l.facebook.com/l.php?u=http%3A%2F%2Fnews.example.com%2Fc%3Ffbclid%3D9&h=AT",
            "http://news.example.com/c",
        ),
        (
            "https://www.youtube.com/redirect?q=https%3A%2F%2Fnews.example.com%2Fd&v=1",
            "https://news.example.com/d",
        ),
        ("https://href.li/?https://news.example.com/e", "https://news.example.com/e"),
        (
            "https://news.example.com/f?id=7&utm_source=feedburner&utm_medium=feed&gclid=abc",
            "https://news.example.com/f?id=7",
        ),
        ("https://news.example.com/g?fbclid=IwAR0&mc_cid=1&_ga=2", "https://news.example.com/g"),
        ("http//news.example.com/h.html", "http://news.example.com/h.html"),
        ("https:/news.example.com/i.html", "https://news.example.com/i.html"),
        ("www.news.example.com/j.html", "http://www.news.example.com/j.html"),
        ("//news.example.com/k.html", "https://news.example.com/k.html"),
        (" https://news.example.com/l m.html ", "https://news.example.com/l%20m.html"),
        ("/2011/04/older-post.html", "https://blog.example.org/2011/04/older-post.html"),
    ],
)
def test_cited_urls_are_cleaned(href: str, url: str) -> None:
    assert normalise(href, POST).url == url


@pytest.mark.parametrize(
    ("href", "reason"),
    [
        ("javascript:void(0)", "javascript"),
        ("JavaScript :alert(1)", "javascript"),
        ("mailto:editor@example.com", "mailto"),
        ("data:image/png;base64," + "A" * 100_000, "data"),
        ("ftp://files.example.com/a.pdf", "ftp"),
        ("http://", "malformed"),
        ("https://exa mple.com/", "malformed"),
        ("http://example.com:99999/", "malformed"),
        ("https://news.example.com/" + "a" * 3000, "too-long"),
        ("", "empty"),
    ],
)
def test_unfetchable_hrefs_have_a_reason(href: str, reason: str) -> None:
    cited = normalise(href, POST)
    assert (cited.url, cited.key, cited.reason) == (None, None, reason)


def test_relative_links_need_a_base() -> None:
    assert normalise("/a.html").reason == "relative"


def test_short_links_are_kept_to_be_followed() -> None:
    for href in (
        "https://t.co/AbC123",
        "https://bit.ly/3xyz",
        "http://feedproxy.google.com/~r/Riverton/~3/AbCdEf/story.html",
        "https://nyti.ms/2abc",
    ):
        cited = normalise(href, POST)
        assert cited.short_link and cited.url == href


def test_spellings_of_one_article_share_a_key() -> None:
    keys = {
        normalise(h).key
        for h in (
            "HTTP://News.Example.COM:80/a/../story.html?b=2&a=1#comments",
            "http://news.example.com/story.html?a=1&b=2&utm_campaign=x",
            "https://www.google.com/url?q=http://news.example.com/story.html?a%3D1%26b%3D2",
        )
    }
    assert keys == {"http://news.example.com/story.html?a=1&b=2"}


def test_share_buttons_are_recognised() -> None:
    assert is_share_link("https://twitter.com/intent/tweet?url=x")
    assert is_share_link("https://www.facebook.com/sharer/sharer.php?u=x")
    assert is_share_link("https://www.blogger.com/share-post.g?blogID=1")
    assert not is_share_link("https://twitter.com/someone/status/1")
