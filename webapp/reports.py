"""What the post page, the link-state dashboard and the run history show: plain dicts.

Read-only queries over the storage tables (posts, citations, link states, schedule runs),
shared by the HTML pages and their JSON twins under ``/api/`` so both always agree. Every
preserved copy offered goes through the exclusion rules (``storage.exclusions.visible``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.cdx import CdxEntry, CdxFilter, CdxQuery, normalise_url, query
from storage.exclusions import visible
from storage.linkstate import STATES
from storage.memento import MementoUrls
from storage.models import (
    Capture,
    Citation,
    LinkState,
    Post,
    Schedule,
    ScheduleRun,
    Site,
)
from storage.schedules import RUN_STATES
from storage.timeutil import as_utc, timestamp14, utcnow

# Link states from worst to best, for badges and the dashboard's order.
STATE_ORDER = ("dead", "dying", "drifted", "blocked", "redirected", "alive", "unknown")
assert set(STATE_ORDER) == set(STATES)


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _cited_key() -> Any:
    """The URL a citation's link state is kept under (what ``reftrail check`` checks)."""
    return func.coalesce(Citation.normalized_url, Citation.url)


def _copy(capture: Capture | None, urls: MementoUrls) -> dict[str, Any] | None:
    if capture is None:
        return None
    stamp = timestamp14(capture.fetched_at)
    return {
        "capture_id": capture.id,
        "url": capture.url,
        "captured_at": iso(capture.fetched_at),
        "timestamp": stamp,
        "replay": urls.memento(stamp, capture.url),
        "page": f"{urls.base}/capture/{capture.id}",
    }


def _visible_captures(session: Session, ids: set[int]) -> dict[int, Capture]:
    if not ids:
        return {}
    rows = session.scalars(select(Capture).where(Capture.id.in_(sorted(ids)), visible()))
    return {c.id: c for c in rows}


def _closest_ok(session: Session, url: str, when: datetime) -> CdxEntry | None:
    """The 200 capture of ``url`` nearest to ``when`` (excluded ones never)."""
    cdx = CdxQuery(
        url=normalise_url(url), sort="closest", closest=when, limit=1,
        filters=[CdxFilter.parse("=status:200")],
    )  # fmt: skip
    return next(iter(query(session, cdx)), None)


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


def post_details(session: Session, post_id: int, urls: MementoUrls) -> dict[str, Any] | None:
    """A post: metadata, text, its archived copy and its citations, each with its link state,
    since when, the preserved copy closest to the post date and the quote check."""
    found = session.execute(
        select(Post, Site).join(Site, Site.id == Post.site_id).where(Post.id == post_id)
    ).first()
    if found is None:
        return None
    post, site = found
    post_capture = _visible_captures(session, {post.capture_id} if post.capture_id else set())
    if post.capture_id and not post_capture:
        return None  # the post itself is excluded
    rows = session.execute(
        select(Citation, LinkState)
        .outerjoin(LinkState, LinkState.url == _cited_key())
        .where(Citation.post_id == post.id, Citation.removed_at.is_(None))  # current version
        .order_by(Citation.position)
    ).all()
    linked = {c.closest_capture_id or c.latest_capture_id for c, _ in rows}
    copies = _visible_captures(session, {i for i in linked if i is not None})
    when = post.published_at or post.captured_at
    citations = []
    for citation, state in rows:
        copy = copies.get(citation.closest_capture_id or citation.latest_capture_id or -1)
        if copy is None and citation.url and not citation.internal:
            # Not linked by the crawl (or excluded): the closest capture the index has.
            target = citation.final_url or citation.fetch_url or citation.url
            entry = _closest_ok(session, target, when or utcnow())
            copy = session.get(Capture, entry.capture_id) if entry is not None else None
        citations.append(
            {
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
                "preserved_copy": _copy(copy, urls),
                "quote_check": quote_summary(citation.quotes),
            }
        )
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
        "archived_copy": _copy(capture, urls),
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


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def dashboard(session: Session, urls: MementoUrls, *, newest: int = 20) -> dict[str, Any]:
    """Counts of cited links by state, the newest dead citations, rot rates per site."""
    counts = dict.fromkeys(STATE_ORDER, 0)
    for state, count in session.execute(
        select(LinkState.state, func.count(LinkState.id)).group_by(LinkState.state)
    ):
        counts[state] = counts.get(state, 0) + count
    dead_rows = session.execute(
        select(Citation, LinkState, Post.id, Post.url, Post.title, Site.host)
        .join(LinkState, LinkState.url == _cited_key())
        .join(Post, Post.id == Citation.post_id)
        .join(Site, Site.id == Post.site_id)
        .where(LinkState.state == "dead", Citation.internal.is_(False))
        .order_by(LinkState.since.desc(), Citation.id.desc())
        .limit(newest)
    ).all()
    wanted = {
        c.closest_capture_id or c.latest_capture_id or s.last_ok_capture_id
        for c, s, *_ in dead_rows
    }
    copies = _visible_captures(session, {i for i in wanted if i is not None})
    newest_dead = [
        {
            "post": {"id": post_id, "url": post_url, "title": post_title, "site": host},
            "url": citation.url,
            "reference_text": citation.reference_text,
            "since": iso(state.since),
            "verdict": state.verdict,
            "reason": state.reason,
            "preserved_copy": _copy(
                copies.get(
                    citation.closest_capture_id
                    or citation.latest_capture_id
                    or state.last_ok_capture_id
                    or -1
                ),
                urls,
            ),
        }
        for citation, state, post_id, post_url, post_title, host in dead_rows
    ]
    # Rot per citing blog and per cited site: distinct cited URLs with a state, and how many
    # of them are dead (or dying).
    blogs: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    cited: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for host, url, state in session.execute(
        select(Site.host, LinkState.url, LinkState.state)
        .select_from(Citation)
        .join(LinkState, LinkState.url == _cited_key())
        .join(Post, Post.id == Citation.post_id)
        .join(Site, Site.id == Post.site_id)
        .where(Citation.internal.is_(False))
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

    total = sum(counts.values())
    return {
        "counts": counts,
        "total": total,
        "rot_rate": _rate(counts.get("dead", 0), total),
        "newest_dead": newest_dead,
        "by_blog": rates(blogs),
        "by_cited_site": rates(cited),
    }


def run_row(run: ScheduleRun) -> dict[str, Any]:
    """One run as ``reftrail runs --format json`` prints it."""
    return {
        "id": run.id,
        "schedule": run.schedule_name,
        "kind": run.kind,
        "trigger": run.trigger,
        "state": run.state,
        "scheduled_for": iso(run.scheduled_for),
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "exit_code": run.exit_code,
        "crawl_id": run.crawl_id,
        "counts": dict(run.counts or {}),
        "log_tail": run.log_tail,
    }


def run_history(
    session: Session, *, schedule: str | None = None, state: str | None = None, limit: int = 100
) -> dict[str, Any]:
    """The schedules and their runs, newest first."""
    if state is not None and state not in RUN_STATES:
        raise ValueError(f"state must be one of {', '.join(RUN_STATES)}")
    query = select(ScheduleRun).order_by(ScheduleRun.id.desc()).limit(limit)
    if schedule:
        query = query.where(ScheduleRun.schedule_name == schedule)
    if state:
        query = query.where(ScheduleRun.state == state)
    runs = [run_row(r) for r in session.scalars(query)]
    schedules = [
        {
            "name": s.name,
            "seeds": list(s.seeds or []),
            "crawl_cron": s.crawl_cron,
            "check_cron": s.check_cron,
            "timezone": s.timezone,
            "enabled": s.enabled,
            "next_crawl_at": iso(s.next_crawl_at),
            "next_check_at": iso(s.next_check_at),
        }
        for s in session.scalars(select(Schedule).order_by(Schedule.name))
    ]
    return {"schedules": schedules, "runs": runs}
