"""Citations of posts and the cited articles: rows the blog crawl writes, queries the CLI reads.

Each archived version of a post records what it cites (its text is what cites). A citation
row lives from the version that first had it until the first later version without it, so
earlier versions' citations are kept, marked removed, never lost. Fetch outcomes are recorded
per cited URL key (``crawler.scope.url_key``), so every citation of one article, in any post,
shares its status. When a crawl ends, each fetched citation is pointed at its captures (the
one live closest to the post's publication date, and the latest) through the capture table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from storage.archive import Archive
from storage.captures import surt_key
from storage.exclusions import list_exclusions
from storage.models import Article, Capture, Citation, Post, PostCapture
from storage.timeutil import utcnow

# Citation.fetch_status values.
FETCHED, FAILED, ROBOTS_BLOCKED, EXCLUDED, NO_LINK = (
    "fetched",
    "failed",
    "robots-blocked",
    "excluded",
    "no-link",
)
INTERNAL, PENDING = "internal", "pending"
CITATION_FIELDS = (
    "position",
    "url",
    "normalized_url",
    "fetch_url",
    "final_url",
    "short_link",
    "anchor_text",
    "reference_text",
    "context",
    "authors",
    "title",
    "outlet",
    "cited_date",
    "internal",
    "fetch_status",
    "fetch_error",
    "quotes",
)


def post_id_of(archive: Archive, site_id: int, url: str) -> int | None:
    with archive.session() as session:
        return session.scalars(
            select(Post.id).where(Post.site_id == site_id, Post.url == url)
        ).first()


# What makes two versions' citations the same one: the link and the words around it, else
# (an edited paragraph around an unchanged link) the link and its anchor text alone.
_EXACT = ("url", "anchor_text", "reference_text", "context", "internal")
_LOOSE = ("url", "anchor_text", "internal")


def _identity(values: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(values.get(name) for name in names)


def record_citations(
    archive: Archive, post_id: int, citations: Iterable[dict[str, Any]], *, crawl_id: int | None
) -> int:
    """The post's newest archived version cites these (dicts of Citation columns).

    A citation the post already had is kept (its position and this crawl's fetch status
    updated), a new one is added as first seen in this version, and a current one this
    version lacks is marked removed in it. Returns how many the version has.
    """
    now = utcnow()
    defaults = {"context": "paragraph", "internal": False, "reference_text": ""}
    rows = [
        defaults
        | {k: v for k, v in c.items() if k in CITATION_FIELDS}
        | {"post_id": post_id, "crawl_id": crawl_id}
        for c in citations
    ]
    with archive.session() as session, session.begin():
        version = session.execute(
            select(PostCapture.id, PostCapture.fetched_at)
            .where(
                PostCapture.post_id == post_id,
                PostCapture.outcome.in_(("changed", "identical")),
            )
            .order_by(PostCapture.id.desc())
            .limit(1)
        ).first()
        version_id, version_at = (version[0], version[1]) if version else (None, now)
        left = list(
            session.scalars(
                select(Citation)
                .where(Citation.post_id == post_id, Citation.removed_at.is_(None))
                .order_by(Citation.position, Citation.id)
            )
        )
        matched: dict[int, Citation] = {}  # row index -> the current citation it continues
        for names in (_EXACT, _LOOSE):
            for index, row in enumerate(rows):
                if index in matched or (names is _LOOSE and row.get("url") is None):
                    continue
                wanted = _identity(row, names)
                same = next((c for c in left if _identity(c.__dict__, names) == wanted), None)
                if same is not None:
                    matched[index] = same
                    left.remove(same)
        for index, row in enumerate(rows):
            row.setdefault("authors", [])
            row.setdefault("quotes", [])
            if index in matched:
                for name, value in row.items():
                    setattr(matched[index], name, value)
            else:
                session.add(Citation(**row, created_at=now, first_version_id=version_id))
        for gone in left:
            gone.removed_in_id = version_id
            gone.removed_at = version_at
    return len(rows)


def record_fetch(
    archive: Archive,
    key: str,
    *,
    status: str,
    error: str | None = None,
    final_url: str | None = None,
    crawl_id: int | None = None,
) -> int:
    """The outcome of fetching one cited URL, on every citation of it (of this crawl)."""
    query = update(Citation).where(
        Citation.normalized_url == key, Citation.internal.is_(False), Citation.removed_at.is_(None)
    )
    if crawl_id is not None:
        query = query.where(Citation.crawl_id == crawl_id)
    with archive.session() as session, session.begin():
        result = session.execute(
            query.values(fetch_status=status, fetch_error=error, final_url=final_url)
        )
        return result.rowcount or 0  # type: ignore[attr-defined]


def save_article(archive: Archive, fields: dict[str, Any]) -> int:
    """Insert the Article of one capture (or update it: extraction may be redone)."""
    with archive.session() as session, session.begin():
        article = session.scalars(
            select(Article).where(Article.capture_id == fields["capture_id"])
        ).first()
        if article is None:
            article = Article(authors=[])
            session.add(article)
        for name, value in fields.items():
            setattr(article, name, value)
        session.flush()
        return article.id


@dataclass(frozen=True, slots=True)
class CaptureTime:
    capture_id: int
    fetched_at: datetime


def article_captures(archive: Archive, key: str) -> list[CaptureTime]:
    """Successful captures of what a cited URL key led to, oldest first (any crawl)."""
    with archive.session() as session:
        finals = set(session.scalars(select(Article.final_url).where(Article.url_key == key)))
    return final_captures(archive, finals)


def final_captures(archive: Archive, finals: set[str]) -> list[CaptureTime]:
    """Successful captures of these URLs (where cited URLs ended), oldest first."""
    if not finals:
        return []
    with archive.session() as session:
        rows = session.execute(
            select(Capture.id, Capture.fetched_at)
            .where(
                Capture.url.in_(finals),
                Capture.status == 200,
                Capture.record_type.in_(("response", "revisit")),
            )
            .order_by(Capture.fetched_at, Capture.id)
        ).all()
    return [CaptureTime(capture_id, fetched_at) for capture_id, fetched_at in rows]


def closest_capture(captures: list[CaptureTime], when: datetime | None) -> CaptureTime | None:
    """The capture nearest in time to ``when`` (the latest when there is no date)."""
    if not captures:
        return None
    if when is None:
        return captures[-1]
    return min(captures, key=lambda c: abs((c.fetched_at - when).total_seconds()))


def link_captures(archive: Archive, *, crawl_id: int | None = None) -> int:
    """Point fetched citations at their article and at their closest and latest captures.

    The article is the one fetched for the citation's URL key, else the one whose fetch ended
    where this citation's did: a short link and a direct link to the same article share it
    (the crawl fetched that article once, under whichever citation came first).
    """
    query = (
        select(Citation.id, Citation.normalized_url, Citation.final_url, Post.published_at)
        .join(Post, Post.id == Citation.post_id)
        .where(Citation.normalized_url.is_not(None), Citation.internal.is_(False))
    )
    if crawl_id is not None:
        query = query.where(Citation.crawl_id == crawl_id)
    with archive.session() as session:
        rows = session.execute(query).all()
        keys: set[str] = {key for _, key, _, _ in rows if key}
        finals: set[str] = {final for _, _, final, _ in rows if final}
        by_key: dict[str, tuple[int, str | None]] = {}
        by_final: dict[str, tuple[int, str | None]] = {}
        for article_id, key, ended in session.execute(
            select(Article.id, Article.url_key, Article.final_url)
            .where(Article.url_key.in_(keys) | Article.final_url.in_(finals | keys))
            .order_by(Article.fetched_at, Article.id)
        ):
            by_key[key] = (article_id, ended)
            if ended:
                by_final[ended] = (article_id, ended)
    captures: dict[str, list[CaptureTime]] = {}
    changes = []
    for citation_id, cited, final, published_at in rows:
        article = by_key.get(cited or "") or by_final.get(final or "") or by_final.get(cited or "")
        found: list[CaptureTime] = []
        article_final = article[1] if article is not None else None
        if article_final:
            if article_final not in captures:
                captures[article_final] = final_captures(archive, {article_final})
            found = captures[article_final]
        if not found:
            found = article_captures(archive, cited or "")
        if not found:
            continue
        closest = closest_capture(found, published_at)
        changes.append(
            {
                "id": citation_id,
                "closest_capture_id": closest.capture_id if closest else None,
                "latest_capture_id": found[-1].capture_id,
                "article_id": article[0] if article else None,
            }
        )
    with archive.session() as session, session.begin():
        for change in changes:
            session.execute(
                update(Citation).where(Citation.id == change.pop("id")).values(**change)
            )
    return len(changes)


@dataclass(frozen=True, slots=True)
class QuoteWork:
    citation_id: int
    quotes: list[str]
    article_text: str | None


def quotes_to_check(archive: Archive, *, crawl_id: int | None = None) -> list[QuoteWork]:
    query = (
        select(Citation.id, Citation.quotes, Article.text)
        .join(Article, Article.id == Citation.article_id)
        .where(Citation.article_id.is_not(None))
    )
    if crawl_id is not None:
        query = query.where(Citation.crawl_id == crawl_id)
    with archive.session() as session:
        rows = session.execute(query).all()
    return [
        QuoteWork(cid, [q["text"] if isinstance(q, dict) else str(q) for q in quotes], text)
        for cid, quotes, text in rows
        if quotes
    ]


def save_quote_checks(archive: Archive, checks: dict[int, list[dict[str, Any]]]) -> None:
    with archive.session() as session, session.begin():
        for citation_id, quotes in checks.items():
            session.execute(
                update(Citation).where(Citation.id == citation_id).values(quotes=quotes)
            )


def unlinked_references(archive: Archive) -> list[tuple[int, str]]:
    """(citation id, title) of references without a link, for title matching."""
    with archive.session() as session:
        rows = session.execute(
            select(Citation.id, Citation.title).where(
                Citation.url.is_(None), Citation.title.is_not(None)
            )
        ).all()
    return [(cid, title) for cid, title in rows if title]


def article_titles(archive: Archive) -> list[tuple[int, int, str]]:
    """(article id, capture id, title) of every archived article with a title."""
    with archive.session() as session:
        rows = session.execute(
            select(Article.id, Article.capture_id, Article.title).where(Article.title.is_not(None))
        ).all()
    return [(aid, cid, title) for aid, cid, title in rows if title]


def save_matches(archive: Archive, matches: dict[int, tuple[int, int, float]]) -> None:
    """Link-less citation id -> (article id, capture id, score)."""
    with archive.session() as session, session.begin():
        for citation_id, (article_id, capture_id, score) in matches.items():
            session.execute(
                update(Citation)
                .where(Citation.id == citation_id)
                .values(
                    article_id=article_id,
                    closest_capture_id=capture_id,
                    latest_capture_id=capture_id,
                    match_score=score,
                )
            )


def list_citations(
    archive: Archive,
    *,
    post_url: str | None = None,
    internal: bool = False,
    history: bool = False,
) -> list[dict[str, Any]]:
    """Every citation (by post, in post order) as plain values, for ``reftrail citations``.

    Only what the posts' current versions cite, unless ``history``: then also the citations
    earlier versions had (``current`` false, ``removed_at`` set), after the current ones.
    """
    return list(iter_citations(archive, post_url=post_url, internal=internal, history=history))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def iter_citations(
    archive: Archive,
    *,
    post_url: str | None = None,
    internal: bool = False,
    history: bool = False,
) -> Iterator[dict[str, Any]]:
    """The rows of :func:`list_citations`, streamed (``reftrail export citations``).

    A citation whose URL or article is on the exclusion list now (a rule added after the
    fetch) is listed as ``excluded`` without its article: excluded captures are never served.
    """
    first = aliased(PostCapture)
    query = (
        select(Citation, Post.url, Article, Capture.fetched_at, first.fetched_at)
        .join(Post, Post.id == Citation.post_id)
        .outerjoin(Article, Article.id == Citation.article_id)
        .outerjoin(
            Capture,
            Capture.id == _coalesce(Citation.closest_capture_id, Citation.latest_capture_id),
        )
        .outerjoin(first, first.id == Citation.first_version_id)
        .order_by(
            Post.published_at.desc().nulls_last(),
            Post.url,
            Citation.removed_at.is_not(None),
            Citation.position,
            Citation.id,
        )
        .execution_options(yield_per=500)
    )
    if post_url:
        query = query.where(Post.url == post_url)
    if not internal:
        query = query.where(Citation.internal.is_(False))
    if not history:
        query = query.where(Citation.removed_at.is_(None))
    rules = [rule.surt for rule in list_exclusions(archive)]

    def excluded(*urls: str | None) -> bool:
        return any(surt_key(u).startswith(rule) for u in urls if u for rule in rules)

    with archive.session() as session:
        for citation, url, found, captured_at, first_seen in session.execute(query):
            status: str = citation.fetch_status
            article: Article | None = found
            if rules and excluded(
                citation.fetch_url, citation.final_url, found.final_url if found else None
            ):
                status, article = EXCLUDED, None
            yield {
                "post_url": url,
                "position": citation.position,
                "url": citation.url,
                "normalized_url": citation.normalized_url,
                "final_url": citation.final_url,
                "anchor_text": citation.anchor_text,
                "reference_text": citation.reference_text,
                "context": citation.context,
                "authors": list(citation.authors or []),
                "title": citation.title,
                "outlet": citation.outlet,
                "cited_date": citation.cited_date,
                "internal": citation.internal,
                "short_link": citation.short_link,
                "fetch_status": status,
                "fetch_error": citation.fetch_error,
                "match_score": citation.match_score,
                "quotes": list(citation.quotes or []),
                "article": None
                if article is None
                else {
                    "url": article.final_url,
                    "captured_at": captured_at.isoformat(timespec="seconds")
                    if captured_at
                    else article.fetched_at.isoformat(timespec="seconds"),
                    "title": article.title,
                },
                "current": citation.removed_at is None,
                "first_seen_at": _iso(first_seen),
                "removed_at": _iso(citation.removed_at),
            }


def _coalesce(*columns: Any) -> Any:
    from sqlalchemy import func

    return func.coalesce(*columns)


def mark_linked_fetched(archive: Archive, *, crawl_id: int | None = None) -> int:
    """Citations left pending whose URL was archived anyway (e.g. fetched as a requisite)."""
    query = update(Citation).where(
        Citation.fetch_status == PENDING, Citation.latest_capture_id.is_not(None)
    )
    if crawl_id is not None:
        query = query.where(Citation.crawl_id == crawl_id)
    with archive.session() as session, session.begin():
        result = session.execute(query.values(fetch_status=FETCHED))
        return result.rowcount or 0  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CitingPost:
    """A post citing a URL: the first citation of it in that post (link checks, reports)."""

    url: str  # the cited URL as link checks know it (normalised when it could be)
    post_url: str
    post_title: str | None
    post_date: datetime | None  # published, else first seen
    anchor_text: str | None
    reference_text: str


def citing_posts(
    archive: Archive, urls: Iterable[str], *, post_url: str | None = None
) -> list[CitingPost]:
    """The posts whose current version cites each of ``urls`` (only ``post_url`` when given),
    by URL then post."""
    from sqlalchemy import func

    cited = func.coalesce(Citation.normalized_url, Citation.url)
    wanted = sorted(set(urls))
    found: dict[tuple[str, str], CitingPost] = {}
    with archive.session() as session:
        for start in range(0, len(wanted), 500):
            query = (
                select(
                    cited,
                    Post.url,
                    Post.title,
                    func.coalesce(Post.published_at, Post.first_seen_at),
                    Citation.anchor_text,
                    Citation.reference_text,
                )
                .join(Post, Post.id == Citation.post_id)
                .where(cited.in_(wanted[start : start + 500]), Citation.removed_at.is_(None))
                .order_by(Post.url, Citation.position)
            )
            if post_url is not None:
                query = query.where(Post.url == post_url)
            for url, post, title, when, anchor, reference in session.execute(query):
                found.setdefault(
                    (url, post), CitingPost(url, post, title, when, anchor, reference or "")
                )
    return [found[key] for key in sorted(found)]
