"""A made-up local paper with hundreds of generated stories: "The Millbrook Chronicle".

Big enough that a crawl of it takes a while, so tests can stop one midway (SIGKILL, Ctrl-C,
a full disk) and check what it left behind. Everything is generated from a fixed seed, so
the same URLs serve the same bytes in every run and a recrawl finds them unchanged.

Shape: the home page links the first archive pages; ``/archive/page/N/`` lists
:data:`PER_PAGE` stories and links its neighbours; each story links a few others and has its
own photo, plus the shared stylesheet (which references a font and a background image with
``url()``), script and logo. :meth:`ChronicleSite.page_urls` and
:meth:`ChronicleSite.requisite_urls` list every URL a complete crawl must archive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from crawler.fakeweb.assets import font, png_response, static
from crawler.fakeweb.http import Request, Response, html
from crawler.fakeweb.site import Site
from crawler.fakeweb.sites.news import esc

CHRONICLE_HOST = "www.millbrook-chronicle.com"
STORIES = 300
PER_PAGE = 20
SEED = 20260415

VOCABULARY = (
    "council budget river bridge school library mayor festival harvest market road flood "
    "museum volunteers neighbours ferry station orchard parish mill granary bakery teachers "
    "hospital clinic museum theatre choir harbour lighthouse committee residents planning "
    "zoning permit archive records county trail rail depot winter summer spring autumn "
    "repairs grant survey history families church square fountain garden allotment match "
    "league season anniversary opening closing vote hearing report inquiry weather storm"
)
WORDS = tuple(VOCABULARY.split())
SECTIONS = ("Local", "Council", "Schools", "Sport", "Arts", "Business")
CHRONICLE_CSS = """@font-face { font-family: "Chronicle Serif";
  src: url("/static/fonts/chronicle-serif.woff2") format("woff2"); }
body { font: 16px/1.6 "Chronicle Serif", Georgia, serif; max-width: 900px; margin: 0 auto;
  background: #fbf8f1 url("/static/img/grain.png") repeat; }
.story img { max-width: 100%; } .related li { margin: 4px 0; }
"""
CHRONICLE_JS = "document.documentElement.className += ' js';\n"


@dataclass(frozen=True)
class Story:
    number: int
    title: str
    author: str
    section: str
    paragraphs: tuple[str, ...]
    related: tuple[int, ...]

    @property
    def path(self) -> str:
        return f"/story/{self.number:04d}.html"

    @property
    def photo(self) -> str:
        return f"/static/photos/story-{self.number:04d}.png"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def make_stories(count: int = STORIES, *, seed: int = SEED) -> list[Story]:
    rng = random.Random(seed)
    authors = [
        f"{first} {last}"
        for first in ("Ada", "Ben", "Cora", "Dev")
        for last in ("Hale", "Ives", "Moss", "Reyes")
    ]
    stories = []
    for number in range(1, count + 1):
        title = " ".join(rng.choice(WORDS) for _ in range(5)).capitalize()
        paragraphs = tuple(
            " ".join(_sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(6)
        )
        related = tuple(sorted({rng.randint(1, count) for _ in range(4)} - {number}))
        stories.append(
            Story(number, title, rng.choice(authors), rng.choice(SECTIONS), paragraphs, related)
        )
    return stories


class ChronicleSite(Site):
    """www.millbrook-chronicle.com over http and https: home, archive pages, stories."""

    hosts = (CHRONICLE_HOST,)

    def __init__(self, *, stories: int = STORIES, scheme: str = "http") -> None:
        super().__init__()
        self.scheme = scheme
        self.stories = make_stories(stories)
        self.pages = (len(self.stories) + PER_PAGE - 1) // PER_PAGE
        self.route(r"/", self.home)
        self.route(r"/robots\.txt", lambda r: static("User-agent: *\nDisallow:\n", "text/plain"))
        self.route(r"/archive/page/(?P<n>[0-9]+)/", self.archive_page)
        self.route(r"/story/(?P<n>[0-9]{4})\.html", self.story)
        self.route(r"/static/css/chronicle\.css", lambda r: static(CHRONICLE_CSS, "text/css"))
        self.route(
            r"/static/js/chronicle\.js", lambda r: static(CHRONICLE_JS, "application/javascript")
        )
        self.route(
            r"/static/fonts/chronicle-serif\.woff2",
            lambda r: static(font("chronicle-serif"), "font/woff2"),
        )
        self.route(r"/static/img/logo\.png", lambda r: png_response(200, 40, (20, 60, 110)))
        self.route(r"/static/img/grain\.png", lambda r: png_response(16, 16, (245, 240, 228)))
        self.route(r"/static/photos/story-(?P<n>[0-9]{4})\.png", self.photo)
        self.name("chronicle-home", self.url("/"))

    def url(self, path: str) -> str:
        return f"{self.scheme}://{CHRONICLE_HOST}{path}"

    # --- what a complete crawl archives ---------------------------------------------------

    def page_urls(self) -> list[str]:
        """Every HTML page reachable from the home page."""
        paths = ["/", *(f"/archive/page/{n}/" for n in range(1, self.pages + 1))]
        return [self.url(p) for p in paths + [s.path for s in self.stories]]

    def requisite_urls(self) -> list[str]:
        shared = [
            "/static/css/chronicle.css",
            "/static/js/chronicle.js",
            "/static/fonts/chronicle-serif.woff2",
            "/static/img/logo.png",
            "/static/img/grain.png",
        ]
        return [self.url(p) for p in shared + [s.photo for s in self.stories]]

    # --- pages ------------------------------------------------------------------------------

    def _page(self, title: str, body: str) -> Response:
        nav = " &middot; ".join(
            f'<a href="/archive/page/{n}/">{n}</a>' for n in range(1, min(self.pages, 5) + 1)
        )
        return html(
            f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<link rel="stylesheet" href="/static/css/chronicle.css">
<script src="/static/js/chronicle.js" defer></script></head>
<body><header><a href="/"><img src="/static/img/logo.png" alt="The Millbrook Chronicle"></a>
<nav>Archive: {nav}</nav></header>
<main>{body}</main>
<footer><p>The Millbrook Chronicle, serving the valley since 1881.</p></footer>
</body></html>
"""
        )

    def _teaser(self, story: Story) -> str:
        return (
            f'<li><a href="{story.path}">{esc(story.title)}</a> '
            f"<span>{esc(story.section)}, by {esc(story.author)}</span></li>"
        )

    def home(self, request: Request) -> Response:
        latest = "".join(self._teaser(s) for s in self.stories[:PER_PAGE])
        return self._page("The Millbrook Chronicle", f"<h1>Latest</h1><ul>{latest}</ul>")

    def archive_page(self, request: Request, n: str) -> Response:
        number = int(n)
        if not 1 <= number <= self.pages or n != str(number):
            return self.fallback(request)
        chunk = self.stories[(number - 1) * PER_PAGE : number * PER_PAGE]
        links = []
        if number > 1:
            links.append(f'<a rel="prev" href="/archive/page/{number - 1}/">Newer</a>')
        if number < self.pages:
            links.append(f'<a rel="next" href="/archive/page/{number + 1}/">Older</a>')
        items = "".join(self._teaser(s) for s in chunk)
        return self._page(
            f"Archive page {number} | The Millbrook Chronicle",
            f"<h1>Archive, page {number}</h1><ul>{items}</ul><p>{' '.join(links)}</p>",
        )

    def _story(self, n: str) -> Story | None:
        number = int(n)
        return self.stories[number - 1] if 1 <= number <= len(self.stories) else None

    def story(self, request: Request, n: str) -> Response:
        story = self._story(n)
        if story is None:
            return self.fallback(request)
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in story.paragraphs)
        related = "".join(self._teaser(self.stories[i - 1]) for i in story.related)
        return self._page(
            f"{story.title} | The Millbrook Chronicle",
            f'<article class="story"><h1>{esc(story.title)}</h1>'
            f'<p class="byline">By {esc(story.author)}, {esc(story.section)}</p>'
            f'<img src="{story.photo}" alt="{esc(story.title)}" width="320" height="180">'
            f"{paragraphs}</article>"
            f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>',
        )

    def photo(self, request: Request, n: str) -> Response:
        story = self._story(n)
        if story is None:
            return self.fallback(request)
        shade = story.number * 37 % 200
        return png_response(64, 36, (30 + shade // 4, 60 + shade // 2, 40 + shade))
