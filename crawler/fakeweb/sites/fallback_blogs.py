"""Blogs that publish no usable listing, and one whose feed comes late, for discovery's fallbacks.

- :class:`ArchiveOnlyBlogger`: a Blogger blog on a custom domain with its posts feed and
  sitemap disabled (404): only its home page, the archive widget's month pages and the
  "Older Posts" chain (``/search?updated-max=...&max-results=7``, which Blogger's robots.txt
  disallows unless ``allow_search`` is set) show its posts. Label pages,
  archive-widget toggles and ``?m=1`` links are there too, as on the real platform, and must not
  be crawled. ``fail_search_page`` makes the n-th Older Posts page answer 500.
  ``feed_lists = n`` switches the feed on but has it list only the newest n posts (its
  ``openSearch:totalResults`` and the widget's counts still count them all).
- :class:`ArchiveOnlyWordPress`: a self-hosted WordPress blog with the REST API closed (401),
  feeds and sitemaps off (404): home, ``/page/N/`` ("Older posts"), monthly archives with
  counts, tag and category pages.
- :class:`PlainPermalinkWordPress`: a WordPress blog on plain permalinks (``/?p=123``,
  ``/?paged=N``, ``/?m=YYYYMM``) with the REST API closed and feeds and sitemap off.
- :class:`StaticSiteBlog`: a generic blog from a static-site generator whose advertised feed
  answers 404 (or, with ``feed_items = n``, lists only the newest n posts on one page) and
  which has no sitemap: ``/page/N/`` pages linked by ``rel="next"``.
- :class:`LateFeedBlog`: a generic blog whose sitemap lists every post at once but whose paged
  Atom feed holds back its second page until every post page has been served, so most posts
  are fetched before the feed's metadata for them arrives (the post pages carry none).

Post pages carry an ETag and Last-Modified and answer conditional requests with 304, and
:meth:`BlogState.edit`, ``delete`` and ``publish`` change a blog between two crawls.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from html import escape as esc
from urllib.parse import quote

from crawler.fakeweb.assets import static
from crawler.fakeweb.http import Request, Response, content, html, http_date, not_found
from crawler.fakeweb.site import Site
from crawler.fakeweb.sites.blog_state import BlogState, GenPost, conditional

BLOGGER_HOST = "www.saltmarshnotes.com"
WORDPRESS_HOST = "quarrylane.net"
LATE_FEED_HOST = "www.tidewaterdiary.com"
STATIC_HOST = "www.lanternpress.net"
PLAIN_HOST = "fernhollow.net"
PER_PAGE_BLOGGER = 7
PER_PAGE_WORDPRESS = 10


def _paragraphs(post: GenPost) -> str:
    return "".join(f"<p>{esc(p)}</p>" for p in post.paragraphs)


def _months(posts: list[GenPost]) -> Counter[tuple[int, int]]:
    return Counter((p.published.year, p.published.month) for p in posts)


class ArchiveOnlyBlogger(Site):
    """A Blogger blog whose feed and sitemap are off: archive pages and Older Posts only."""

    hosts = (BLOGGER_HOST,)

    def __init__(self, state: BlogState) -> None:
        super().__init__()
        self.state = state
        self.fail_search_page: int | None = None  # 1 = the first Older Posts page
        # Blogger's own robots.txt disallows /search (the Older Posts chain); some blogs set
        # a custom robots.txt that allows it.
        self.allow_search = False
        # None: the posts feed is off (404); n: it works but lists only the newest n posts,
        # while its openSearch:totalResults (and the archive widget) count them all.
        self.feed_lists: int | None = None
        h = BLOGGER_HOST
        self.route(r"/", self.home, host=h)
        self.route(r"/feeds/posts/default", self.feed, host=h)
        self.route(r"/feeds/.*", not_found, host=h)
        self.route(r"/sitemap\.xml", not_found, host=h)
        self.route(r"/robots\.txt", lambda r: static(self._robots(), "text/plain"), host=h)
        self.route(
            r"/(?P<year>\d{4})/(?P<month>\d{2})/(?P<slug>[a-z0-9-]+)\.html", self.post, host=h
        )
        self.route(r"/(?P<year>\d{4})/(?P<month>\d{2})/", self.month, host=h)
        self.route(r"/(?P<year>\d{4})/", self.year, host=h)
        self.route(r"/search(?P<label>/label/[^/]+)?", self.search, host=h)
        self.name("saltmarsh-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{BLOGGER_HOST}/{post.published:%Y/%m}/{post.slug}.html"

    def _robots(self) -> str:
        rule = "Allow: /" if self.allow_search else "Disallow: /search\nAllow: /"
        return f"User-agent: Mediapartners-Google\nDisallow:\n\nUser-agent: *\n{rule}\n"

    def _older(self, before: GenPost, label: str = "") -> str:
        stamp = quote(before.published.isoformat(timespec="seconds"), safe=":-T")
        path = f"/search{label}?updated-max={stamp}&max-results={PER_PAGE_BLOGGER}"
        return (
            f"<a class='blog-pager-older-link' href='https://{BLOGGER_HOST}{path}' "
            "id='Blog1_blog-pager-older-link' title='Older Posts'>Older Posts</a>"
        )

    def _widget(self, request: Request) -> str:
        """The archive widget (hierarchy style): years and months with post counts, toggles."""
        months = _months(self.state.live())
        years = Counter[int]()
        for (year, _), n in months.items():
            years[year] += n
        toggle = (
            f"https://{BLOGGER_HOST}/?widgetType=BlogArchive&widgetId=BlogArchive1&action=toggle"
        )
        out = ["<div class='widget BlogArchive' id='BlogArchive1'><h2>Blog Archive</h2><ul>"]
        for year in sorted(years, reverse=True):
            out.append(
                f"<li class='archivedate collapsed'><a class='toggle' href='{toggle}&amp;dir=open"
                f"&amp;toggle=YEARLY-{year}'>&#9658;</a> <a class='post-count-link' "
                f"href='https://{BLOGGER_HOST}/{year}/'>{year}</a> "
                f"<span class='post-count' dir='ltr'>({years[year]})</span><ul>"
            )
            for (y, month), n in sorted(months.items(), reverse=True):
                if y == year:
                    out.append(
                        f"<li class='archivedate collapsed'><a class='post-count-link' "
                        f"href='https://{BLOGGER_HOST}/{y}/{month:02d}/'>"
                        f"{datetime(y, month, 1):%B}</a> "
                        f"<span class='post-count' dir='ltr'>({n})</span></li>"
                    )
            out.append("</ul></li>")
        out.append("</ul></div>")
        labels = sorted({label for p in self.state.posts for label in p.labels})
        out.append("<div class='widget Label' id='Label1'><ul>")
        out += [
            f"<li><a dir='ltr' href='https://{BLOGGER_HOST}/search/label/{lab}'>{lab}</a></li>"
            for lab in labels
        ]
        out.append("</ul></div>")
        return "".join(out)

    def _page(self, request: Request, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html><html><head><meta content='blogger' name='generator'/>"
            f"<title>{esc(title)}</title>"
            f"</head><body><div class='blog-posts hfeed'>{body}</div>"
            f"<div id='sidebar'>{self._widget(request)}</div></body></html>"
        )

    def _post_html(self, post: GenPost, single: bool) -> str:
        url = self.url(post)
        labels = ", ".join(
            f"<a href='https://{BLOGGER_HOST}/search/label/{lab}' rel='tag'>{lab}</a>"
            for lab in post.labels
        )
        extra = f"<a href='{url}?m=1'>mobile</a> " if single else ""
        return (
            "<div class='post hentry'>"
            f"<h3 class='post-title entry-title'><a href='{url}'>{esc(post.title)}</a></h3>"
            f"<div class='post-body entry-content'>{_paragraphs(post)}</div>"
            "<div class='post-footer'><span class='post-author vcard'>Posted by "
            "<span class='fn'>Iris Fenwick</span></span> "
            f"<abbr class='published' title='{post.published.isoformat()}'>"
            f"{post.published:%B %d, %Y}</abbr>"
            f"<span class='post-labels'>Labels: {labels}</span>{extra}"
            f"<a href='{url}?showComment=1600000000000#c2'>1 comment</a></div></div>"
        )

    def _listing(
        self, request: Request, title: str, posts: list[GenPost], more: bool, label: str = ""
    ) -> Response:
        body = "".join(self._post_html(p, False) for p in posts)
        if more and posts:
            body += self._older(posts[-1], label)
        return html(self._page(request, title, body))

    def home(self, request: Request) -> Response:
        if request.arg("widgetType"):  # an archive-widget toggle: the home page again
            return self.home(Request("GET", request.scheme, request.host, "/", request.headers))
        posts = self.state.live()
        return self._listing(
            request, "Salt Marsh Notes", posts[:PER_PAGE_BLOGGER], len(posts) > PER_PAGE_BLOGGER
        )

    def feed(self, request: Request) -> Response:
        if self.feed_lists is None:
            return not_found(request)
        posts = self.state.live()
        shown = posts[: self.feed_lists]
        start = int(request.arg("start-index", "1") or 1)
        size = min(int(request.arg("max-results", "25") or 25), 150)
        page = shown[start - 1 : start - 1 + size]
        base = f"https://{BLOGGER_HOST}/feeds/posts/default"
        more = ""
        if start - 1 + size < len(shown):
            nxt = f"{base}?start-index={start + size}&amp;max-results={size}"
            more = f"<link rel='next' href='{nxt}'/>"
        entries = "".join(
            f"<entry><id>tag:blogger.com,1999:blog-2.post-{p.post_id}</id>"
            f"<published>{p.published.isoformat(timespec='milliseconds')}</published>"
            f"<updated>{p.listed_updated.isoformat(timespec='milliseconds')}</updated>"
            + "".join(
                f"<category scheme='http://www.blogger.com/atom/ns#' term='{lab}'/>"
                for lab in p.labels
            )
            + f"<title type='text'>{esc(p.title)}</title>"
            f"<link rel='alternate' type='text/html' href='{self.url(p)}'/>"
            "<author><name>Iris Fenwick</name></author></entry>"
            for p in page
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>"
            f"<title>Salt Marsh Notes</title>{more}"
            f"<openSearch:totalResults>{len(posts)}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>{entries}</feed>"
        )
        return content(xml.encode(), "application/atom+xml; charset=UTF-8")

    def search(self, request: Request, label: str | None) -> Response:
        posts = self.state.live()
        if label:
            posts = [p for p in posts if label.rsplit("/", 1)[1] in p.labels]
        before = request.arg("updated-max")
        if before:
            if self.fail_search_page is not None:
                older_pages = [
                    p
                    for p in self.state.live()
                    if p.published.isoformat(timespec="seconds") == before
                ]
                index = self.state.live().index(older_pages[0]) if older_pages else -1
                if index + 1 == self.fail_search_page * PER_PAGE_BLOGGER:
                    return html("<h1>Server Error</h1>", status=500)
            limit = datetime.fromisoformat(before)
            posts = [p for p in posts if p.published < limit]
        size = int(request.arg("max-results", str(PER_PAGE_BLOGGER)) or PER_PAGE_BLOGGER)
        return self._listing(
            request, "Salt Marsh Notes", posts[:size], len(posts) > size, label or ""
        )

    def month(self, request: Request, year: str, month: str) -> Response:
        posts = [
            p
            for p in self.state.live()
            if (p.published.year, p.published.month) == (int(year), int(month))
        ]
        if not posts:
            return not_found(request)
        return self._listing(request, f"Salt Marsh Notes: {month}/{year}", posts, False)

    def year(self, request: Request, year: str) -> Response:
        posts = [p for p in self.state.live() if p.published.year == int(year)]
        if not posts:
            return not_found(request)
        shown = posts[:PER_PAGE_BLOGGER]
        return self._listing(request, f"Salt Marsh Notes: {year}", shown, len(posts) > len(shown))

    def post(self, request: Request, year: str, month: str, slug: str) -> Response:
        post = self.state.find(slug)
        if post is None or f"{post.published:%Y/%m}" != f"{year}/{month}":
            return not_found(request)
        return conditional(
            request,
            post,
            lambda: html(self._page(request, post.title, self._post_html(post, True))),
        )


class ArchiveOnlyWordPress(Site):
    """A WordPress blog with the REST API closed and feeds and sitemaps switched off."""

    hosts = (WORDPRESS_HOST,)

    def __init__(self, state: BlogState) -> None:
        super().__init__()
        self.state = state
        h = WORDPRESS_HOST
        self.route(r"/", self.home, host=h)
        self.route(r"/page/(?P<n>\d+)/", self.home, host=h)
        self.route(r"/wp-json/.*", self.api_closed, host=h)
        self.route(r"/(comments/)?feed/", not_found, host=h)
        self.route(r"/(wp-sitemap|sitemap_index|sitemap)\.xml", not_found, host=h)
        self.route(
            r"/robots\.txt",
            lambda r: static("User-agent: *\nDisallow: /wp-admin/\n", "text/plain"),
            host=h,
        )
        self.route(
            r"/(?P<kind>tag|category)/(?P<name>[a-z]+)/(page/(?P<n>\d+)/)?", self.term, host=h
        )
        self.route(r"/(?P<year>\d{4})/(?P<month>\d{2})/(page/(?P<n>\d+)/)?", self.month, host=h)
        self.route(r"/\d{4}/\d{2}/\d{2}/(?P<slug>[a-z0-9-]+)/(?P<amp>amp/)?", self.post, host=h)
        self.route(
            r"/wp-content/themes/quarry/style\.css", lambda r: static("body{}", "text/css"), host=h
        )
        self.name("quarrylane-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{WORDPRESS_HOST}/{post.published:%Y/%m/%d}/{post.slug}/"

    @staticmethod
    def api_closed(request: Request) -> Response:
        body = (
            b'{"code":"rest_cannot_access","message":"Only authenticated users can access'
            b' the REST API.","data":{"status":401}}'
        )
        return content(body, "application/json; charset=UTF-8", status=401)

    def _page(self, title: str, body: str, next_url: str | None = None) -> str:
        months = _months(self.state.live())
        archive = "".join(
            f"<li><a href='https://{WORDPRESS_HOST}/{y}/{m:02d}/'>{datetime(y, m, 1):%B %Y}</a>"
            f"&nbsp;({n})</li>"
            for (y, m), n in sorted(months.items(), reverse=True)
        )
        head_next = f"<link rel='next' href='{next_url}'/>" if next_url else ""
        return (
            "<!DOCTYPE html><html><head><meta name='generator' content='WordPress 6.6.1'/>"
            f"<title>{esc(title)}</title>{head_next}"
            f"<link rel='stylesheet' href='https://{WORDPRESS_HOST}/wp-content/themes/quarry/style.css'/>"
            f"</head><body><main>{body}</main><aside><section class='widget widget_archive'>"
            f"<h2>Archives</h2><ul>{archive}</ul></section></aside></body></html>"
        )

    def _listing(self, title: str, posts: list[GenPost], base: str, n: int) -> Response:
        chunk = posts[(n - 1) * PER_PAGE_WORDPRESS : n * PER_PAGE_WORDPRESS]
        if not chunk:
            return html("<h1>Page not found</h1>", status=404)
        articles = "".join(
            f"<article class='post hentry'><h2 class='entry-title'><a href='{self.url(p)}' "
            f"rel='bookmark'>{esc(p.title)}</a></h2><div class='entry-summary'>"
            f"<p>{esc(p.paragraphs[0][:120])}</p></div><footer>"
            + "".join(
                f"<a href='https://{WORDPRESS_HOST}/tag/{t}/' rel='tag'>{t}</a>" for t in p.labels
            )
            + f" <a href='https://{WORDPRESS_HOST}/category/notes/'>notes</a></footer></article>"
            for p in chunk
        )
        next_url = None
        nav = "<nav class='navigation posts-navigation'><div class='nav-links'>"
        if n * PER_PAGE_WORDPRESS < len(posts):
            next_url = f"https://{WORDPRESS_HOST}{base}page/{n + 1}/"
            nav += f"<div class='nav-previous'><a href='{next_url}'>Older posts</a></div>"
        if n > 1:
            prev = f"https://{WORDPRESS_HOST}{base}" + (f"page/{n - 1}/" if n > 2 else "")
            nav += f"<div class='nav-next'><a href='{prev}'>Newer posts</a></div>"
        return html(self._page(title, articles + nav + "</div></nav>", next_url))

    def home(self, request: Request, n: str | None = None) -> Response:
        page = int(n or request.arg("paged", "1") or 1)
        return self._listing("Quarry Lane", self.state.live(), "/", page)

    def term(self, request: Request, kind: str, name: str, n: str | None) -> Response:
        posts = [p for p in self.state.live() if kind == "category" or name in p.labels]
        return self._listing(f"Quarry Lane: {name}", posts, f"/{kind}/{name}/", int(n or 1))

    def month(self, request: Request, year: str, month: str, n: str | None) -> Response:
        posts = [
            p
            for p in self.state.live()
            if (p.published.year, p.published.month) == (int(year), int(month))
        ]
        return self._listing(
            f"Quarry Lane: {month}/{year}", posts, f"/{year}/{month}/", int(n or 1)
        )

    def post(self, request: Request, slug: str, amp: str | None) -> Response:
        post = self.state.find(slug)
        if post is None:
            return not_found(request)
        url = self.url(post)
        tags = "".join(
            f"<a href='https://{WORDPRESS_HOST}/tag/{t}/' rel='tag'>{t}</a>" for t in post.labels
        )
        body = (
            f"<article><h1 class='entry-title'>{esc(post.title)}</h1>"
            "<div class='entry-meta'><span class='author vcard'>"
            f"<a href='https://{WORDPRESS_HOST}/author/nell/'>Nell Carver</a></span>"
            f"<time class='entry-date published' datetime='{post.published.isoformat()}'></time>"
            f"</div><div class='entry-content'>{_paragraphs(post)}</div>"
            f"<footer>{tags} <a href='{url}amp/'>AMP</a> "
            f"<a href='{url}?replytocom=4#respond'>Reply</a></footer></article>"
        )
        return conditional(request, post, lambda: html(self._page(post.title, body)))


class LateFeedBlog(Site):
    """A generic blog: a sitemap lists every post, a paged Atom feed holds their metadata and
    serves its pages after the first only once every post page has been served."""

    hosts = (LATE_FEED_HOST,)
    FEED_PAGE = 10
    AUTHOR = "Wren Hollis"

    def __init__(self, state: BlogState) -> None:
        super().__init__()
        self.state = state
        self.posts_served: set[str] = set()
        h = LATE_FEED_HOST
        self.route(r"/", self.home, host=h)
        self.route(r"/feed\.xml", self.feed, host=h)
        self.route(r"/sitemap\.xml", self.sitemap, host=h)
        self.route(
            r"/robots\.txt",
            lambda r: static(f"User-agent: *\nSitemap: https://{h}/sitemap.xml\n", "text/plain"),
            host=h,
        )
        self.route(r"/notes/(?P<slug>[a-z0-9-]+)\.html", self.post, host=h)
        self.name("tidewater-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{LATE_FEED_HOST}/notes/{post.slug}.html"

    def home(self, request: Request) -> Response:
        links = "".join(
            f"<li><a href='{self.url(p)}'>{esc(p.title)}</a></li>" for p in self.state.live()[:5]
        )
        return html(
            "<!DOCTYPE html><html><head><title>Tidewater Diary</title>"
            f"<link rel='alternate' type='application/atom+xml' href='https://{LATE_FEED_HOST}/feed.xml'/>"
            f"</head><body><h1>Tidewater Diary</h1><ul>{links}</ul></body></html>"
        )

    def post(self, request: Request, slug: str) -> Response:
        post = self.state.find(slug)
        if post is None:
            return not_found(request)
        self.posts_served.add(slug)
        # No dates, author or tags in the page: only the feed tells them.
        return html(
            f"<!DOCTYPE html><html><head><title>{esc(post.title)} | Tidewater Diary</title></head>"
            f"<body><article><h1>{esc(post.title)}</h1><div class='post-content'>"
            f"{_paragraphs(post)}</div></article></body></html>"
        )

    def sitemap(self, request: Request) -> Response:
        items = "".join(
            f"<url><loc>{self.url(p)}</loc><lastmod>{p.published.date().isoformat()}</lastmod></url>"
            for p in self.state.live()
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{items}</urlset>"
        )
        return content(xml.encode(), "application/xml")

    def feed(self, request: Request) -> Response:
        n = int(request.arg("page", "1") or 1)
        posts = self.state.live()
        chunk = posts[(n - 1) * self.FEED_PAGE : n * self.FEED_PAGE]
        base = f"https://{LATE_FEED_HOST}/feed.xml"
        nxt = (
            f"<link rel='next' href='{base}?page={n + 1}'/>"
            if n * self.FEED_PAGE < len(posts)
            else ""
        )
        entries = "".join(
            f"<entry><id>{self.url(p)}</id><title>{esc(p.title)}</title>"
            f"<link rel='alternate' type='text/html' href='{self.url(p)}'/>"
            f"<published>{p.published.isoformat()}</published><updated>{p.updated.isoformat()}</updated>"
            f"<author><name>{self.AUTHOR}</name></author>"
            + "".join(f"<category term='{t}'/>" for t in p.labels)
            + "</entry>"
            for p in chunk
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Tidewater Diary</title>{nxt}{entries}</feed>"
        ).encode()
        response = content(b"", "application/atom+xml; charset=UTF-8")
        response.body = xml if n == 1 else self._after_posts(xml)
        return response

    async def _after_posts(self, body: bytes, limit: float = 20.0) -> AsyncIterator[bytes]:
        """Hold the body back until every post page has been served (or ``limit`` seconds)."""
        wanted = {p.slug for p in self.state.live()}
        waited = 0.0
        while not wanted <= self.posts_served and waited < limit:
            await asyncio.sleep(0.05)
            waited += 0.05
        yield body


class StaticSiteBlog(Site):
    """A generic blog made by a static-site generator: its feed link answers 404 and it has no
    sitemap; the home page and ``/page/N/`` ("Older posts", ``rel="next"``) list the posts."""

    hosts = (STATIC_HOST,)
    PER_PAGE = 5

    def __init__(self, state: BlogState) -> None:
        super().__init__()
        self.state = state
        # None: the advertised feed answers 404; n: an RSS feed of the newest n posts, one
        # page, no next link (Hugo's rssLimit, most themes' "show the latest n").
        self.feed_items: int | None = None
        h = STATIC_HOST
        self.route(r"/", self.listing, host=h)
        self.route(r"/index\.xml", self.feed, host=h)
        self.route(r"/page/(?P<n>\d+)/", self.listing, host=h)
        self.route(r"/posts/(?P<slug>[a-z0-9-]+)/", self.post, host=h)
        self.route(r"/tags/(?P<tag>[a-z]+)/", self.tag, host=h)
        self.name("lantern-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{STATIC_HOST}/posts/{post.slug}/"

    def _page(self, title: str, body: str) -> Response:
        return html(
            f"<!DOCTYPE html><html><head><title>{esc(title)}</title>"
            f"<link rel='alternate' type='application/rss+xml' href='https://{STATIC_HOST}/index.xml'/>"
            f"</head><body><header><a href='https://{STATIC_HOST}/'>Lantern Press</a></header>"
            f"<main>{body}</main></body></html>"
        )

    def _entries(self, posts: list[GenPost]) -> str:
        return "".join(
            f"<article><h2><a href='{self.url(p)}'>{esc(p.title)}</a></h2>"
            f"<time datetime='{p.published.isoformat()}'>{p.published:%d %b %Y}</time> "
            + " ".join(f"<a href='https://{STATIC_HOST}/tags/{t}/'>#{t}</a>" for t in p.labels)
            + "</article>"
            for p in posts
        )

    def listing(self, request: Request, n: str | None = None) -> Response:
        page, posts = int(n or 1), self.state.live()
        chunk = posts[(page - 1) * self.PER_PAGE : page * self.PER_PAGE]
        if not chunk:
            return not_found(request)
        nav = ""
        if page * self.PER_PAGE < len(posts):
            nav = (
                f"<nav><a rel='next' href='https://{STATIC_HOST}/page/{page + 1}/'>"
                "Older posts &rarr;</a></nav>"
            )
        return self._page("Lantern Press", self._entries(chunk) + nav)

    def feed(self, request: Request) -> Response:
        if self.feed_items is None:
            return not_found(request)
        items = "".join(
            f"<item><title>{esc(p.title)}</title><link>{self.url(p)}</link>"
            f"<guid>{self.url(p)}</guid><pubDate>{http_date(p.published.timestamp())}</pubDate>"
            "</item>"
            for p in self.state.live()[: self.feed_items]
        )
        xml = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Lantern Press</title><link>https://{STATIC_HOST}/</link>{items}"
            "</channel></rss>"
        )
        return content(xml.encode(), "application/rss+xml")

    def tag(self, request: Request, tag: str) -> Response:
        return self._page(
            f"#{tag}", self._entries([p for p in self.state.live() if tag in p.labels])
        )

    def post(self, request: Request, slug: str) -> Response:
        post = self.state.find(slug)
        if post is None:
            return not_found(request)
        return conditional(
            request,
            post,
            lambda: self._page(
                post.title,
                f"<article><h1>{esc(post.title)}</h1><time datetime='{post.published.isoformat()}'>"
                f"</time><div class='post-content'>{_paragraphs(post)}</div></article>",
            ),
        )


class PlainPermalinkWordPress(Site):
    """A WordPress blog left on plain permalinks: posts at ``/?p=123``, listing pages at
    ``/?paged=N``, months at ``/?m=YYYYMM``, tags at ``/?tag=x``; the REST API is closed by a
    plugin (``/?rest_route=`` answers 401) and the feeds and sitemap are switched off (404).
    Without rewrite rules the server knows no other path than ``/`` (and ``index.php``)."""

    hosts = (PLAIN_HOST,)
    PER_PAGE = 10

    def __init__(self, state: BlogState) -> None:
        super().__init__()
        self.state = state
        h = PLAIN_HOST
        self.route(r"/(index\.php)?", self.front, host=h)
        self.route(
            r"/robots\.txt",
            lambda r: static("User-agent: *\nDisallow: /wp-admin/\n", "text/plain"),
            host=h,
        )
        self.route(r"/wp-includes/css/style\.css", lambda r: static("body{}", "text/css"), host=h)
        self.name("fernhollow-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{PLAIN_HOST}/?p={post.post_id}"

    def front(self, request: Request) -> Response:
        """``index.php`` answers everything by its query, as WordPress does."""
        if request.arg("rest_route"):
            return ArchiveOnlyWordPress.api_closed(request)
        if request.arg("feed") or request.arg("sitemap") or request.arg("sitemap-stylesheet"):
            return not_found(request)
        page = int(request.arg("paged", "1") or 1)
        if request.arg("p"):
            return self.post(request, request.arg("p"))
        posts = self.state.live()
        base = "/?"
        if request.arg("tag"):
            posts = [p for p in posts if request.arg("tag") in p.labels]
            base = f"/?tag={request.arg('tag')}&"
        elif request.arg("m"):
            stamp = request.arg("m")
            posts = [p for p in posts if f"{p.published:%Y%m}" == stamp]
            base = f"/?m={stamp}&"
        return self._listing(posts, base, page)

    def _page(self, title: str, body: str, head: str = "") -> str:
        months = _months(self.state.live())
        archive = "".join(
            f"<li><a href='https://{PLAIN_HOST}/?m={y}{m:02d}'>{datetime(y, m, 1):%B %Y}</a>"
            f"&nbsp;({n})</li>"
            for (y, m), n in sorted(months.items(), reverse=True)
        )
        return (
            "<!DOCTYPE html><html><head><meta name='generator' content='WordPress 6.6.1'/>"
            f"<title>{esc(title)}</title>"
            f"<link rel='https://api.w.org/' href='https://{PLAIN_HOST}/?rest_route=/'/>"
            f"<link rel='alternate' type='application/rss+xml' title='Fern Hollow &raquo; Feed' "
            f"href='https://{PLAIN_HOST}/?feed=rss2'/>"
            f"<link rel='alternate' type='application/rss+xml' title='Comments Feed' "
            f"href='https://{PLAIN_HOST}/?feed=comments-rss2'/>"
            f"<link rel='stylesheet' href='https://{PLAIN_HOST}/wp-includes/css/style.css'/>"
            f"{head}</head><body><main>{body}</main><aside>"
            "<section class='widget widget_archive'>"
            f"<h2>Archives</h2><ul>{archive}</ul></section></aside></body></html>"
        )

    def _listing(self, posts: list[GenPost], base: str, n: int) -> Response:
        chunk = posts[(n - 1) * self.PER_PAGE : n * self.PER_PAGE]
        if not chunk:
            return html(self._page("Page not found", "<h1>Nothing here</h1>"), status=404)
        articles = "".join(
            f"<article class='post hentry'><h2 class='entry-title'><a href='{self.url(p)}' "
            f"rel='bookmark'>{esc(p.title)}</a></h2><time class='entry-date published' "
            f"datetime='{p.published.isoformat(timespec='seconds')}'>{p.published:%B %d, %Y}</time>"
            f"<div class='entry-summary'><p>{esc(p.paragraphs[0][:120])}</p></div><footer>"
            + "".join(
                f"<a href='https://{PLAIN_HOST}/?tag={t}' rel='tag'>{t}</a>" for t in p.labels
            )
            + f" <a href='https://{PLAIN_HOST}/?cat=1'>notes</a> "
            f"<a href='{self.url(p)}#respond'>Leave a comment</a></footer></article>"
            for p in chunk
        )
        head = ""
        nav = "<nav class='navigation posts-navigation'><div class='nav-links'>"
        if n * self.PER_PAGE < len(posts):
            older = f"https://{PLAIN_HOST}{base}paged={n + 1}"
            head = f"<link rel='next' href='{older}'/>"
            nav += f"<div class='nav-previous'><a href='{older}'>Older posts</a></div>"
        if n > 1:
            newer = f"https://{PLAIN_HOST}{base}" + (f"paged={n - 1}" if n > 2 else "")
            nav += f"<div class='nav-next'><a href='{newer.rstrip('?&')}'>Newer posts</a></div>"
        return html(self._page("Fern Hollow", articles + nav + "</div></nav>", head))

    def post(self, request: Request, number: str) -> Response:
        post = next((p for p in self.state.live() if str(p.post_id) == number), None)
        if post is None or self.state.find(post.slug) is None:
            return html(self._page("Page not found", "<h1>Nothing here</h1>"), status=404)
        url = self.url(post)
        tags = "".join(
            f"<a href='https://{PLAIN_HOST}/?tag={t}' rel='tag'>{t}</a>" for t in post.labels
        )
        body = (
            f"<article><h1 class='entry-title'>{esc(post.title)}</h1>"
            "<div class='entry-meta'><span class='author vcard'>"
            f"<a href='https://{PLAIN_HOST}/?author=1'>Tobias Reed</a></span>"
            "<time class='entry-date published' "
            f"datetime='{post.published.isoformat(timespec='seconds')}'></time>"
            f"</div><div class='entry-content'>{_paragraphs(post)}</div>"
            f"<footer>{tags} <a href='{url}&amp;amp=1'>AMP</a> "
            f"<a href='{url}&amp;replytocom=4#respond'>Reply</a></footer></article>"
        )
        head = f"<link rel='canonical' href='{url}'/><link rel='shortlink' href='{url}'/>"
        return conditional(request, post, lambda: html(self._page(post.title, body, head)))
