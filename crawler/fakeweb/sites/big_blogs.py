"""Two generated blogs for the blog crawl's tests: a Blogger blog on a custom domain and a
self-hosted WordPress blog, hundreds of posts each, over nine years.

They are built on :class:`~crawler.fakeweb.sites.blog_state.BlogState`, which a test edits
between crawls. Blogger's posts feed honours ``start-index``/``max-results`` but, like a blog
set to publish short feeds, serves at most ``feed_cap`` entries a page; ``fail_feed_start``
makes one feed page answer 500. Pages link their duplicates (``?m=1``, ``?showComment=``,
label and search pages, ``?replytocom=``, ``/amp/``) as the real platforms do.
"""

from __future__ import annotations

import json
from datetime import UTC
from html import escape as esc

from crawler.fakeweb.assets import png_response, static
from crawler.fakeweb.http import Request, Response, content, html, not_found
from crawler.fakeweb.site import Site
from crawler.fakeweb.sites.blog_state import BlogState, GenPost, conditional

BLOGGER_HOST = "www.harbourletters.org"
WORDPRESS_HOST = "millpondjournal.net"
STATIC = "static.harbourletters-cdn.net"
CSS = "body{font:15px Georgia,serif} .post-body{max-width:40em}"


def _body(post: GenPost) -> str:
    image = f"<img src='https://{STATIC}/img/{post.slug}.png' width='300' height='200' alt=''>"
    return image + "".join(f"<p>{esc(p)}</p>" for p in post.paragraphs)


class BloggerBlog(Site):
    """A Blogger blog on its own domain (detected by markup, not host name)."""

    hosts = (BLOGGER_HOST, STATIC)

    def __init__(self, state: BlogState, *, feed_cap: int = 25) -> None:
        super().__init__()
        self.state = state
        self.feed_cap = feed_cap
        self.fail_feed_start: int | None = None
        h = BLOGGER_HOST
        self.route(r"/", self.home, host=h)
        self.route(r"/feeds/posts/default", self.feed, host=h)
        self.route(r"/sitemap\.xml", self.sitemap, host=h)
        self.route(r"/sitemap-pages\.xml", self.sitemap_pages, host=h)
        self.route(r"/robots\.txt", lambda r: static(self._robots(), "text/plain"), host=h)
        self.route(r"/\d{4}/\d{2}/(?P<slug>[a-z0-9-]+)\.html", self.post, host=h)
        self.route(r"/search(/label/[^/]+)?", self.listing, host=h)
        self.route(r"/css/blog\.css", lambda r: static(CSS, "text/css"), host=STATIC)
        self.route(
            r"/img/[a-z0-9-]+\.png", lambda r: png_response(30, 20, (90, 90, 120)), host=STATIC
        )
        self.name("harbour-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{BLOGGER_HOST}/{post.published:%Y/%m}/{post.slug}.html"

    def _robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /search\nAllow: /\n\n"
            f"Sitemap: https://{BLOGGER_HOST}/sitemap.xml\n"
        )

    def _page(self, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html><html><head><meta content='blogger' name='generator'/>"
            f"<title>{esc(title)}</title>"
            f"<link rel='alternate' type='application/atom+xml' title='Atom' "
            f"href='https://{BLOGGER_HOST}/feeds/posts/default'/>"
            f"<link rel='stylesheet' href='https://{STATIC}/css/blog.css'/></head><body>"
            f"<div class='blog-posts hfeed'>{body}</div></body></html>"
        )

    def _post_html(self, post: GenPost, single: bool) -> str:
        url = self.url(post)
        labels = ", ".join(
            f"<a href='https://{BLOGGER_HOST}/search/label/{lab}' rel='tag'>{lab}</a>"
            for lab in post.labels
        )
        extra = ""
        if single:
            extra = (
                f"<a href='{url}?m=1'>mobile</a> "
                f"<a href='{url}?showComment=1700000000000#c1'>comment</a> "
                f"<span class='comment-count' data-count='{post.comments}'></span>"
            )
        return (
            "<div class='post hentry'>"
            f"<h3 class='post-title entry-title'><a href='{url}'>{esc(post.title)}</a></h3>"
            f"<div class='post-body entry-content'>{_body(post)}</div>"
            "<div class='post-footer'><span class='post-author vcard'>Posted by "
            "<span class='fn'>Ada Quill</span></span> "
            f"<abbr class='published' title='{post.published.isoformat()}'>"
            f"{post.published:%B %d, %Y}</abbr>"
            f"<span class='post-labels'>Labels: {labels}</span>{extra}</div></div>"
        )

    def home(self, request: Request) -> Response:
        posts = self.state.live()[:5]
        older = (
            "<a class='blog-pager-older-link' "
            f"href='https://{BLOGGER_HOST}/search?updated-max=x'>Older Posts</a>"
        )
        body = "".join(self._post_html(p, False) for p in posts) + older
        return html(self._page("Harbour Letters", body))

    def listing(self, request: Request) -> Response:
        body = "".join(self._post_html(p, False) for p in self.state.live()[:5])
        return html(self._page("Harbour Letters: search", body))

    def post(self, request: Request, slug: str) -> Response:
        post = self.state.find(slug)
        if post is None or request.path != self.url(post).split(BLOGGER_HOST, 1)[1]:
            return not_found(request)
        return conditional(
            request, post, lambda: html(self._page(post.title, self._post_html(post, True)))
        )

    def feed(self, request: Request) -> Response:
        start = int(request.arg("start-index", "1") or 1)
        if self.fail_feed_start is not None and start == self.fail_feed_start:
            return html("<h1>Internal Server Error</h1>", status=500)
        asked = int(request.arg("max-results", "25") or 25)
        size = min(asked, self.feed_cap)
        posts = self.state.live()
        page = posts[start - 1 : start - 1 + size]
        base = f"https://{BLOGGER_HOST}/feeds/posts/default"
        links = ""
        if start - 1 + size < len(posts):
            nxt = f"{base}?start-index={start + size}&amp;max-results={asked}"
            links = f"<link rel='next' href='{nxt}'/>"
        entries = "".join(
            "<entry>"
            f"<id>tag:blogger.com,1999:blog-1.post-{p.post_id}</id>"
            f"<published>{p.published.isoformat(timespec='milliseconds')}</published>"
            f"<updated>{p.listed_updated.isoformat(timespec='milliseconds')}</updated>"
            + "".join(
                f"<category scheme='http://www.blogger.com/atom/ns#' term='{lab}'/>"
                for lab in p.labels
            )
            + f"<title type='text'>{esc(p.title)}</title>"
            f"<content type='html'>{esc(_body(p))}</content>"
            f"<link rel='replies' type='text/html' href='{self.url(p)}#comment-form'/>"
            f"<link rel='alternate' type='text/html' href='{self.url(p)}'/>"
            "<author><name>Ada Quill</name></author>"
            f"<thr:total>{p.comments}</thr:total></entry>"
            for p in page
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
            "xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<title>Harbour Letters</title>{links}"
            f"<openSearch:totalResults>{len(posts)}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>{entries}</feed>"
        )
        return content(xml.encode(), "application/atom+xml; charset=UTF-8")

    def sitemap(self, request: Request) -> Response:
        posts = self.state.live()
        page = request.arg("page")
        ns = "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
        if not page:
            count = (len(posts) + 149) // 150
            items = "".join(
                f"<sitemap><loc>https://{BLOGGER_HOST}/sitemap.xml?page={n}</loc></sitemap>"
                for n in range(1, count + 1)
            )
            items += f"<sitemap><loc>https://{BLOGGER_HOST}/sitemap-pages.xml</loc></sitemap>"
            xml = f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex {ns}>{items}</sitemapindex>"
        else:
            n = int(page)
            chunk = posts[(n - 1) * 150 : n * 150]
            items = "".join(
                f"<url><loc>{self.url(p)}</loc><lastmod>{p.listed_updated.isoformat()}</lastmod></url>"
                for p in chunk
            )
            xml = f"<?xml version='1.0' encoding='UTF-8'?><urlset {ns}>{items}</urlset>"
        return content(xml.encode(), "application/xml; charset=UTF-8")

    def sitemap_pages(self, request: Request) -> Response:
        xml = (
            "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<url><loc>https://{BLOGGER_HOST}/p/about.html</loc></url></urlset>"
        )
        return content(xml.encode(), "application/xml")


class WordPressBlog(Site):
    """A self-hosted WordPress blog: REST API, paged RSS feed, wp-sitemap.xml."""

    hosts = (WORDPRESS_HOST,)

    def __init__(self, state: BlogState, *, api_enabled: bool = True) -> None:
        super().__init__()
        self.state = state
        self.api_enabled = api_enabled
        h = WORDPRESS_HOST
        self.route(r"/", self.home, host=h)
        self.route(r"/wp-json/wp/v2/posts", self.api, host=h)
        self.route(r"/feed/", self.feed, host=h)
        self.route(r"/wp-sitemap\.xml", self.sitemap_index, host=h)
        self.route(r"/wp-sitemap-posts-post-(?P<n>\d+)\.xml", self.sitemap, host=h)
        self.route(r"/robots\.txt", lambda r: static(self._robots(), "text/plain"), host=h)
        self.route(r"/\d{4}/\d{2}/\d{2}/(?P<slug>[a-z0-9-]+)/(?P<amp>amp/)?", self.post, host=h)
        self.route(r"/wp-content/style\.css", lambda r: static(CSS, "text/css"), host=h)
        self.name("millpond-blog", f"https://{h}/")

    def url(self, post: GenPost) -> str:
        return f"https://{WORDPRESS_HOST}/{post.published:%Y/%m/%d}/{post.slug}/"

    def _robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /wp-admin/\n"
            f"Sitemap: https://{WORDPRESS_HOST}/wp-sitemap.xml\n"
        )

    def _page(self, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html><html><head>"
            "<meta name='generator' content='WordPress 6.5.2'/>"
            f"<title>{esc(title)}</title>"
            f"<link rel='https://api.w.org/' href='https://{WORDPRESS_HOST}/wp-json/'/>"
            f"<link rel='alternate' type='application/rss+xml' href='https://{WORDPRESS_HOST}/feed/'/>"
            f"<link rel='alternate' type='application/rss+xml' "
            f"href='https://{WORDPRESS_HOST}/comments/feed/'/>"
            f"<link rel='stylesheet' href='https://{WORDPRESS_HOST}/wp-content/style.css'/>"
            f"</head><body>{body}</body></html>"
        )

    def home(self, request: Request) -> Response:
        body = "".join(
            f"<article><h2 class='entry-title'><a href='{self.url(p)}'>{esc(p.title)}</a>"
            "</h2></article>"
            for p in self.state.live()[:10]
        )
        return html(self._page("Millpond Journal", body))

    def post(self, request: Request, slug: str, amp: str | None) -> Response:
        post = self.state.find(slug)
        if post is None:
            return not_found(request)
        url = self.url(post)
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in post.paragraphs)
        tags = "".join(
            f"<a href='https://{WORDPRESS_HOST}/tag/{t}/' rel='tag'>{t}</a>" for t in post.labels
        )
        body = (
            f"<article><h1 class='entry-title'>{esc(post.title)}</h1>"
            "<div class='entry-meta'><span class='author vcard'>"
            "<a href='/author/ben/'>Ben Marsh</a></span>"
            f"<time class='entry-date published' datetime='{post.published.isoformat()}'></time>"
            f"<time class='updated' datetime='{post.updated.isoformat()}'></time></div>"
            f"<div class='entry-content'>{paragraphs}</div>"
            f"<footer>{tags} <a href='{url}amp/'>AMP</a> "
            f"<a href='{url}?replytocom=12#respond'>Reply</a></footer></article>"
        )
        return conditional(request, post, lambda: html(self._page(post.title, body)))

    def api(self, request: Request) -> Response:
        if not self.api_enabled:
            return content(b'{"code":"rest_disabled"}', "application/json", status=401)
        per_page = min(100, int(request.arg("per_page", "10") or 10))
        page = int(request.arg("page", "1") or 1)
        posts = self.state.live()
        pages = max(1, (len(posts) + per_page - 1) // per_page)
        if page > pages:
            return content(
                b'{"code":"rest_post_invalid_page_number"}', "application/json", status=400
            )
        items = [
            {
                "id": p.post_id,
                "link": self.url(p),
                "date": p.published.replace(tzinfo=None).isoformat(),
                "date_gmt": p.published.astimezone(UTC).replace(tzinfo=None).isoformat(),
                "modified": p.listed_updated.replace(tzinfo=None).isoformat(),
                "modified_gmt": p.listed_updated.astimezone(UTC).replace(tzinfo=None).isoformat(),
                "title": {"rendered": p.title},
                "_embedded": {"author": [{"name": "Ben Marsh"}]},
            }
            for p in posts[(page - 1) * per_page : page * per_page]
        ]
        response = content(json.dumps(items).encode(), "application/json; charset=UTF-8")
        response.headers += [("X-WP-Total", str(len(posts))), ("X-WP-TotalPages", str(pages))]
        return response

    def feed(self, request: Request) -> Response:
        page = int(request.arg("paged", "1") or 1)
        chunk = self.state.live()[(page - 1) * 10 : page * 10]
        if not chunk:
            return not_found(request)
        items = "".join(
            f"<item><title>{esc(p.title)}</title><link>{self.url(p)}</link>"
            "<dc:creator>Ben Marsh</dc:creator>"
            f"<pubDate>{p.published.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate>"
            + "".join(f"<category>{t}</category>" for t in p.labels)
            + f"<slash:comments>{p.comments}</slash:comments></item>"
            for p in chunk
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' "
            "xmlns:dc='http://purl.org/dc/elements/1.1/' "
            "xmlns:slash='http://purl.org/rss/1.0/modules/slash/'><channel>"
            f"<title>Millpond Journal</title><generator>https://wordpress.org/?v=6.5.2</generator>{items}"
            "</channel></rss>"
        )
        return content(xml.encode(), "application/rss+xml; charset=UTF-8")

    def sitemap_index(self, request: Request) -> Response:
        count = (len(self.state.live()) + 99) // 100
        items = "".join(
            f"<sitemap><loc>https://{WORDPRESS_HOST}/wp-sitemap-posts-post-{n}.xml</loc></sitemap>"
            for n in range(1, count + 1)
        )
        items += f"<sitemap><loc>https://{WORDPRESS_HOST}/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>"
        items += f"<sitemap><loc>https://{WORDPRESS_HOST}/wp-sitemap-users-1.xml</loc></sitemap>"
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><sitemapindex "
            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{items}</sitemapindex>"
        )
        return content(xml.encode(), "application/xml; charset=UTF-8")

    def sitemap(self, request: Request, n: str) -> Response:
        chunk = self.state.live()[(int(n) - 1) * 100 : int(n) * 100]
        items = "".join(
            f"<url><loc>{self.url(p)}</loc><lastmod>{p.listed_updated.isoformat()}</lastmod></url>"
            for p in chunk
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{items}</urlset>"
        )
        return content(xml.encode(), "application/xml; charset=UTF-8")
