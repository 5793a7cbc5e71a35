"""Unit tests of link discovery (crawler/links.py) and crawl scope (crawler/scope.py)."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.links import (
    PageLinks,
    css_urls,
    html_links,
    meta_refresh_url,
    srcset_urls,
    stylesheet_links,
)
from crawler.scope import MAX_URL_LENGTH, Scope, host_of, looks_like_trap, url_key

BASE = "https://news.example.com/2026/03/story.html"


def links(body: str, base: str = BASE):
    return html_links(Selector(text=f"<html><head></head><body>{body}</body></html>"), base)


def test_pages_are_made_absolute_without_fragments() -> None:
    found = links(
        '<a href="/about/#team">a</a><a href="next.html">b</a><a href="../2025/old.html">c</a>'
        '<a href="//other.example.org/x">d</a><a href="https://x.example/y#z">e</a>'
        '<a href="/a/./b/../c.html">f</a><area href="/map.html">'
    )
    assert found.pages == [
        "https://news.example.com/about/",
        "https://news.example.com/2026/03/next.html",
        "https://news.example.com/2026/2025/old.html",
        "https://other.example.org/x",
        "https://x.example/y",
        "https://news.example.com/a/c.html",
        "https://news.example.com/map.html",
    ]


@pytest.mark.parametrize(
    "href",
    ["javascript:void(0)", "JavaScript:go()", "mailto:a@b.c", "tel:123", "#top", "data:,x", ""],
)
def test_links_that_are_not_http_are_dropped(href: str) -> None:
    assert links(f'<a href="{href}">x</a>').pages == []


def test_duplicates_keep_their_first_position() -> None:
    found = links('<a href="/b">1</a><a href="/a">2</a><a href="/b#x">3</a>')
    assert found.pages == ["https://news.example.com/b", "https://news.example.com/a"]


def test_base_href_decides_relative_links() -> None:
    html = '<html><head><base href="/static/"></head><body><a href="p.html">x</a>'
    html += '<img src="i.png"></body></html>'
    found = html_links(Selector(text=html), BASE)
    assert found.pages == ["https://news.example.com/static/p.html"]
    assert found.requisites == ["https://news.example.com/static/i.png"]


def test_requisites_cover_what_a_browser_loads() -> None:
    found = links(
        '<link rel="stylesheet" href="/s.css"><link rel="icon" href="/f.ico">'
        '<link rel="alternate" href="/feed.xml">'
        '<img src="/a.png" srcset="/a-2x.png 2x, /a-3x.png 3x">'
        '<img class="lazy" src="data:image/gif;base64,R0l" data-src="/lazy.png">'
        '<picture><source srcset="/p.webp 1x"></picture>'
        '<script src="/app.js"></script><iframe src="/embed.html"></iframe>'
        '<video src="/v.mp4" poster="/poster.jpg"></video>'
        "<div style=\"background: url('/bg.png')\"></div>"
        "<style>@import '/print.css'; .x { background: url(/x.png) }</style>"
    )
    assert set(found.requisites) == {
        f"https://news.example.com{p}"
        for p in (
            "/s.css",
            "/f.ico",
            "/a.png",
            "/a-2x.png",
            "/a-3x.png",
            "/lazy.png",
            "/p.webp",
            "/app.js",
            "/embed.html",
            "/v.mp4",
            "/poster.jpg",
            "/bg.png",
            "/print.css",
            "/x.png",
        )
    }
    assert found.pages == []  # <link rel=alternate> is neither


def test_srcset_candidates_and_css_urls() -> None:
    assert srcset_urls(" a.png 1x ,b.png 640w,  c.png") == ["a.png", "b.png", "c.png"]
    css = (
        '@import url("print.css") print; @import "extra.css";\n'
        "@font-face { src: url('/f.woff2') format('woff2'), url(data:font/woff2;base64,AA) }\n"
        "body { background: url( bg.png ) }"
    )
    assert [u.strip() for u in css_urls(css)] == ["print.css", "/f.woff2", "bg.png", "extra.css"]
    assert stylesheet_links(css, "https://cdn.example/css/site.css") == [
        "https://cdn.example/css/print.css",
        "https://cdn.example/f.woff2",
        "https://cdn.example/css/bg.png",
        "https://cdn.example/css/extra.css",
    ]


def test_a_stylesheet_rel_in_capitals_is_a_requisite() -> None:
    assert links('<link rel="StyleSheet" href="/s.css">').requisites == [
        "https://news.example.com/s.css"
    ]


def test_an_upper_case_scheme_is_still_a_link() -> None:
    found = links('<a href="HTTPS://Other.example/p">x</a><img src="HTTP://cdn.example/i.png">')
    assert found.pages == ["https://Other.example/p"]
    assert found.requisites == ["http://cdn.example/i.png"]


# --- scope ---------------------------------------------------------------------------------------


def test_host_of_ignores_www_case_and_port() -> None:
    assert host_of("https://WWW.Example.com:8443/x") == "example.com"
    assert host_of("http://blog.example.com/") == "blog.example.com"
    assert host_of("https://www.M\u00f6wen-Kurier.de/") == "xn--mwen-kurier-rfb.de"


def test_pages_are_followed_on_the_seed_hosts_within_depth() -> None:
    scope = Scope.for_seeds(["https://www.example.com/"], depth=2)
    assert scope.follows_page("https://example.com/a", 1)
    assert scope.follows_page("http://www.example.com/b", 2)
    assert not scope.follows_page("https://example.com/c", 3)
    assert not scope.follows_page("https://blog.example.com/", 1)
    assert not scope.follows_page("https://other.org/", 1)
    unlimited = Scope.for_seeds(["https://example.com/"])
    assert unlimited.follows_page("https://example.com/deep", 500)


def test_include_and_exclude_patterns() -> None:
    scope = Scope.for_seeds(
        ["https://example.com/"], include=[r"/20\d\d/", r"/about/$"], exclude=[r"\?replytocom="]
    )
    assert scope.follows_page("https://example.com/2024/05/post.html", 1)
    assert scope.follows_page("https://example.com/about/", 1)
    assert not scope.follows_page("https://example.com/tag/x/", 1)
    assert not scope.follows_page("https://example.com/2024/05/post.html?replytocom=3", 1)


def test_requisites_come_from_any_host_unless_excluded_or_restricted() -> None:
    scope = Scope.for_seeds(["https://example.com/"], exclude=[r"\.mp4$"])
    assert scope.fetches_requisite("https://cdn.other.net/app.js")
    assert not scope.fetches_requisite("https://cdn.other.net/movie.mp4")
    assert not scope.fetches_requisite("https://cdn.other.net/" + "a" * MAX_URL_LENGTH)
    local = Scope.for_seeds(["https://example.com/"], requisites_any_host=False)
    assert local.fetches_requisite("https://www.example.com/s.css")
    assert not local.fetches_requisite("https://cdn.other.net/app.js")


@pytest.mark.parametrize(
    ("url", "trap"),
    [
        ("https://example.com/2026/03/14/story.html", False),
        ("https://example.com/calendar/2026/11/", False),
        ("https://example.com/a/b/a/b/a/b/", True),
        ("https://example.com/" + "/".join(f"s{n}" for n in range(25)), True),
        ("https://example.com/?q=" + "x" * MAX_URL_LENGTH, True),
    ],
)
def test_crawler_traps(url: str, trap: bool) -> None:
    assert looks_like_trap(url) is trap
    scope = Scope.for_seeds(["https://example.com/"])
    assert scope.follows_page(url, 1) is not trap


def test_srcset_urls_may_hold_commas_as_browsers_parse_them() -> None:
    gif = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    value = f"{gif} 1w, /img/w_300,h_200/a.jpg 300w,/img/c_fill,w_600/a.jpg 600w, /b.jpg (x, y) 2x"
    assert srcset_urls(value) == [
        gif,
        "/img/w_300,h_200/a.jpg",
        "/img/c_fill,w_600/a.jpg",
        "/b.jpg",
    ]
    assert srcset_urls("/a.jpg 1x,/b.jpg 2x") == ["/a.jpg", "/b.jpg"]
    assert srcset_urls("/a.jpg,/b.jpg 2x") == ["/a.jpg,/b.jpg"]  # one URL, as browsers read it
    found = links(f'<img src="{gif}" srcset="{gif} 1w" data-srcset="/img/w_1,h_2/c.png 1x">')
    assert found.requisites == ["https://news.example.com/img/w_1,h_2/c.png"]


def test_a_broken_href_does_not_cost_the_others() -> None:
    found = links(
        '<a href="//[oops/">x</a><a href="/next.html">y</a><img src="//[bad"><img src="/i.png">'
    )
    assert found.pages == ["https://news.example.com/next.html"]
    assert found.requisites == ["https://news.example.com/i.png"]


@pytest.mark.parametrize(
    ("content", "url"),
    [
        ("0; url=/moved.html", "/moved.html"),
        ("5;URL='https://other.example/x'", "https://other.example/x"),
        ('  3 , url = "/q r" ', "/q r"),
        ("1.5; next.html", "next.html"),
        ("30", None),
        ("0; url=", None),
    ],
)
def test_meta_refresh_urls(content: str, url: str | None) -> None:
    assert meta_refresh_url(content) == url


def test_a_meta_refresh_is_a_page_link() -> None:
    html = '<html><head><META HTTP-EQUIV="Refresh" CONTENT="0; URL=../moved.html"></head>'
    html += '<body><a href="/a">a</a></body></html>'
    assert html_links(Selector(text=html), BASE).pages == [
        "https://news.example.com/a",
        "https://news.example.com/2026/moved.html",
    ]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://ex.com/a.html;jsessionid=0A1B2C", "https://ex.com/a.html"),
        ("https://ex.com/b?PHPSESSID=3e9f&page=2", "https://ex.com/b?page=2"),
        ("https://ex.com/c?sid=" + "0f" * 16, "https://ex.com/c"),
        ("https://ex.com/d?ASPSESSIONIDQQGGQGPG=ABCDEF&x=1", "https://ex.com/d?x=1"),
        ("https://ex.com/e?sid=12&id=4", "https://ex.com/e?id=4&sid=12"),  # not a session ID
    ],
)
def test_session_ids_do_not_make_urls_different(url: str, key: str) -> None:
    assert url_key(url) == key


def test_preloads_and_lazy_sources_are_requisites() -> None:
    found = links(
        '<link rel="modulepreload" href="/assets/chunk-4f2a.js">'
        '<link rel="preload" as="image" href="/hero.jpg" imagesrcset="/hero-800.jpg 800w">'
        '<picture><source data-srcset="/lazy-800.webp 800w"><img data-src="/lazy.jpg"></picture>'
    )
    assert set(found.requisites) == {
        f"https://news.example.com{p}"
        for p in (
            "/assets/chunk-4f2a.js",
            "/hero.jpg",
            "/hero-800.jpg",
            "/lazy-800.webp",
            "/lazy.jpg",
        )
    }


def test_meta_robots_nofollow_is_reported() -> None:
    def links(head: str) -> PageLinks:
        body = f"<html><head>{head}</head><body><a href='/a'>a</a></body></html>"
        return html_links(Selector(text=body), "http://example.com/")

    assert links('<meta name="robots" content="noindex,nofollow">').nofollow
    assert links('<meta name="Robots" content="NONE">').nofollow
    assert links('<meta name="reftrail" content="nofollow">').nofollow
    assert not links('<meta name="robots" content="noindex">').nofollow
    assert not links('<meta name="googlebot" content="nofollow">').nofollow
    assert links('<meta name="robots" content="nofollow">').pages == ["http://example.com/a"]
