"""What the link-state dashboard shows: cited links by state, the newest dead citations and
rot rates per citing blog and per cited site (plain dicts for ``/dashboard`` and its JSON twin).

Citations count only in their post's current version (a citation an edit removed is history,
``storage.citations``), and the preserved copy offered is the local one when there is a
visible one, else the external copy a Memento TimeGate found for the post's date.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.linkstate import STATE_ORDER
from storage.memento import MementoUrls
from storage.models import Citation, LinkState, Post, Site
from storage.preserved import (
    cited_key,
    external_copies,
    external_copy,
    iso,
    local_copy,
    post_date,
    visible_captures,
)
from storage.timeutil import as_utc

CURRENT = (Citation.removed_at.is_(None), Citation.internal.is_(False))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def state_counts(session: Session) -> dict[str, int]:
    """Checked URLs by link state, worst first."""
    counts = dict.fromkeys(STATE_ORDER, 0)
    for state, count in session.execute(
        select(LinkState.state, func.count(LinkState.id)).group_by(LinkState.state)
    ):
        counts[state] = counts.get(state, 0) + count
    return counts


def newest_dead(session: Session, urls: MementoUrls, limit: int = 20) -> list[dict[str, Any]]:
    """Dead citations of current post versions, most recently confirmed dead first."""
    rows = session.execute(
        select(Citation, LinkState, Post.id, Post.url, Post.title, post_date(), Site.host)
        .join(LinkState, LinkState.url == cited_key())
        .join(Post, Post.id == Citation.post_id)
        .join(Site, Site.id == Post.site_id)
        .where(LinkState.state == "dead", *CURRENT)
        .order_by(LinkState.since.desc(), Citation.id.desc())
        .limit(limit)
    ).all()

    def local_id(citation: Citation, state: LinkState) -> int | None:
        return citation.closest_capture_id or citation.latest_capture_id or state.last_ok_capture_id

    copies = visible_captures(session, [local_id(c, s) for c, s, *_ in rows])
    external = external_copies(session, [(s.url, when) for _, s, _, _, _, when, _ in rows])
    dead = []
    for citation, state, post_id, post_url, post_title, when, host in rows:
        copy = local_copy(copies.get(local_id(citation, state) or -1), urls)
        if copy is None and when is not None:
            copy = external_copy(external.get((state.url, as_utc(when))))
        dead.append(
            {
                "post": {"id": post_id, "url": post_url, "title": post_title, "site": host},
                "url": citation.url,
                "reference_text": citation.reference_text,
                "since": iso(state.since),
                "verdict": state.verdict,
                "reason": state.reason,
                "preserved_copy": copy,
            }
        )
    return dead


def rot_rates(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rot per citing blog and per cited site: distinct checked URLs cited by current post
    versions, and how many of them are dead (or dying)."""
    blogs: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    cited: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for host, url, state in session.execute(
        select(Site.host, LinkState.url, LinkState.state)
        .select_from(Citation)
        .join(LinkState, LinkState.url == cited_key())
        .join(Post, Post.id == Citation.post_id)
        .join(Site, Site.id == Post.site_id)
        .where(*CURRENT)
    ):
        cited_host = (urlsplit(url).hostname or "").removeprefix("www.")
        for table, key in ((blogs, host), (cited, cited_host)):
            table[key]["checked"].add(url)
            if state in ("dead", "dying"):
                table[key][state].add(url)

    def rates(table: dict[str, dict[str, set[str]]]) -> list[dict[str, Any]]:
        out = []
        for key, sets in table.items():
            checked, dead = len(sets["checked"]), len(sets["dead"])
            out.append({"site": key, "checked": checked, "dead": dead,
                        "dying": len(sets["dying"]), "rot_rate": _rate(dead, checked)})  # fmt: skip
        return sorted(out, key=lambda r: (-(r["rot_rate"] or 0), -r["checked"], r["site"]))

    return rates(blogs), rates(cited)


def dashboard(session: Session, urls: MementoUrls, *, newest: int = 20) -> dict[str, Any]:
    """Counts of checked links by state, the newest dead citations, rot rates per site."""
    counts = state_counts(session)
    by_blog, by_cited_site = rot_rates(session)
    total = sum(counts.values())
    return {
        "counts": counts,
        "total": total,
        "rot_rate": _rate(counts.get("dead", 0), total),
        "newest_dead": newest_dead(session, urls, newest),
        "by_blog": by_blog,
        "by_cited_site": by_cited_site,
    }


__all__ = ["dashboard", "newest_dead", "rot_rates", "state_counts"]
