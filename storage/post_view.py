"""What the web app's post page shows: a post, its archived copy and the citations of its
current version, each with its link state and preserved copy (plain dicts, shared by the HTML
page and ``/api/posts/{id}`` so both always agree).

Every local copy offered goes through the exclusion rules; when there is none, the copy a
Memento TimeGate found from before the post's date is offered instead, marked external.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.memento import MementoUrls
from storage.models import Citation, LinkState, Post, Site
from storage.preserved import (
    cited_key,
    closest_ok,
    external_copies,
    external_copy,
    iso,
    local_copy,
    visible_captures,
)
from storage.timeutil import as_utc, utcnow


def quote_summary(quotes: list[Any] | None) -> dict[str, Any] | None:
    """The quote check of one citation: how many quoted passages the cited article holds."""
    items = [q if isinstance(q, dict) else {"text": str(q)} for q in quotes or []]
    if not items:
        return None
    checked = [q for q in items if q.get("found") is not None]
    found = sum(1 for q in checked if q.get("found"))
    if not checked:
        verdict = "not checked"
    elif found == len(items):
        verdict = "all found"
    elif found == 0:
        verdict = "not found"
    else:
        verdict = "some found"
    return {
        "verdict": verdict,
        "found": found,
        "total": len(items),
        "quotes": [
            {"text": q.get("text"), "found": q.get("found"), "score": q.get("score")} for q in items
        ],
    }


def _citation(citation: Citation, state: LinkState | None, copy: Any) -> dict[str, Any]:
    return {
        "id": citation.id,
        "position": citation.position,
        "url": citation.url,
        "normalized_url": citation.normalized_url,
        "final_url": citation.final_url,
        "anchor_text": citation.anchor_text,
        "reference_text": citation.reference_text,
        "title": citation.title,
        "authors": list(citation.authors or []),
        "outlet": citation.outlet,
        "cited_date": citation.cited_date,
        "context": citation.context,
        "internal": citation.internal,
        "fetch_status": citation.fetch_status,
        "fetch_error": citation.fetch_error,
        "state": state.state if state is not None else None,
        "verdict": state.verdict if state is not None else None,
        "reason": state.reason if state is not None else None,
        "since": iso(state.since) if state is not None else None,
        "checked_at": iso(state.checked_at) if state is not None else None,
        "preserved_copy": copy,
        "quote_check": quote_summary(citation.quotes),
    }


def post_details(session: Session, post_id: int, urls: MementoUrls) -> dict[str, Any] | None:
    """A post: metadata, text, its archived copy and its current citations, each with its
    link state, since when, the preserved copy closest to the post date and the quote check.
    None when there is no such post or it is excluded."""
    found = session.execute(
        select(Post, Site).join(Site, Site.id == Post.site_id).where(Post.id == post_id)
    ).first()
    if found is None:
        return None
    post, site = found
    post_capture = visible_captures(session, [post.capture_id])
    if post.capture_id and not post_capture:
        return None  # the post itself is excluded
    rows = session.execute(
        select(Citation, LinkState, cited_key())
        .outerjoin(LinkState, LinkState.url == cited_key())
        .where(Citation.post_id == post.id, Citation.removed_at.is_(None))  # current version
        .order_by(Citation.position)
    ).all()
    copies = visible_captures(
        session, [c.closest_capture_id or c.latest_capture_id for c, *_ in rows]
    )
    when = post.published_at or post.captured_at or utcnow()
    dated = post.published_at or post.first_seen_at  # what the TimeGate was asked about
    dated = as_utc(dated) if dated is not None else None
    external = external_copies(session, [(key, dated) for *_, key in rows])
    citations = []
    for citation, state, key in rows:
        capture = copies.get(citation.closest_capture_id or citation.latest_capture_id or -1)
        if capture is None and citation.url and not citation.internal:
            # Not linked by the crawl (or excluded): the closest capture the index has.
            target = citation.final_url or citation.fetch_url or citation.url
            capture = closest_ok(session, target, when)
        copy = local_copy(capture, urls)
        if copy is None and key and dated is not None:
            copy = external_copy(external.get((key, dated)))
        citations.append(_citation(citation, state, copy))
    capture = post_capture.get(post.capture_id or -1)
    return {
        "id": post.id,
        "url": post.url,
        "site": {"id": site.id, "host": site.host, "title": site.title, "platform": site.platform},
        "title": post.title,
        "authors": list(post.authors or []),
        "published": post.published,
        "updated": post.updated,
        "labels": list(post.labels or []),
        "comment_count": post.comment_count,
        "text": post.body_text,
        "first_seen_at": iso(post.first_seen_at),
        "deleted_at": iso(post.deleted_at),
        "archived_copy": local_copy(capture, urls),
        "citations": citations,
    }


def posts_of_hits(session: Session, hits: list[Any]) -> dict[int, int]:
    """Search hit capture id -> post id, for hits that are (a version of) an archived post."""
    if not hits:
        return {}
    by_url = {h.url: h.capture_id for h in hits}
    found: dict[int, int] = {}
    rows = session.execute(
        select(Post.id, Post.url, Post.capture_id).where(
            Post.url.in_(sorted(by_url)) | Post.capture_id.in_([h.capture_id for h in hits])
        )
    ).all()
    for post_id, url, capture_id in rows:
        for hit in hits:
            if hit.url == url or hit.capture_id == capture_id:
                found.setdefault(hit.capture_id, post_id)
    return found


__all__ = ["post_details", "posts_of_hits", "quote_summary"]
