"""A small Blogger blog, "Loose Ends", whose posts cite what a citation crawl must survive.

One post cites the Riverton Gazette testbed's failure modes: a 50 MB file (once with a
Content-Length, once chunked), a redirect loop, a page robots.txt disallows, plus an ordinary
article and one the archivist may exclude. Another post is edited by tests between crawls
(:meth:`LooseEndsBlog.edit`): its feed entry and page change, so a recrawl archives a new
version whose citations differ from the first. A third post holds malformed links (``http//``,
spaces, ``javascript:``, ``mailto:``, a relative link, a 1 MB ``data:`` URI) and a reference
list in broken HTML. Serve it beside the testbed and the Tribune.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from html import escape

from crawler.fakeweb.assets import static
from crawler.fakeweb.http import Request, Response, content, html, not_found
from crawler.fakeweb.site import Site
from crawler.fakeweb.sites.news_content import (
    BRIDGE_INSPECTION,
    FERRY,
    FOOTBRIDGE,
    HARVEST_MARKET,
    LAKESHORE_TRIBUNE,
    LIBRARY_ANNEX,
    RIVERTON_GAZETTE,
    SCHOOL_BUDGET,
)

HOST = "loose-ends-notes.blogspot.com"
BLOG_ID = "5520193388410022671"
TZ = timezone(timedelta(hours=-5))
G, T = RIVERTON_GAZETTE, LAKESHORE_TRIBUNE
GAZETTE = G.url("")

# What the edge-case post cites, by role (the testbed serves each of them).
HUGE_URL = GAZETTE + "/files/huge.bin?mb=50"
HUGE_CHUNKED_URL = GAZETTE + "/files/huge-chunked.bin?mb=50"
LOOP_URL = GAZETTE + "/redirect/loop/a"
ROBOTS_URL = GAZETTE + "/private/secret.html"
PLAIN_URL = G.url(FERRY.path)
EXCLUDABLE_URL = G.url(FOOTBRIDGE.path)

# The edited post: version 1 cites these; version 2 drops the first, keeps the second, adds
# the third (and the reference list changes with them).
FIRST_ONLY = G.url(LIBRARY_ANNEX.path)
KEPT = T.url(BRIDGE_INSPECTION.path)
ADDED = T.url(SCHOOL_BUDGET.path)
EDITED_PATH = "/2026/04/what-the-council-did.html"
EDGE_PATH = "/2026/04/odds-and-ends.html"
ODD_PATH = "/2026/03/links-gone-wrong.html"

# Malformed links as bloggers type them, and a reference list in broken HTML.
MISSING_COLON = "http//" + G.host + HARVEST_MARKET.path  # fetched as http://...
WITH_SPACES = GAZETTE + "/news/2026/03/the mill fire.html"  # fetched %20-encoded: 404
RELATIVE = "../02/older-notes.html"  # a link to the blog's own post
DATA_URI = "data:text/plain;base64," + "QUJD" * 250_000  # a 1 MB inline file


@dataclass(frozen=True)
class EdgePost:
    path: str
    title: str
    published: datetime
    updated: datetime
    body: str  # HTML of the post body


def _a(url: str, text: str) -> str:
    return f'<a href="{escape(url)}">{escape(text)}</a>'


EDGE_BODY = (
    "<p>A few things I meant to read properly this month. The Gazette posted "
    + _a(HUGE_URL, "the full council video archive")
    + " and "
    + _a(HUGE_CHUNKED_URL, "the raw flood gauge data")
    + ", both far too big for my connection.</p>"
    "<p>Their "
    + _a(LOOP_URL, "corrections page")
    + " sends me round in circles, and the "
    + _a(ROBOTS_URL, "staff notes")
    + " are not for the public anyway.</p>"
    "<p>What I did read: "
    + _a(PLAIN_URL, "the ferry schedule story")
    + " and "
    + _a(EXCLUDABLE_URL, "the footbridge column")
    + ".</p>"
)
ODD_BODY = (
    "<p>Links gone wrong: the "
    + _a(MISSING_COLON, "market story")
    + ", the "
    + _a(WITH_SPACES, "mill fire")
    + ", "
    + '<a href="javascript:void(0)">a script</a>, '
    + '<a href="mailto:editor@riverton-gazette.com">the editor</a>, '
    + _a(RELATIVE, "my February notes")
    + " and "
    + f'<a href="{DATA_URI}">the data</a>.</p>'
    + '<p><b>Sources</b></p><ul><li>"Mill Fire Contained," <i>Riverton Gazette, 3/2/26'
    + "<li>Okafor, Margaret, &ldquo;Water Rates Rise,&rdquo; Lakeshore Tribune, 2/27/26</ul>"
)
VERSION_1 = (
    "<p>The council met on Monday. The "
    + _a(FIRST_ONLY, "library annex vote")
    + " came first, then the "
    + _a(KEPT, "bridge inspection report")
    + ".</p>"
)
VERSION_2 = (
    "<p>The council met on Monday. The "
    + _a(KEPT, "bridge inspection report")
    + " came first, then the "
    + _a(ADDED, "school budget")
    + ". (I had the annex vote wrong; it was a different meeting.)</p>"
)


class LooseEndsBlog(Site):
    """loose-ends-notes.blogspot.com: an Atom feed, robots.txt and two post pages."""

    hosts = (HOST,)

    def __init__(self) -> None:
        super().__init__()
        day = datetime(2026, 4, 20, 10, 0, tzinfo=TZ)
        self.lock = threading.Lock()
        self.posts = [
            EdgePost(EDITED_PATH, "What the council did", day, day, VERSION_1),
            EdgePost(EDGE_PATH, "Odds and ends", day - timedelta(days=3), day, EDGE_BODY),
            EdgePost(ODD_PATH, "Links gone wrong", day - timedelta(days=40), day, ODD_BODY),
        ]
        self.route(r"/", self.home)
        self.route(r"/feeds/posts/default", self.feed)
        self.route(r"/robots\.txt", lambda r: static("User-agent: *\nAllow: /\n", "text/plain"))
        self.route(r"/\d{4}/\d{2}/[a-z0-9-]+\.html", self.post)
        self.name("loose-ends", f"https://{HOST}/")

    def url(self, path: str) -> str:
        return f"https://{HOST}{path}"

    def edit(self, path: str, body: str) -> None:
        """Change a post's body; its feed entry says it was updated a day later."""
        with self.lock:
            self.posts = [
                replace(p, body=body, updated=p.updated + timedelta(days=1))
                if p.path == path
                else p
                for p in self.posts
            ]

    def _current(self) -> list[EdgePost]:
        with self.lock:
            return list(self.posts)

    def _page(self, title: str, body: str) -> str:
        feed = self.url("/feeds/posts/default")
        return (
            "<!DOCTYPE html><html lang='en'><head><meta content='blogger' name='generator'/>"
            f"<title>{escape(title)}</title><link rel='alternate' "
            f"type='application/atom+xml' title='Atom' href='{feed}'/></head><body>"
            f"<div class='blog-posts hfeed'>{body}</div></body></html>"
        )

    def _post_html(self, post: EdgePost) -> str:
        return (
            "<div class='post hentry'>"
            f"<h3 class='post-title entry-title'>{escape(post.title)}</h3>"
            f"<div class='post-body entry-content'>{post.body}</div>"
            "<div class='post-footer'><span class='post-author vcard'>Posted by "
            "<span class='fn'>Noor Havel</span></span> "
            f"<abbr class='published' title='{post.published.isoformat()}'>"
            f"{post.published:%B %d, %Y}</abbr></div></div>"
        )

    def home(self, request: Request) -> Response:
        body = "".join(self._post_html(p) for p in self._current())
        return html(self._page("Loose Ends", body))

    def post(self, request: Request) -> Response:
        found = [p for p in self._current() if p.path == request.path]
        if not found:
            return not_found(request)
        return html(self._page(found[0].title, self._post_html(found[0])))

    def feed(self, request: Request) -> Response:
        posts = self._current()
        entries = "".join(
            f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{n}</id>"
            f"<published>{p.published.isoformat()}</published>"
            f"<updated>{p.updated.isoformat()}</updated>"
            f"<title type='text'>{escape(p.title)}</title>"
            f"<content type='html'>{escape(p.body)}</content>"
            f"<link rel='alternate' type='text/html' href='{self.url(p.path)}'/>"
            "<author><name>Noor Havel</name></author></entry>"
            for n, p in enumerate(posts, 1)
        )
        newest = max(p.updated for p in posts).isoformat()
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<id>tag:blogger.com,1999:blog-{BLOG_ID}</id><updated>{newest}</updated>"
            f"<title type='text'>Loose Ends</title>"
            f"<link rel='alternate' type='text/html' href='{self.url('/')}'/>"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"{entries}</feed>"
        )
        return content(xml.encode("utf-8"), "application/atom+xml; charset=UTF-8")
