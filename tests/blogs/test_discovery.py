"""Parsers of blog listings and post pages, on hand-made input (no network)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

from crawler.discovery.canonical import canonical_url, is_post_candidate, post_key
from crawler.discovery.dates import parse_date, wordpress_date
from crawler.discovery.feeds import parse_feed, parse_wp_posts
from crawler.discovery.platforms import detect, wp_api_url, wp_feed_url
from crawler.discovery.postpage import extract_post
from crawler.discovery.sitemaps import parse_sitemap, robots_sitemaps

ATOM = b"""<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'
 xmlns:thr='http://purl.org/syndication/thread/1.0'>
<link rel='next' href='/feeds/posts/default?start-index=3'/>
<entry><published>2020-01-02T03:04:05.000-08:00</published>
<updated>2020-01-03T00:00:00.000-08:00</updated>
<category scheme='http://www.blogger.com/atom/ns#' term='maps'/>
<title>One</title><link rel='replies' type='text/html' href='https://b.example/1.html#c'/>
<link rel='alternate' type='text/html' href='https://b.example/1.html'/>
<author><name>A</name></author><thr:total>4</thr:total></entry>
<entry><title>Two</title><link rel='alternate' type='text/html' href='https://b.example/2.html'/>"""


def test_atom_feed_entries_paging_and_a_truncated_tail() -> None:
    page = parse_feed(ATOM, "https://b.example/feeds/posts/default")
    assert page.ok
    assert page.next_url == "https://b.example/feeds/posts/default?start-index=3"
    first = page.posts[0]
    assert (first.url, first.title, first.authors, first.labels, first.comment_count) == (
        "https://b.example/1.html",
        "One",
        ["A"],
        ["maps"],
        4,
    )
    assert first.published == datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-8)))
    assert [p.url for p in page.posts] == ["https://b.example/1.html", "https://b.example/2.html"]


def test_garbage_is_not_a_feed() -> None:
    assert not parse_feed(b"<html><body>oops</body></html>", "https://x/").ok
    assert not parse_feed(b"", "https://x/").ok
    assert not parse_wp_posts(b"{not json", "https://x/").ok


def test_wordpress_dates_keep_the_blog_offset() -> None:
    value = wordpress_date("2024-05-01T12:00:00", "2024-05-01T10:00:00")
    assert value is not None and value.isoformat() == "2024-05-01T12:00:00+02:00"
    assert parse_date("Wed, 01 May 2024 10:00:00 +0000") == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_sitemaps_gzipped_nested_and_robots() -> None:
    index = b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap><loc>/s1.xml</loc></sitemap></sitemapindex>"
    parsed = parse_sitemap(gzip.compress(index), "https://b.example/sitemap.xml.gz")
    assert parsed.sitemaps == ["https://b.example/s1.xml"]
    urlset = b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://b.example/p</loc><lastmod>2021-02-03</lastmod></url></urlset>"
    page = parse_sitemap(urlset, "https://b.example/s1.xml").pages[0]
    assert page.url == "https://b.example/p" and page.updated == datetime(2021, 2, 3, tzinfo=UTC)
    robots = "User-agent: *\nDisallow: /x\nSitemap: https://b.example/a.xml\nsitemap: /b.xml\n"
    assert robots_sitemaps(robots, "https://b.example/robots.txt") == [
        "https://b.example/a.xml",
        "https://b.example/b.xml",
    ]


def test_duplicates_of_a_post_share_its_key() -> None:
    post = "https://b.example/2020/01/one.html"
    for variant in (
        post + "?m=1",
        post + "?showComment=1580000000000#c123",
        "https://B.example/2020/01/one.html?utm_source=x",
    ):
        assert post_key(variant) == post_key(post)
    wp = "https://w.example/2020/01/02/slug/"
    assert canonical_url(wp + "amp/") == wp
    assert canonical_url(wp + "?replytocom=12") == wp
    for listing in (
        "https://b.example/search/label/maps",
        "https://b.example/search?updated-max=2020-01-01T00:00:00-08:00",
        "https://w.example/tag/maps/",
        "https://w.example/comments/feed/",
        "https://w.example/",
    ):
        assert not is_post_candidate(listing), listing
    assert is_post_candidate(post)


def test_wordpress_plain_permalinks_tell_posts_from_listings_by_query() -> None:
    post = "https://w.example/?p=123"
    for variant in (
        post + "&replytocom=4#respond",
        post + "&amp=1",
        post + "&cpage=2",
        "https://w.example/?utm_source=x&p=123",
    ):
        assert post_key(variant) == post_key(post), variant
        assert is_post_candidate(variant), variant
    assert is_post_candidate("https://w.example/index.php?p=123")
    for listing in (
        "https://w.example/?paged=2",
        "https://w.example/?m=202105",
        "https://w.example/?tag=maps",
        "https://w.example/?cat=3&paged=2",
        "https://w.example/?page_id=2",
        "https://w.example/?p=123&feed=rss2",
        "https://w.example/index.php",
    ):
        assert not is_post_candidate(listing), listing


def test_wordpress_api_and_feed_urls_follow_the_permalink_style() -> None:
    query = "per_page=100&page=2"
    assert (
        wp_api_url("https://w.example/wp-json/", "wp/v2/posts", query)
        == "https://w.example/wp-json/wp/v2/posts?per_page=100&page=2"
    )
    assert (
        wp_api_url("https://w.example/?rest_route=/", "wp/v2/posts", query)
        == "https://w.example/?rest_route=/wp/v2/posts&per_page=100&page=2"
    )
    plain = detect(
        "<meta name='generator' content='WordPress 6.6'>"
        "<link rel='alternate' type='application/rss+xml' href='/?feed=rss2'>"
        "<link rel='alternate' type='application/rss+xml' href='/?feed=comments-rss2'>",
        "https://w.example/",
    )
    assert wp_feed_url(plain, "https://w.example/", 3) == "https://w.example/?feed=rss2&paged=3"
    pretty = detect(
        "<meta name='generator' content='WordPress 6.6'>"
        "<link rel='alternate' type='application/rss+xml' href='/feed/'>",
        "https://w.example/",
    )
    assert wp_feed_url(pretty, "https://w.example/", 3) == "https://w.example/feed/?paged=3"


def test_platform_detection_by_markup() -> None:
    blogger = "<html><head><meta name='generator' content='blogger'></head></html>"
    assert detect(blogger, "https://notes.example/").name == "blogger"
    wordpress = "<link rel='https://api.w.org/' href='https://w.example/wp-json/'>"
    found = detect(wordpress, "https://w.example/")
    assert found.name == "wordpress" and found.api == "https://w.example/wp-json/"
    generic = "<link rel='alternate' type='application/rss+xml' href='/index.xml'>"
    assert detect(generic, "https://g.example/").feeds == ["https://g.example/index.xml"]
    assert detect("<p>hello</p>", "https://plain.example/").name is None


def test_post_body_region_and_metadata() -> None:
    page = extract_post(
        "<html><head><title>T</title></head><body><div class='sidebar'>Blogroll</div>"
        "<h3 class='post-title'>Title</h3><div class='post-body'><p>Body text.</p></div>"
        "<abbr class='published' title='2021-03-04T05:06:07+01:00'>x</abbr>"
        "<span class='post-labels'><a rel='tag'>L1</a></span></body></html>",
        "https://b.example/p.html",
    )
    assert page.title == "Title" and page.body_text == "Body text."
    assert page.body_html == '<div class="post-body"><p>Body text.</p></div>'
    assert page.labels == ["L1"]
    assert page.published is not None and page.published.isoformat() == "2021-03-04T05:06:07+01:00"


def test_post_body_text_joins_inline_markup_and_skips_widgets() -> None:
    page = extract_post(
        "<html><body><article><div class='entry-content'><p>A book entitled <i>Beautiful"
        "</i>, by <b>W</b>ord Press.</p><p>Next<br>line</p><script>var x;</script>"
        "<div class='yarpp yarpp-related'><ol><li><a href='/x'>Older post</a></li></ol></div>"
        "</div></article><p>After</p></body></html>",
        "https://w.example/2020/01/02/slug/",
    )
    assert page.body_text == "A book entitled Beautiful, by Word Press. Next line"
