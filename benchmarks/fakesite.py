"""A deterministic news-like site for the crawl benchmark: N HTML pages of ~45 KB, ~125 links each.

The site has a home page, paginated section listings, tag pages and articles. Every article page
carries the links a real news page does: navigation, breadcrumbs, a few inline links, "related",
"most read", "latest", "more from this section", tags, a footer and a few off-site share links.
Most of those links point at pages the crawler has already seen, which is what makes link
filtering the expensive part of a crawl. Everything is derived from ``(seed, path)``, so the same
arguments always produce the same bytes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

SECTIONS = [
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "sport",
    "culture",
    "books",
    "travel",
    "opinion",
    "climate",
]
TAGS = [
    "elections",
    "markets",
    "ai",
    "energy",
    "football",
    "space",
    "vaccines",
    "housing",
    "trade",
    "film",
    "music",
    "wildfires",
    "tennis",
    "economy",
    "privacy",
    "courts",
    "transport",
    "education",
    "oceans",
    "art",
    "chess",
    "startups",
    "farming",
    "migration",
]
TEXT = (
    "the government said on monday that talks would resume after a week of protests while "
    "officials in the capital warned of delays analysts expect growth to slow as prices rise "
    "and the central bank weighs another increase researchers found evidence that the new "
    "treatment reduced symptoms in most patients though critics noted the small sample size "
    "residents described flooding across the region as rescue teams reached villages cut off "
    "by landslides the minister denied any wrongdoing and promised a full inquiry into the "
    "contracts awarded last year local businesses reported record demand over the holiday "
    "season despite staff shortages and higher energy costs"
)
WORDS = TEXT.split()
PER_LISTING = 40  # articles per section listing page
ARTICLES_PER_TAG = 40
OFFSITE = ["http://127.0.0.2:9/share?u=", "http://127.0.0.2:9/intent/post?url="]


@dataclass
class Site:
    """The page graph: every path and what it links to, built from ``pages`` and ``seed``."""

    pages: int
    seed: int = 1
    target_bytes: int = 45_000
    articles: list[str] = field(default_factory=list)
    by_section: dict[str, list[int]] = field(default_factory=dict)
    listings: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.pages < 60:
            raise ValueError("the site needs at least 60 pages")
        n_tags = min(len(TAGS), max(4, self.pages // 80))
        n_articles = self.pages - 1 - n_tags
        while n_articles + self._listing_count(n_articles) > self.pages - 1 - n_tags:
            n_articles -= 1
        n_tags = self.pages - 1 - n_articles - self._listing_count(n_articles)
        self.tags = [
            TAGS[i % len(TAGS)] + ("" if i < len(TAGS) else f"-{i}") for i in range(n_tags)
        ]
        rng = random.Random(f"{self.seed}:site")
        self.by_section = {s: [] for s in SECTIONS}
        for i in range(n_articles):
            section = SECTIONS[i % len(SECTIONS)]
            day = 1 + i // 12
            slug = "-".join(rng.choices(WORDS, k=5))
            self.articles.append(
                f"/{section}/2025/{1 + day // 28 % 12:02d}/{1 + day % 28:02d}/{slug}-{i}.html"
            )
            self.by_section[section].append(i)
        for section, ids in self.by_section.items():
            for k in range(max(1, math.ceil(len(ids) / PER_LISTING))):
                self.listings.append(self._listing_path(section, k))

    @staticmethod
    def _listing_count(n_articles: int) -> int:
        per_section = [len(range(i, n_articles, len(SECTIONS))) for i in range(len(SECTIONS))]
        return sum(max(1, math.ceil(n / PER_LISTING)) for n in per_section)

    @staticmethod
    def _listing_path(section: str, k: int) -> str:
        return f"/section/{section}/" if k == 0 else f"/section/{section}/page/{k + 1}/"

    def paths(self) -> list[str]:
        """Every page of the site, home first."""
        return ["/", *self.listings, *(f"/tag/{t}/" for t in self.tags), *self.articles]

    def render_all(self) -> dict[str, bytes]:
        """Every page, rendered: path -> HTML bytes."""
        return {path: self.render(path) for path in self.paths()}

    def render(self, path: str) -> bytes:
        """The HTML of one page; the same (seed, path) always gives the same bytes."""
        rng = random.Random(f"{self.seed}:{path}")
        latest = self.articles[-15:]
        most_read = [self.articles[(i * 7919) % len(self.articles)] for i in range(10)]
        nav = [("/", "Home")] + [(self._listing_path(s, 0), s.title()) for s in SECTIONS]
        nav += [(f"/tag/{t}/", t) for t in self.tags[:10]]
        footer = [(self._listing_path(s, 0), s) for s in SECTIONS] + [
            (f"/tag/{t}/", t) for t in self.tags[:12]
        ]
        main: list[tuple[str, str]]
        if path == "/":
            title, main = "Front page", [(a, self._headline(a)) for a in self.articles[-60:]]
        elif path.startswith("/section/"):
            title, main = self._listing(path)
        elif path.startswith("/tag/"):
            title = f"Tag: {path.split('/')[2]}"
            main = [(a, self._headline(a)) for a in rng.sample(self.articles, ARTICLES_PER_TAG)]
        else:
            title, main = self._headline(path), self._article_links(path, rng)
        blocks = [
            ("nav", nav),
            ("main", main),
            ("most-read", [(a, self._headline(a)) for a in most_read]),
            ("latest", [(a, self._headline(a)) for a in latest]),
            ("footer", footer),
        ]
        return self._html(title, blocks, rng)

    def _headline(self, path: str) -> str:
        return path.rsplit("/", 1)[-1].rsplit("-", 1)[0].replace("-", " ").capitalize()

    def _listing(self, path: str) -> tuple[str, list[tuple[str, str]]]:
        parts = path.strip("/").split("/")
        section, k = parts[1], (int(parts[3]) - 1 if len(parts) > 3 else 0)
        ids = self.by_section[section]
        pages = max(1, math.ceil(len(ids) / PER_LISTING))
        links = [
            (self.articles[i], self._headline(self.articles[i]))
            for i in ids[k * PER_LISTING : (k + 1) * PER_LISTING]
        ]
        links += [(self._listing_path(section, j), f"Page {j + 1}") for j in range(min(pages, 10))]
        if k + 1 < pages:
            links.append((self._listing_path(section, k + 1), "Next"))
        return f"{section.title()} - page {k + 1}", links

    def _article_links(self, path: str, rng: random.Random) -> list[tuple[str, str]]:
        i = int(path.rsplit("-", 1)[-1].removesuffix(".html"))
        section = path.split("/")[1]
        ids = self.by_section[section]
        pos = ids.index(i)
        links = [
            ("/", "Home"),
            (self._listing_path(section, 0), section.title()),
            ("#comments", "Comments"),
        ]
        links += [(a, "inline") for a in rng.sample(self.articles, 6)]
        near = [ids[j] for j in range(max(0, pos - 6), min(len(ids), pos + 7)) if j != pos]
        links += [(self.articles[j], "related") for j in near]
        links += [(self.articles[j], "more") for j in ids[-25:]]
        links += [(f"/tag/{t}/", t) for t in rng.sample(self.tags, min(4, len(self.tags)))]
        links += [(OFFSITE[k % 2] + path, "share") for k in range(2)] + [
            ("mailto:desk@news.invalid", "Mail")
        ]
        return links

    def _html(
        self, title: str, blocks: list[tuple[str, list[tuple[str, str]]]], rng: random.Random
    ) -> bytes:
        style = "".join(f".c{k}{{margin:{k}px;color:#{k:03x}}}" for k in range(120))
        ads = ",".join(str(rng.randrange(10**6)) for _ in range(300))
        head = (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>\n'
            f'<meta name="description" content="{" ".join(rng.choices(WORDS, k=25))}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<style>{style}</style>\n<script>window.__CONFIG__={{"ads":[{ads}]}}</script>\n'
            "</head><body>\n"
        )
        parts = [head]
        for name, links in blocks:
            items = "".join(
                f'<li class="item"><a class="link-{name}" href="{href}">{text}</a></li>\n'
                for href, text in links
            )
            parts.append(f'<section class="{name}"><ul>\n{items}</ul></section>\n')
        parts.append(f"<article><h1>{title}</h1>\n")
        size = sum(len(p) for p in parts) + 40
        while size < self.target_bytes:
            para = (
                f"<p>{' '.join(rng.choices(WORDS, k=rng.randrange(40, 120))).capitalize()}.</p>\n"
            )
            parts.append(para)
            size += len(para)
        parts.append('</article><div id="comments"></div></body></html>\n')
        return "".join(parts).encode()


if __name__ == "__main__":
    import sys

    site = Site(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
    pages = site.render_all()
    sizes = [len(b) for b in pages.values()]
    links = [b.count(b"<a ") for b in pages.values()]
    kb, n = sum(sizes) / len(sizes) / 1000, sum(links) / len(links)
    print(f"{len(pages)} pages, {kb:.1f} KB and {n:.0f} links avg")
