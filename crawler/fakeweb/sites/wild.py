"""The Marsh End Post: a small news site with the habits of the wild web, for the site crawl.

Each page is one habit a crawler meets on sites it has never seen: ``<base href>`` elsewhere,
dot-segment links, ``srcset`` candidates whose URLs hold commas (image CDNs) or are data URIs,
a broken ``href`` beside good ones, meta refresh (to itself, to a page, off the site), a
redirect to a URL also linked directly, a redirect off the site, 303/307/308, a ``Location``
with a space, session IDs in every link (a trap), HTML sent without Content-Type, UTF-16, an
empty page, a PNG labelled text/html, non-ASCII paths, a 429 with Retry-After, and a
robots.txt whose ``*`` group forbids everything while reftrail's own group allows most.
``WildSite.served`` counts what each host served, so tests read what a crawl asked for.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter

from crawler.fakeweb.assets import font, png, static
from crawler.fakeweb.http import Request, Response, content, html, redirect
from crawler.fakeweb.site import Site

HOST = "www.marsh-end-post.com"
BARE_HOST = "marsh-end-post.com"  # redirects everything to https://www.
OTHER_HOST = "archive.marsh-end-post.net"  # another site: pages there are out of scope
CDN_HOST = "cdn.marsh-end-post.net"  # images; its robots.txt redirects
BROKEN_ROBOTS_HOST = "img.marsh-end-post.org"  # its robots.txt answers 500
IDN_HOST = "www.xn--mwen-kurier-rfb.de"  # www.möwen-kurier.de, as DNS and HTTP spell it
IDN_SEED = "https://www.m\u00f6wen-kurier.de/#oben"  # as a user types it: Unicode, a fragment
ORIGIN = f"https://{HOST}"
CDN = f"https://{CDN_HOST}"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JAPANESE_TITLE = "\u5e72\u6f5f\u306e\u6e21\u308a\u9ce5"  # 干潟の渡り鳥
JAPANESE_TEXT = (
    "\u4eca\u5e74\u3082\u5e72\u6f5f\u306b\u30b7\u30ae\u306e\u7fa4\u308c\u304c"
    "\u3084\u3063\u3066\u304d\u307e\u3057\u305f\u3002"
)
CP1252_TEXT = (
    "Caf\u00e9 \u201cLe Mar\u00e9chal\u201d re\u00f6pens \u2014 cr\u00e8me br\u00fbl\u00e9e"
)
GIF_DATA_URI = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="

ROBOTS = """User-agent: *
Disallow: /

User-agent: reftrail
Disallow: /members/
Allow: /members/public/
Disallow: /*?print=
"""
CDN_ROBOTS = "User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n"

# Pages linked from the home page, and what each one is about.
HOME_LINKS = [
    "/base/",
    "/nofollow.html",
    "dots/a/b/index.html",
    "/srcset.html",
    "/broken-href.html",
    "/refresh/self.html",
    "/refresh/moved.html",
    "/refresh/away.html",
    "/moved/trailing",
    "/moved/trailing/",
    "/old-home",
    "/go/elsewhere",
    "/form/see-other",
    "/temp",
    "/perm",
    "/spaced",
    "/to-fragment",
    "/bad-location",
    "/status/999",
    "/status/520",
    "/sess/start.html",
    "/no-type.html",
    "/utf16.html",
    "/sjis-header.html",
    "/sjis-meta.html",
    "/cp1252-undeclared.html",
    "/empty.html",
    "/binary.html",
    "/caf%C3%A9/menu.html",
    "/caf\u00e9/menu.html",
    "HTTPS://WWW.MARSH-END-POST.COM/Mixed.html",
    "https://www.marsh-end-post.com/Mixed.html",
    "/members/secret.html",
    "/members/public/notice.html",
    "/story.html?print=1",
    "/story.html?b=2&a=1",
    "/story.html?a=1&b=2#comments",
    "/ratelimited.html",
    "/requisites.html",
]

MAIN_CSS = """@import url("/css/base.css");
@font-face { font-family: Body; src: url('/fonts/body.woff2') format('woff2'),
  url(data:font/woff2;base64,AAAA) format('woff2'); }
body { font-family: Body, serif; background: url(../img/paper.png) repeat; }
"""
# base.css imports main.css back: a cycle that must not be fetched round and round.
BASE_CSS = '@import "main.css";\nh1 { background-image: url("/img/rule.png"); }\n'


def page_text(title: str, body: str, *, head: str = "") -> str:
    """An HTML page of the Marsh End Post, as text."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><h1>{title}</h1>{body}"
        "<p>The Marsh End Post has covered the estuary villages since 1911.</p>"
        "</body></html>"
    )


class WildSite(Site):
    """www.marsh-end-post.com and its CDN; ``archive.marsh-end-post.net`` is another site."""

    hosts = (HOST, BARE_HOST, OTHER_HOST, CDN_HOST, IDN_HOST, BROKEN_ROBOTS_HOST)

    def __init__(self) -> None:
        super().__init__()
        self.served: Counter[str] = Counter()  # "host/target" -> times served
        self.log: list[tuple[str, str, float]] = []  # (host, target, monotonic time) served
        self._lock = threading.Lock()
        self._session = itertools.count(1000)
        self._limited: dict[str, float] = {}  # target -> first request (monotonic)
        self.name("wild-home", f"{ORIGIN}/")
        pages = {
            "/": self.home,
            "/base/": self.base_elsewhere,
            "/dots/a/b/index.html": self.dots,
            "/srcset.html": self.srcset,
            "/nofollow.html": self.nofollow,
            "/broken-href.html": self.broken_href,
            "/refresh/self.html": self.refresh_self,
            "/refresh/moved.html": self.refresh_moved,
            "/refresh/away.html": self.refresh_away,
            "/moved/trailing": lambda r: redirect(f"{ORIGIN}/moved/trailing/", status=301),
            "/old-home": lambda r: redirect("/", status=301),
            "/go/elsewhere": lambda r: redirect(f"https://{OTHER_HOST}/landing.html", status=301),
            "/form/see-other": lambda r: redirect("/thanks.html", status=303),
            "/temp": lambda r: redirect("/temp-target.html", status=307),
            "/perm": lambda r: redirect("/perm-target.html", status=308),
            "/spaced": lambda r: redirect("/new page.html", status=302),
            "/to-fragment": lambda r: redirect("/fragment-target.html#part-2", status=302),
            "/bad-location": lambda r: redirect("http://[oops/", status=302),
            "/no-type.html": self.no_type,
            "/utf16.html": self.utf16,
            "/sjis-header.html": lambda r: self.japanese(meta=False),
            "/sjis-meta.html": lambda r: self.japanese(meta=True),
            "/cp1252-undeclared.html": self.cp1252_undeclared,
            "/empty.html": lambda r: content(b"", "text/html; charset=utf-8"),
            "/binary.html": lambda r: content(png(4, 4, (9, 9, 9)), "text/html"),
            "/ratelimited.html": self.ratelimited,
            "/requisites.html": self.requisites,
            "/css/main.css": lambda r: static(MAIN_CSS, "text/css"),
            "/css/base.css": lambda r: static(BASE_CSS, "text/css"),
            "/fonts/body.woff2": lambda r: static(font("body"), "font/woff2"),
            "/img/moved.png": lambda r: redirect(f"{CDN}/img/moved.png", status=301),
            "/embed/player.html": lambda r: redirect(f"{CDN}/embed/player.html", status=302),
            "/robots.txt": lambda r: static(ROBOTS, "text/plain"),
            "/report.pdf": lambda r: static(PDF, "application/pdf"),
        }
        for path, handler in pages.items():
            self.route(re.escape(path), handler, host=HOST)
        self.route("/robots.txt", self.robots_error, host=BROKEN_ROBOTS_HOST)
        self.route(r"/status/(?P<code>\d{3})", self.odd_status, host=HOST)
        self.route(r"/img/.+\.png", self.image)
        self.route(r"/sess/(?P<page>[a-z]+)\.html(?:;jsessionid=\w+)?", self.session, host=HOST)
        self.route("/robots.txt", lambda r: redirect("/robots-real.txt"), host=CDN_HOST)
        self.route("/robots-real.txt", lambda r: static(CDN_ROBOTS, "text/plain"), host=CDN_HOST)
        self.route("/embed/player.html", self.cdn_frame, host=CDN_HOST)
        self.route("/landing.html", self.landing, host=OTHER_HOST)
        self.route(r"/[^/]*\.html", self.plain_page, host=OTHER_HOST)
        self.route(r"/.*", lambda r: redirect(ORIGIN + r.target), host=BARE_HOST)
        self.route("/", self.idn_home, host=IDN_HOST)
        self.route(r"/.+\.html|/nachrichten/", self.plain_page, host=IDN_HOST)
        self.route(r"/.*", self.plain_page, host=HOST)

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.served[f"{request.host}{request.target}"] += 1
            self.log.append((request.host, request.target, time.monotonic()))
        return super().handle(request)

    def count(self, target: str, host: str = HOST) -> int:
        """How often ``host`` served ``target`` (path and query, as sent)."""
        return self.served[f"{host}{target}"]

    # --- pages ----------------------------------------------------------------------------

    @staticmethod
    def page(title: str, body: str, *, head: str = "") -> Response:
        return html(page_text(title, body, head=head))

    def home(self, request: Request) -> Response:
        links = "".join(f'<li><a href="{href}">{href}</a></li>' for href in HOME_LINKS)
        frame = '<iframe src="/embed/player.html"></iframe>'  # redirects to the CDN
        return self.page("The Marsh End Post", f"<ul>{links}</ul>{frame}")

    def plain_page(self, request: Request) -> Response:
        if request.path.startswith("/members/") and "public" not in request.path:
            return self.page("Members only", "<p>Subscribers' notices.</p>")
        title = request.path.strip("/").replace("/", " / ") or "page"
        return self.page(f"Marsh End Post: {title}", '<p><a href="/">Home</a></p>')

    def landing(self, request: Request) -> Response:
        """Where /go/elsewhere leads: the other site's own page, linking within that site."""
        return self.page("The Marsh End Archive", '<a href="/about.html">About the archive</a>')

    def cdn_frame(self, request: Request) -> Response:
        """An embed on the CDN (reached by a redirect) whose links are the CDN's pages."""
        return self.page("Embedded player", '<a href="/player/help.html">Help</a>')

    def idn_home(self, request: Request) -> Response:
        """Links to the same host in its two spellings, and root-relative."""
        body = (
            '<a href="/nachrichten/">Nachrichten</a> '
            '<a href="https://www.m\u00f6wen-kurier.de/impressum.html">Impressum</a> '
            f'<a href="https://{IDN_HOST}/kontakt.html">Kontakt</a> '
            '<a href="https://WWW.M\u00d6WEN-KURIER.DE/kontakt.html">Kontakt</a>'
        )
        return self.page("M\u00f6wen-Kurier", body)

    def nofollow(self, request: Request) -> Response:
        """Asks robots not to follow its links (meta robots); its image is still a requisite."""
        head = '<meta name="ROBOTS" content="noindex, NoFollow">'
        body = '<a href="/behind-nofollow.html">not to be followed</a><img src="/img/nf.png">'
        return self.page("Do not follow", body, head=head)

    def base_elsewhere(self, request: Request) -> Response:
        head = f'<base href="{ORIGIN}/static/b/">'
        body = '<a href="page.html">relative to base</a><img src="pic.png" alt="">'
        return self.page("Base href elsewhere", body, head=head)

    def dots(self, request: Request) -> Response:
        body = '<a href="../sibling.html">up</a> <a href="./child.html">here</a>'
        body += ' <a href="../../../top.html">top</a>'
        return self.page("Dot segments", body)

    def srcset(self, request: Request) -> Response:
        body = (
            f'<img src="{GIF_DATA_URI}" data-src="/img/w_300,h_200/heron.png" '
            f'srcset="{GIF_DATA_URI} 1w" data-srcset="/img/w_300,h_200/heron.png 300w, '
            '/img/w_600,h_400/heron.png 600w" alt="Heron">'
            '<picture><source srcset="/img/c_fill,w_800/marsh.png 800w,'
            '/img/c_fill,w_1600/marsh.png 1600w"><img src="/img/marsh.png" alt=""></picture>'
        )
        return self.page("Images through a CDN", body)

    def broken_href(self, request: Request) -> Response:
        body = (
            '<a href="//[oops/">broken</a> <a href="http://[::1">broken</a> '
            '<a href="/after-broken.html">still followed</a>'
            '<img src="//[bad">'
            '<img src="/img/after-broken.png">'
        )
        return self.page("A broken link among good ones", body)

    def refresh_self(self, request: Request) -> Response:
        head = f'<meta http-equiv="refresh" content="30; url={ORIGIN}/refresh/self.html">'
        body = '<a href="/refresh/linked.html">more news</a><img src="/img/refresh.png">'
        return self.page("Live blog, reloads itself", body, head=head)

    def refresh_moved(self, request: Request) -> Response:
        head = '<meta http-equiv="refresh" content="0; url=/refresh/target.html">'
        return self.page("This page has moved", "<p>Taking you there.</p>", head=head)

    def refresh_away(self, request: Request) -> Response:
        head = f'<meta http-equiv="refresh" content="0;URL=\'https://{OTHER_HOST}/moved.html\'">'
        return self.page("Our archive moved", "<p>To another site.</p>", head=head)

    def session(self, request: Request, page: str) -> Response:
        """Every link carries a fresh session ID, as on sites that put them in URLs."""
        ids = [next(self._session) for _ in range(3)]
        body = (
            f'<a href="/sess/a.html;jsessionid=A{ids[0]}">a</a> '
            f'<a href="/sess/b.html?PHPSESSID={ids[1]:x}">b</a> '
            f'<a href="/sess/c.html?page=2&amp;sid={ids[2]:032x}">c</a>'
        )
        return self.page(f"Session page {page}", body)

    def no_type(self, request: Request) -> Response:
        page = page_text("No Content-Type", '<a href="/from-no-type.html">next</a>')
        return Response(200, [], page.encode("utf-8"))

    def utf16(self, request: Request) -> Response:
        text = page_text("UTF-16 page", '<a href="/from-utf16.html">next</a>')
        text = text.replace('charset="utf-8"', 'charset="utf-16"')
        return content(b"\xff\xfe" + text.encode("utf-16-le"), "text/html")

    def japanese(self, *, meta: bool) -> Response:
        """Shift_JIS, declared in the header or only in a meta tag."""
        head = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        page = (
            f'<!DOCTYPE html><html lang="ja"><head>{head if meta else ""}'
            f"<title>{JAPANESE_TITLE}</title></head><body><h1>{JAPANESE_TITLE}</h1>"
            f"<p>{JAPANESE_TEXT}</p></body></html>"
        )
        kind = "text/html" if meta else "text/html; charset=Shift_JIS"
        return content(page.encode("shift_jis"), kind)

    def cp1252_undeclared(self, request: Request) -> Response:
        """windows-1252 bytes with no charset anywhere, as old static sites send them."""
        page = (
            "<html><head><title>Caf\u00e9 news</title></head><body>"
            f"<p>{CP1252_TEXT}</p></body></html>"
        )
        return content(page.encode("cp1252"), "text/html")

    def ratelimited(self, request: Request) -> Response:
        """429 with Retry-After: 1 until a second after the first request, then the page."""
        with self._lock:
            first = self._limited.setdefault(request.target, time.monotonic())
        if time.monotonic() - first < 1.0:
            response = html("<h1>Too Many Requests</h1>", status=429)
            response.headers.append(("Retry-After", "1"))
            return response
        return self.page("Worth the wait", "<p>Tide tables for the week.</p>")

    def requisites(self, request: Request) -> Response:
        head = (
            '<link rel="stylesheet" href="/css/main.css">'
            '<link rel="stylesheet" href="/css/main.css" media="print">'
            '<link rel="preload" as="font" href="/fonts/body.woff2" crossorigin>'
            '<link rel="preload" as="style" href="/css/main.css">'
        )
        body = (
            '<img src="/img/logo.png"><img data-src="/img/logo.png" src="/img/logo.png">'
            '<img srcset="/img/logo.png 1x, /img/logo.png 2x">'
            '<img src="/img/moved.png">'
            f'<img src="{CDN}/img/ok.png"><img src="{CDN}/img/also-ok.png">'
            f'<img src="{CDN}/private/pixel.png">'
            f'<img src="https://{BROKEN_ROBOTS_HOST}/img/banner.png">'
            f'<a href="{CDN}/player/help.html">How to use the player</a>'
            '<div style="background:url(/img/logo.png)"></div>'
        )
        return self.page("Many references to a few files", body, head=head)

    def odd_status(self, request: Request, code: str) -> Response:
        """Codes outside the HTTP registry (LinkedIn's 999, Cloudflare's 520)."""
        return html(f"<html><body><h1>Error {code}</h1></body></html>", status=int(code))

    def robots_error(self, request: Request) -> Response:
        return html("<h1>500 Internal Server Error</h1>", status=500)

    def image(self, request: Request) -> Response:
        return static(png(2, 2, (40, 90, 60)), "image/png")
