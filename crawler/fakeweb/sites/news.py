"""A made-up news outlet: home page, sections, article pages with realistic markup.

Article pages carry what extractors look for (``<title>``, Open Graph and ``article:`` meta,
JSON-LD NewsArticle, a byline, ``<time datetime>``, several body paragraphs) and the page
requisites an archive must capture to replay them: a stylesheet that ``@import``s another and
references a font and a background image with ``url()``, images with ``srcset`` and a lazy
``data-src``, a script, and an iframe.
"""

from __future__ import annotations

import datetime
import html as htmllib
import json
import re
from dataclasses import dataclass, field

from crawler.fakeweb.assets import font, png_response, static
from crawler.fakeweb.http import Request, Response, html
from crawler.fakeweb.site import Handler, Site

LAZY_PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


@dataclass(frozen=True)
class Article:
    """One story; ``path`` is where it lives on its outlet's host."""

    path: str
    title: str
    author: str
    published: datetime.date
    section: str
    paragraphs: tuple[str, ...]
    photo_caption: str = ""

    @property
    def slug(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")

    @property
    def citation_date(self) -> str:
        """The M/D/YY form bloggers write in reference lists."""
        day = self.published
        return f"{day.month}/{day.day}/{day.year % 100:02d}"

    def citation(self, outlet: str) -> str:
        last, _, first = self.author.rpartition(" ")[::-1]
        return f'{last}, {first}, "{self.title}," {outlet}, {self.citation_date}'


@dataclass
class Outlet:
    """Who publishes: name, host, canonical scheme, the articles and the look."""

    name: str
    host: str
    scheme: str
    tagline: str
    sections: tuple[str, ...]
    articles: tuple[Article, ...] = field(default_factory=tuple)
    accent: tuple[int, int, int] = (120, 20, 30)

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"


def esc(text: str) -> str:
    return htmllib.escape(text, quote=True)


class NewsSite(Site):
    """Serves one :class:`Outlet` on its host (http and https)."""

    def __init__(self, outlet: Outlet) -> None:
        super().__init__()
        self.outlet = outlet
        self.hosts = (outlet.host,)
        self._articles = {article.path: article for article in outlet.articles}
        self.route(r"/", self.home)
        self.route(r"/robots\.txt", self.robots)
        self.route(r"/sitemap\.xml", self.sitemap)
        self.route(r"/section/(?P<section>[a-z-]+)/", self.section)
        self.route(r"/static/css/site\.css", lambda r: static(self.stylesheet(), "text/css"))
        self.route(r"/static/css/print\.css", lambda r: static(PRINT_CSS, "text/css"))
        self.route(r"/static/js/site\.js", lambda r: static(SITE_JS, "application/javascript"))
        self.route(
            r"/static/fonts/(?P<name>[a-z-]+)\.woff2",
            lambda r, name: static(font(name), "font/woff2"),
        )
        self.route(r"/static/img/logo\.png", lambda r: png_response(240, 48, outlet.accent))
        self.route(r"/static/img/paper\.png", lambda r: png_response(32, 32, (246, 242, 232)))
        self.route(r"/static/img/house-ad\.png", lambda r: png_response(300, 250, (30, 90, 160)))
        self.route(r"/static/img/photos/(?P<name>[a-z0-9-]+)-(?P<width>640|1280)\.png", self.photo)
        self.route(r"/favicon\.ico", lambda r: png_response(16, 16, outlet.accent))
        self.route(r"/embed/map\.html", self.map_embed)
        for article in outlet.articles:
            self.route(_literal(article.path), self._article_handler(article))

    # --- pages --------------------------------------------------------------------------------

    def page(self, title: str, body: str, *, head: str = "") -> str:
        outlet = self.outlet
        nav = "".join(
            f'<li><a href="/section/{s.lower()}/">{esc(s)}</a></li>' for s in outlet.sections
        )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="/static/css/site.css">
<link rel="icon" href="/favicon.ico">
<script src="/static/js/site.js" defer></script>
{head}</head>
<body>
<header class="masthead">
<a class="brand" href="/"><img src="/static/img/logo.png" alt="{esc(outlet.name)}" width="240"
 height="48"></a>
<p class="tagline">{esc(outlet.tagline)}</p>
<nav><ul>{nav}</ul></nav>
</header>
<main>
{body}
</main>
<footer class="site-footer">
<p>&copy; {datetime.date.today().year} {esc(outlet.name)}. All rights reserved.
 <a href="/section/about/">About us</a> &middot; <a href="/section/contact/">Contact</a></p>
</footer>
</body>
</html>
"""

    def home(self, request: Request) -> Response:
        items = "".join(self._teaser(a) for a in self._newest())
        return html(
            self.page(
                f"{self.outlet.name} | {self.outlet.tagline}",
                f'<h1 class="sr-only">{esc(self.outlet.name)}</h1>'
                f'<section class="top-stories">{items}</section>',
            )
        )

    def section(self, request: Request, section: str) -> Response:
        articles = [a for a in self._newest() if a.section.lower() == section]
        if not articles and section not in {s.lower() for s in self.outlet.sections}:
            return self.fallback(request)
        items = "".join(self._teaser(a) for a in articles) or "<p>No stories yet.</p>"
        title = section.replace("-", " ").title()
        return html(self.page(f"{title} | {self.outlet.name}", f"<h1>{esc(title)}</h1>{items}"))

    def robots(self, request: Request) -> Response:
        sitemap = self.outlet.url("/sitemap.xml")
        return static(f"{self.robots_rules()}\nSitemap: {sitemap}\n", "text/plain")

    def robots_rules(self) -> str:
        return "User-agent: *\nDisallow: /search\n"

    def sitemap(self, request: Request) -> Response:
        urls = "".join(
            f"<url><loc>{self.outlet.url(a.path)}</loc>"
            f"<lastmod>{a.published.isoformat()}</lastmod></url>"
            for a in self._newest()
        )
        return static(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n',
            "application/xml",
        )

    def photo(self, request: Request, name: str, width: str) -> Response:
        w = int(width)
        shade = sum(name.encode()) % 80
        return png_response(w, w * 9 // 16, (90 + shade, 110 + shade // 2, 130))

    def map_embed(self, request: Request) -> Response:
        return html(
            "<!DOCTYPE html><html><head><title>Map</title>"
            '<link rel="stylesheet" href="/static/css/print.css"></head>'
            '<body><img src="/static/img/photos/area-map-640.png" alt="Map of the area">'
            "</body></html>"
        )

    def article_page(self, article: Article) -> str:
        outlet = self.outlet
        canonical = outlet.url(article.path)
        iso = f"{article.published.isoformat()}T08:00:00-05:00"
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": iso,
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": outlet.name},
            "mainEntityOfPage": canonical,
        }
        head = f"""<meta name="description" content="{esc(article.paragraphs[0][:155])}">
<meta name="author" content="{esc(article.author)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(article.title)}">
<meta property="og:site_name" content="{esc(outlet.name)}">
<meta property="og:url" content="{canonical}">
<meta property="article:published_time" content="{iso}">
<meta property="article:section" content="{esc(article.section)}">
<link rel="canonical" href="{canonical}">
<script type="application/ld+json">{json.dumps(ld)}</script>
"""
        photo = f"/static/img/photos/{article.slug}"
        paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)
        related = "".join(
            f'<li><a href="{a.path}">{esc(a.title)}</a></li>'
            for a in self._newest()
            if a is not article
        )[:4000]
        caption = article.photo_caption or article.title
        shown_date = article.published.strftime("%B %d, %Y").replace(" 0", " ")
        staff = article.author.lower().replace(" ", "-")
        body = f"""<article class="story">
<p class="kicker"><a href="/section/{article.section.lower()}/">{esc(article.section)}</a></p>
<h1 class="headline">{esc(article.title)}</h1>
<p class="byline">By <a rel="author" href="/staff/{staff}/">{esc(article.author)}</a>
 &middot; <time datetime="{iso}">{shown_date}</time></p>
<figure class="lead-photo">
<img src="{photo}-640.png" srcset="{photo}-640.png 640w, {photo}-1280.png 1280w"
 sizes="(max-width: 700px) 100vw, 640px" alt="{esc(caption)}" width="640" height="360">
<figcaption>{esc(caption)}</figcaption>
</figure>
<div class="article-body">
{paragraphs}
</div>
</article>
<aside class="related"><h2>More from {esc(outlet.name)}</h2><ul>{related}</ul></aside>
<aside class="ad"><img class="lazy" src="{LAZY_PLACEHOLDER}" data-src="/static/img/house-ad.png"
 alt="Subscribe"></aside>
<iframe class="area-map" src="/embed/map.html" title="Area map" width="320" height="200"
 loading="lazy"></iframe>
"""
        return self.page(f"{article.title} | {outlet.name}", body, head=head)

    def stylesheet(self) -> str:
        r, g, b = self.outlet.accent
        return SITE_CSS.replace("ACCENT", f"rgb({r}, {g}, {b})")

    # --- helpers ------------------------------------------------------------------------------

    def _article_handler(self, article: Article) -> Handler:
        def handler(request: Request) -> Response:
            return html(self.article_page(article))

        return handler

    def _newest(self) -> list[Article]:
        return sorted(self.outlet.articles, key=lambda a: a.published, reverse=True)

    def _teaser(self, article: Article) -> str:
        return (
            f'<div class="teaser"><h2><a href="{article.path}">{esc(article.title)}</a></h2>'
            f'<p class="byline">{esc(article.author)} &middot; '
            f'<time datetime="{article.published.isoformat()}">{article.published:%b %d, %Y}'
            f"</time></p><p>{esc(article.paragraphs[0])}</p></div>"
        )


def _literal(path: str) -> str:
    return re.escape(path)


SITE_CSS = """@import url("/static/css/print.css") print;
@font-face {
  font-family: "Masthead Serif";
  src: url("/static/fonts/masthead-serif.woff2") format("woff2");
  font-display: swap;
}
body { margin: 0 auto; max-width: 960px; font: 17px/1.6 Georgia, serif;
  background: #f6f2e8 url('/static/img/paper.png') repeat; color: #1d1d1d; }
.masthead { border-bottom: 3px solid ACCENT; padding: 12px 0; }
.masthead nav ul { list-style: none; display: flex; gap: 16px; padding: 0; }
.headline { font-family: "Masthead Serif", Georgia, serif; font-size: 2.2em; line-height: 1.2; }
.byline { color: #555; font-size: 0.9em; }
.lead-photo img { max-width: 100%; height: auto; }
.related { border-top: 1px solid #ccc; margin-top: 2em; }
.sr-only { position: absolute; left: -9999px; }
"""

PRINT_CSS = """nav, .ad, .related, iframe { display: none; }
body { background: none; color: #000; }
"""

SITE_JS = """document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("img.lazy[data-src]").forEach(function (img) {
    img.src = img.getAttribute("data-src");
  });
});
"""
