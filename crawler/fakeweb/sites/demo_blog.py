"""A made-up Blogger blog, "Riverside Notes", the seed of ``reftrail demo``.

It has what reftrail's Blogger discovery relies on, in Blogger's shape: an Atom posts feed at
``/feeds/posts/default`` (``start-index``/``max-results`` paging), ``/sitemap.xml``, year and
month archive pages, label pages, "Older Posts" links (under ``/search``, which Blogger's
robots.txt disallows) and a sidebar (profile, blogroll, labels, archive) whose links are not
citations. Styles and images come from a separate static host, as Blogger's do.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from html import escape
from urllib.parse import quote

from crawler.fakeweb.assets import png_response, static
from crawler.fakeweb.http import Request, Response, content, html
from crawler.fakeweb.site import Site
from crawler.fakeweb.sites.blog_content import (
    BLOG_AUTHOR,
    BLOG_HOST,
    BLOG_TITLE,
    BLOGROLL,
    POSTS,
    Post,
)
from crawler.fakeweb.sites.news import esc

STATIC_HOST = "resources.blogstatic-cdn.com"
PAGE_SIZE = 3
BLOG_DESCRIPTION = "A neighbour's notebook on Riverton and the lake shore"
BLOG_ID = "4417021968233105508"

BLOG_CSS = """body { font: 15px/1.5 "Trebuchet MS", sans-serif; background: #eef3ee
  url("https://%(static)s/img/body-bg.png") repeat-x; margin: 0; }
.header-outer { background: url(https://%(static)s/img/header.png) no-repeat center;
  height: 140px; }
.main-inner { display: flex; gap: 24px; max-width: 1000px; margin: 0 auto; }
.post-title { font-size: 1.6em; } .sidebar { width: 280px; font-size: 0.9em; }
"""


class DemoBlogSite(Site):
    """riverside-notes.blogspot.com and its static-resources host."""

    hosts = (BLOG_HOST, STATIC_HOST)

    def __init__(self) -> None:
        super().__init__()
        self.posts = sorted(POSTS, key=lambda p: p.published, reverse=True)
        b = BLOG_HOST
        self.route(r"/", self.home, host=b)
        self.route(r"/search", self.search, host=b)
        self.route(r"/search/label/(?P<label>[^/]+)", self.label, host=b)
        self.route(
            r"/(?P<year>\d{4})/(?P<month>\d{2})/(?P<slug>[a-z0-9-]+)\.html", self.post, host=b
        )
        self.route(r"/(?P<year>\d{4})/(?:(?P<month>\d{2})/)?", self.archive, host=b)
        self.route(r"/feeds/posts/default", self.feed, host=b)
        self.route(r"/sitemap\.xml", self.sitemap, host=b)
        self.route(r"/robots\.txt", self.robots, host=b)
        self.route(r"/favicon\.ico", lambda r: png_response(16, 16, (240, 120, 0)), host=b)
        s = STATIC_HOST
        self.route(
            r"/css/blog\.css", lambda r: static(BLOG_CSS % {"static": s}, "text/css"), host=s
        )
        self.route(r"/img/header\.png", lambda r: png_response(1000, 140, (60, 110, 80)), host=s)
        self.route(r"/img/body-bg\.png", lambda r: png_response(8, 400, (220, 232, 220)), host=s)
        self.route(r"/img/profile\.png", lambda r: png_response(80, 80, (150, 120, 90)), host=s)
        self.route(
            r"/img/posts/(?P<slug>[a-z0-9-]+)\.png",
            lambda r, slug: png_response(400, 225, (100, 130, 150)),
            host=s,
        )
        self.route(
            r"/js/widgets\.js", lambda r: static(WIDGETS_JS, "application/javascript"), host=s
        )
        self.name("blog", f"https://{b}/")
        self.name("blog-feed", f"https://{b}/feeds/posts/default")
        self.name("blog-sitemap", f"https://{b}/sitemap.xml")
        self.name("blog-post", f"https://{b}{self.posts[0].path}")
        self.name("blog-archive", f"https://{b}/2026/")

    # --- pages ----------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        return self._listing(request, self.posts[:PAGE_SIZE], BLOG_TITLE, older=True)

    def search(self, request: Request) -> Response:
        size = int(request.arg("max-results", str(PAGE_SIZE)) or PAGE_SIZE)
        before = request.arg("updated-max")
        posts = self.posts
        if before:
            try:
                limit = datetime.fromisoformat(before)
            except ValueError:
                return self.fallback(request)
            posts = [p for p in posts if p.published < limit]
        return self._listing(request, posts[:size], BLOG_TITLE, older=len(posts) > size)

    def label(self, request: Request, label: str) -> Response:
        posts = [p for p in self.posts if label in p.labels]
        if not posts:
            return self.fallback(request)
        return self._listing(request, posts, f"{BLOG_TITLE}: {label}", older=False)

    def archive(self, request: Request, year: str, month: str | None) -> Response:
        prefix = f"/{year}/" + (f"{month}/" if month else "")
        posts = [p for p in self.posts if p.path.startswith(prefix)]
        if not posts:
            return self.fallback(request)
        return self._listing(request, posts, f"{BLOG_TITLE}: {prefix.strip('/')}", older=False)

    def post(self, request: Request, year: str, month: str, slug: str) -> Response:
        paths = [p.path for p in self.posts]
        if request.path not in paths:
            return self.fallback(request)
        index = paths.index(request.path)
        post = self.posts[index]
        newer = self.posts[index - 1] if index > 0 else None
        older = self.posts[index + 1] if index + 1 < len(self.posts) else None
        pager = ""
        if newer:
            pager += (
                f"<span id='blog-pager-newer-link'><a class='blog-pager-newer-link' "
                f"href='{self._url(newer.path)}' title='Newer Post'>Newer Post</a></span>"
            )
        if older:
            pager += (
                f"<span id='blog-pager-older-link'><a class='blog-pager-older-link' "
                f"href='{self._url(older.path)}' title='Older Post'>Older Post</a></span>"
            )
        pager += f"<a class='home-link' href='{self._url('/')}'>Home</a>"
        body = (
            self._post_html(post, single=True)
            + f"<div class='blog-pager' id='blog-pager'>{pager}</div>"
        )
        return html(self._page(f"{BLOG_TITLE}: {post.title}", body, canonical=post.path))

    def fallback(self, request: Request) -> Response:
        if request.host == STATIC_HOST:
            return super().fallback(request)
        body = (
            "<div class='status-msg-wrap'><div class='status-msg-body'>Sorry, the page you "
            "were looking for in this blog does not exist.</div></div>"
        )
        page = self._page(BLOG_TITLE, body, canonical=request.path)
        return html(page, status=404)  # Blogger answers a missing post with a real 404

    # --- machine-readable -----------------------------------------------------------------------

    def feed(self, request: Request) -> Response:
        start = max(1, int(request.arg("start-index", "1") or 1))
        size = max(1, min(500, int(request.arg("max-results", "25") or 25)))
        page = self.posts[start - 1 : start - 1 + size]
        self_url = self._url("/feeds/posts/default")
        links = [
            f"<link rel='self' type='application/atom+xml' href='{self_url}'/>",
            f"<link rel='alternate' type='text/html' href='{self._url('/')}'/>",
        ]
        if start - 1 + size < len(self.posts):
            nxt = f"{self_url}?start-index={start + size}&amp;max-results={size}"
            links.append(f"<link rel='next' type='application/atom+xml' href='{nxt}'/>")
        entries = "".join(self._entry(p) for p in page)
        labels = "".join(f"<category term='{esc(lab)}'/>" for lab in self._labels())
        updated = self.posts[0].published.isoformat(timespec="milliseconds")
        xml = "".join(
            [
                "<?xml version='1.0' encoding='UTF-8'?>",
                "<feed xmlns='http://www.w3.org/2005/Atom'",
                " xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'",
                " xmlns:thr='http://purl.org/syndication/thread/1.0'>",
                f"<id>tag:blogger.com,1999:blog-{BLOG_ID}</id><updated>{updated}</updated>",
                labels,
                f"<title type='text'>{BLOG_TITLE}</title>",
                f"<subtitle type='html'>{BLOG_DESCRIPTION}</subtitle>",
                *links,
                f"<author><name>{BLOG_AUTHOR}</name></author>",
                "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>",
                f"<openSearch:totalResults>{len(self.posts)}</openSearch:totalResults>",
                f"<openSearch:startIndex>{start}</openSearch:startIndex>",
                f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>",
                entries,
                "</feed>",
            ]
        )
        return content(xml.encode("utf-8"), "application/atom+xml; charset=UTF-8")

    def sitemap(self, request: Request) -> Response:
        urls = "".join(
            f"<url><loc>{self._url(p.path)}</loc><lastmod>{p.published.isoformat()}</lastmod></url>"
            for p in self.posts
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns="
            f"'http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
        )
        return content(xml.encode("utf-8"), "application/xml; charset=UTF-8")

    def robots(self, request: Request) -> Response:
        text = (
            "User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\n"
            f"Disallow: /search\nAllow: /\n\nSitemap: {self._url('/sitemap.xml')}\n"
        )
        return static(text, "text/plain")

    # --- rendering helpers --------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"https://{BLOG_HOST}{path}"

    def _labels(self) -> list[str]:
        return sorted({label for p in self.posts for label in p.labels})

    def _body_html(self, post: Post) -> str:
        slug = post.path.rsplit("/", 1)[-1].removesuffix(".html")
        paragraphs = "".join(f"<p>{p}</p>" for p in post.paragraphs)
        refs = "".join(
            f'<li>{escape(text, quote=False)} <a href="{url}">{esc(url)}</a></li>'
            for text, url in post.references
        )
        image = (
            f"<div class='separator'><a href='https://{STATIC_HOST}/img/posts/{slug}.png'>"
            f"<img src='https://{STATIC_HOST}/img/posts/{slug}.png' width='400' "
            f"height='225' alt=''></a></div>"
        )
        return f"{image}{paragraphs}<p><b>References</b></p><ol class='references'>{refs}</ol>"

    def _entry(self, post: Post) -> str:
        stamp = post.published.isoformat(timespec="milliseconds")
        cats = "".join(
            f"<category scheme='http://www.blogger.com/atom/ns#' term='{esc(lab)}'/>"
            for lab in post.labels
        )
        post_id = int(hashlib.sha1(post.path.encode()).hexdigest()[:15], 16)
        return (
            f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{post_id}</id>"
            f"<published>{stamp}</published><updated>{stamp}</updated>{cats}"
            f"<title type='text'>{esc(post.title)}</title>"
            f"<content type='html'>{esc(self._body_html(post))}</content>"
            f"<link rel='alternate' type='text/html' href='{self._url(post.path)}' "
            f"title='{esc(post.title)}'/><author><name>{BLOG_AUTHOR}</name></author>"
            f"<thr:total>0</thr:total></entry>"
        )

    def _post_html(self, post: Post, *, single: bool) -> str:
        stamp = post.published.isoformat()
        labels = ", ".join(
            f"<a href='{self._url('/search/label/' + quote(lab))}' rel='tag'>{esc(lab)}</a>"
            for lab in post.labels
        )
        heading = (
            esc(post.title) if single else f"<a href='{self._url(post.path)}'>{esc(post.title)}</a>"
        )
        return f"""<div class='date-outer'><h2 class='date-header'>
<span>{post.published:%A, %B %d, %Y}</span></h2>
<div class='post hentry' itemprop='blogPost' itemscope='itemscope' itemtype='http://schema.org/BlogPosting'>
<h3 class='post-title entry-title' itemprop='name'>{heading}</h3>
<div class='post-body entry-content' itemprop='description articleBody'>
{self._body_html(post)}</div>
<div class='post-footer'>
<span class='post-author vcard'>Posted by <span class='fn' itemprop='author'>{BLOG_AUTHOR}</span>
</span>
at <a class='timestamp-link' href='{self._url(post.path)}' rel='bookmark'>
<abbr class='published' itemprop='datePublished' title='{stamp}'>{post.published:%I:%M %p}</abbr>
</a>
<span class='post-labels'>Labels: {labels}</span></div></div></div>
"""

    def _listing(self, request: Request, posts: list[Post], title: str, *, older: bool) -> Response:
        body = "".join(self._post_html(p, single=False) for p in posts)
        pager = f"<a class='home-link' href='{self._url('/')}'>Home</a>"
        if older and posts:
            stamp = quote(posts[-1].published.isoformat(), safe=":")
            link = self._url(f"/search?updated-max={stamp}&max-results={PAGE_SIZE}")
            pager += (
                f"<span id='blog-pager-older-link'><a class='blog-pager-older-link' "
                f"href='{esc(link)}' id='Blog1_blog-pager-older-link' title='Older Posts'>"
                "Older Posts</a></span>"
            )
        body += f"<div class='blog-pager' id='blog-pager'>{pager}</div>"
        return html(self._page(title, body, canonical=request.target))

    def _sidebar(self) -> str:
        roll = "".join(f"<li><a href='{url}'>{esc(name)}</a></li>" for name, url in BLOGROLL)
        counts = Counter(lab for p in self.posts for lab in p.labels)
        labels = "".join(
            f"<li><a dir='ltr' href='{self._url('/search/label/' + quote(lab))}'>"
            f"{esc(lab)}</a> <span dir='ltr'>({counts[lab]})</span></li>"
            for lab in sorted(counts)
        )
        months = Counter(p.path[:9] for p in self.posts)  # "/YYYY/MM/"
        archive = "".join(
            f"<li><a class='post-count-link' href='{self._url(m)}'>{m.strip('/')}"
            f"</a> <span class='post-count'>({n})</span></li>"
            for m, n in sorted(months.items(), reverse=True)
        )
        return f"""<div class='sidebar section' id='sidebar'>
<div class='widget Profile' id='Profile1'><h2>About Me</h2>
<img src='https://{STATIC_HOST}/img/profile.png' width='80' height='80' alt='My photo'>
<dl class='profile-datablock'><dt class='profile-data'>{BLOG_AUTHOR}</dt>
<dd class='profile-textblock'>Retired teacher, river walker, reader of local papers.</dd></dl></div>
<div class='widget LinkList' id='LinkList1'><h2>Blogroll</h2><ul>{roll}</ul></div>
<div class='widget Label' id='Label1'><h2>Labels</h2><ul>{labels}</ul></div>
<div class='widget BlogArchive' id='BlogArchive1'><h2>Blog Archive</h2>
<ul class='hierarchy'>{archive}</ul></div>
</div>"""

    def _page(self, title: str, body: str, *, canonical: str) -> str:
        feed = self._url("/feeds/posts/default")
        return f"""<!DOCTYPE html>
<html class='v2' dir='ltr' lang='en'>
<head>
<meta content='width=1100' name='viewport'/>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<link href='{self._url("/favicon.ico")}' rel='icon' type='image/x-icon'/>
<link href='{self._url(canonical)}' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="{BLOG_TITLE} - Atom" href="{feed}" />
<link rel="service.post" type="application/atom+xml" title="{BLOG_TITLE} - Atom"
 href="https://www.blogger.com/feeds/{BLOG_ID}/posts/default" />
<title>{esc(title)}</title>
<link type='text/css' rel='stylesheet' href='https://{STATIC_HOST}/css/blog.css' />
<script type='text/javascript' src='https://{STATIC_HOST}/js/widgets.js'></script>
</head>
<body class='loading'>
<div class='header-outer'><div class='header section' id='header'>
<div class='widget Header' id='Header1'>
<h1 class='title'><a href='{self._url("/")}'>{BLOG_TITLE}</a></h1>
<p class='description'>{BLOG_DESCRIPTION}</p></div></div></div>
<div class='main-inner'><div class='main section' id='main'><div class='widget Blog' id='Blog1'>
<div class='blog-posts hfeed'>
{body}
</div></div></div>
{self._sidebar()}
</div>
<div class='footer-outer'>Powered by
<a href='https://www.blogger.com' target='_blank'>Blogger</a>.</div>
</body>
</html>
"""


WIDGETS_JS = """(function () {
  document.body.className = document.body.className.replace("loading", "");
})();
"""
