"""The archive walk's parts on hand-made pages (no network): listing pages, the plan of which
listing pages to fetch, and how a later, richer listing of a post merges into an earlier one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.discovery.archive_walk import CHAIN, MONTH, ArchiveWalk
from crawler.discovery.entries import ListedPost
from crawler.discovery.listings import DateArchive, ListingPage, parse_listing

TZ = timezone(timedelta(hours=-7))

BLOGGER_HOME = """<html><head><meta content='blogger' name='generator'/></head><body>
<div class='blog-posts hfeed'>
 <div class='post hentry'><h3 class='post-title entry-title'>
  <a href='https://b.example/2011/05/tide-tables.html'>Tide tables</a></h3>
  <div class='post-body'>text <a href='https://b.example/2010/01/older-post.html'>see</a></div>
  <abbr class='published' title='2011-05-10T08:15:00-07:00'>May 10</abbr>
  <a href='https://b.example/search/label/maps' rel='tag'>maps</a>
  <a href='https://b.example/2011/05/tide-tables.html?showComment=1#c'>1 comment</a></div>
 <a class='blog-pager-older-link'
    href='https://b.example/search?updated-max=2011-05-10T08:15:00-07:00&amp;max-results=7'>
    Older Posts</a>
</div>
<div class='widget BlogArchive' id='BlogArchive1'><ul>
 <li class='archivedate expanded'><a class='toggle'
   href='https://b.example/?widgetType=BlogArchive&amp;action=toggle&amp;toggle=YEARLY-2011'>v</a>
  <a class='post-count-link' href='https://b.example/2011/'>2011</a>
  <span class='post-count' dir='ltr'>(3)</span>
  <ul><li class='archivedate'><a class='post-count-link' href='https://b.example/2011/05/'>May</a>
   <span class='post-count' dir='ltr'>(2)</span></li>
   <li class='archivedate'><a class='post-count-link' href='https://b.example/2011/02/'>Feb</a>
   <span class='post-count' dir='ltr'>(1,204)</span></li></ul></li>
</ul></div>
<a href='https://other.example/2011/05/elsewhere.html'>a friend</a>
</body></html>"""

WORDPRESS_PAGE = """<html><body><main>
<article class='post'><h2 class='entry-title'>
 <a href='/2019/03/04/first-light/' rel='bookmark'>First light</a></h2>
 <time class='entry-date published' datetime='2019-03-04T09:00:00+01:00'></time>
 <a href='/tag/dawn/' rel='tag'>dawn</a></article>
<article class='post'><h2 class='entry-title'><a href='/2019/03/01/fog/'>Fog</a></h2></article>
<nav><div class='nav-previous'><a href='/page/3/'>Older posts</a></div>
<div class='nav-next'><a href='/'>Newer posts</a></div></nav></main>
<aside class='widget_archive'><ul><li><a href='/2019/03/'>March 2019</a>&nbsp;(12)</li>
<li><a href='/2019/02/'>February 2019</a>&nbsp;(9)</li></ul></aside></body></html>"""


def test_a_blogger_home_page_as_a_listing() -> None:
    page = parse_listing(BLOGGER_HOME, "https://b.example/", blogger=True)
    # Permalinks only, this host only; the post body's link to an older post counts too.
    assert [p.url for p in page.posts] == [
        "https://b.example/2011/05/tide-tables.html",
        "https://b.example/2010/01/older-post.html",
    ]
    first = page.posts[0]
    assert (first.title, first.labels, first.source) == ("Tide tables", ["maps"], "page")
    assert first.published == datetime(2011, 5, 10, 8, 15, tzinfo=TZ)
    assert page.older == (
        "https://b.example/search?updated-max=2011-05-10T08:15:00-07:00&max-results=7"
    )
    # Months with their counts; year links and widget toggles are not archives to walk.
    assert page.archives == [
        DateArchive("https://b.example/2011/05/", 2011, 5, 2),
        DateArchive("https://b.example/2011/02/", 2011, 2, 1204),
    ]


def test_a_wordpress_page_as_a_listing() -> None:
    page = parse_listing(WORDPRESS_PAGE, "https://w.example/page/2/")
    assert [p.url for p in page.posts] == [
        "https://w.example/2019/03/04/first-light/",
        "https://w.example/2019/03/01/fog/",
    ]
    assert page.posts[0].labels == ["dawn"]
    assert page.older == "https://w.example/page/3/"  # "Older posts", not "Newer posts"
    assert [(a.month, a.count) for a in page.archives] == [(3, 12), (2, 9)]


def test_the_archive_widget_as_a_dropdown() -> None:
    page = parse_listing(
        "<select name='BlogArchive1_ArchiveMenu'><option value=''>Blog Archive</option>"
        "<option value='https://b.example/2012/01/'>January 2012 (4)</option>"
        "<option value='https://b.example/2011/12/'>December 2011 (17)</option>"
        "<option value='https://b.example/search/label/maps'>maps</option></select>",
        "https://b.example/",
        blogger=True,
    )
    assert [(a.url, a.count) for a in page.archives] == [
        ("https://b.example/2012/01/", 4),
        ("https://b.example/2011/12/", 17),
    ]


def test_a_wordpress_page_on_plain_permalinks() -> None:
    page = parse_listing(
        "<html><body><article class='post'><h2 class='entry-title'>"
        "<a href='/?p=41' rel='bookmark'>Ferns</a></h2>"
        "<time class='entry-date published' datetime='2021-05-03T10:00:00-07:00'></time>"
        "<a href='/?p=41#respond'>Reply</a> <a href='/?tag=ferns' rel='tag'>ferns</a></article>"
        "<div class='nav-previous'><a href='/?paged=2'>Older posts</a></div>"
        "<section class='widget widget_archive'><ul>"
        "<li><a href='/?m=202105'>May 2021</a>&nbsp;(4)</li>"
        "<li><a href='/?m=202104'>April 2021</a>&nbsp;(2)</li></ul></section></body></html>",
        "https://w.example/",
    )
    assert [p.url for p in page.posts] == ["https://w.example/?p=41"]
    assert page.posts[0].published == datetime(2021, 5, 3, 10, tzinfo=TZ)
    assert page.older == "https://w.example/?paged=2"
    assert page.archives == [
        DateArchive("https://w.example/?m=202105", 2021, 5, 4),
        DateArchive("https://w.example/?m=202104", 2021, 4, 2),
    ]


def test_a_page_with_nothing_to_list() -> None:
    page = parse_listing("", "https://w.example/")
    assert page == ListingPage()


def _posts(*months: tuple[int, int]) -> list[ListedPost]:
    return [
        ListedPost(f"https://b.example/{y}/{m:02d}/p{i}.html", "page")
        for i, (y, m) in enumerate(months)
    ]


def _archives(counts: dict[tuple[int, int], int | None]) -> list[DateArchive]:
    return [DateArchive(f"https://b.example/{y}/{m:02d}/", y, m, n) for (y, m), n in counts.items()]


def test_the_walk_takes_the_chain_when_it_costs_fewer_pages() -> None:
    # 20 months of one post each, 2 posts a page: 9 chain pages against 18 month pages.
    counts = {(2020, m): 1 for m in range(1, 13)} | {(2019, m): 1 for m in range(1, 9)}
    home = ListingPage(
        _posts((2020, 12), (2020, 11)), "https://b.example/older1", _archives(counts)
    )
    walk = ArchiveWalk()
    walk.count(home.posts)
    assert walk.start(home) == [("https://b.example/older1", CHAIN)]
    # A chain page with new posts leads on; one with none ends the chain, and the months the
    # counts say are still short are fetched, only those.
    page = ListingPage(_posts((2020, 10), (2020, 9)), "https://b.example/older2")
    walk.count(page.posts)
    assert walk.chain_page(page, 2) == [("https://b.example/older2", CHAIN)]
    plan = walk.chain_page(ListingPage([], "https://b.example/older3"), 0)
    assert {url for url, _ in plan} == {
        f"https://b.example/{y}/{m:02d}/"
        for (y, m) in counts
        if (y, m) not in {(2020, 12), (2020, 11), (2020, 10), (2020, 9)}
    }
    assert {kind for _, kind in plan} == {MONTH}
    assert walk.top_up() == []  # once


def test_a_short_feed_is_topped_up_only_where_the_counts_say_so() -> None:
    counts = {(2020, 3): 2, (2020, 2): 3, (2020, 1): 1, (2019, 12): 4}
    home = ListingPage(_posts((2020, 3)), None, _archives(counts))
    listed = _posts((2020, 3), (2020, 3), (2020, 2), (2020, 1), (2019, 12))
    walk = ArchiveWalk()
    walk.count(listed)
    assert walk.short_months(home) == [
        ("https://b.example/2020/02/", MONTH),
        ("https://b.example/2019/12/", MONTH),
    ]
    since = ArchiveWalk()
    since.count(listed)
    assert since.short_months(home, since=(2020, 1)) == [("https://b.example/2020/02/", MONTH)]
    complete = ArchiveWalk()
    complete.count(listed + _posts((2020, 2), (2020, 2), *[(2019, 12)] * 3))
    assert complete.short_months(home) == []
    uncounted = ArchiveWalk()
    uncounted.count(listed)
    assert uncounted.short_months(ListingPage([], None, _archives(dict.fromkeys(counts)))) == []


def test_the_walk_takes_the_months_when_they_are_fewer() -> None:
    counts = {(2020, 1): 30, (2020, 2): 25}  # 55 posts, 5 a page: 11 chain pages, 2 months
    home = ListingPage(_posts(*[(2020, 2)] * 5), "https://b.example/older1", _archives(counts))
    walk = ArchiveWalk()
    walk.count(home.posts)
    assert walk.start(home) == [
        ("https://b.example/2020/02/", MONTH),
        ("https://b.example/2020/01/", MONTH),
    ]
    # A month page that shows part of its month leads on while the count is not reached.
    month = ListingPage(_posts(*[(2020, 1)] * 20), "https://b.example/2020/01/?page=2")
    walk.count(month.posts)
    assert walk.month_page(month, "https://b.example/2020/01/") == [
        ("https://b.example/2020/01/?page=2", MONTH)
    ]
    walk.count(_posts(*[(2020, 1)] * 10))
    assert walk.month_page(month, "https://b.example/2020/01/") == []


def test_a_broken_chain_without_counts_falls_back_to_every_month() -> None:
    home = ListingPage(
        _posts((2020, 2)), "https://b.example/older1", _archives({(2020, 2): None, (2020, 1): None})
    )
    walk = ArchiveWalk()
    walk.count(home.posts)
    assert walk.start(home) == [("https://b.example/older1", CHAIN)]
    assert sorted(walk.chain_page(None, 0)) == [
        ("https://b.example/2020/01/", MONTH),
        ("https://b.example/2020/02/", MONTH),
    ]


def test_a_feed_entry_overrides_what_a_sitemap_line_told() -> None:
    when = datetime(2021, 6, 1, 12, tzinfo=TZ)
    listed = ListedPost("https://t.example/a.html", "sitemap", updated=when)
    feed = ListedPost(
        "https://t.example/a.html",
        "feed",
        title="A",
        authors=["W"],
        published=when - timedelta(days=2),
        updated=when - timedelta(hours=1),  # the sitemap's lastmod was later: the feed wins
        labels=["x"],
        comment_count=0,
    )
    assert listed.merge(feed) is True
    assert (listed.source, listed.title, listed.authors, listed.labels) == (
        "feed",
        "A",
        ["W"],
        ["x"],
    )
    assert listed.updated == when - timedelta(hours=1) and listed.comment_count == 0
    # A poorer listing afterwards fills nothing and changes nothing.
    assert listed.merge(ListedPost("https://t.example/a.html", "sitemap", updated=when)) is False
    assert listed.updated == when - timedelta(hours=1)
