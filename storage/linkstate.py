"""Link checks over time: each URL's state (alive, dying, dead, ...), what to check, reports.

The state machine (:func:`advance`) is a pure function of the previous state, one check's
verdict and the time, so weeks of checks are simulated in tests with a fake clock. A URL is
dead only after ``dead_after_checks`` failing checks spanning at least ``dead_after_days``
(InternetArchiveBot's rule): one bad day of a server is "dying", not dead. Any good check
resets the count; an inconclusive check (or a bot block) neither resets nor counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import MetaData, Table, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.archive import Archive
from storage.exclusions import visible
from storage.models import Capture, Document, ExternalCopy, LinkCheck, LinkState
from storage.timeutil import as_utc, timestamp14

VERDICTS = (
    "ok",
    "redirected",
    "redirect-to-home",
    "gone",
    "server-error",
    "no-such-host",
    "unreachable",
    "soft-404",
    "drifted",
    "blocked",
    "parked",
    "inconclusive",
)
STATES = ("alive", "redirected", "dying", "dead", "blocked", "drifted", "unknown")
# The same states from worst to best: badges, the dashboard's order, a search hit's state.
STATE_ORDER = ("dead", "dying", "drifted", "blocked", "redirected", "alive", "unknown")
assert set(STATE_ORDER) == set(STATES)
# The page is there (perhaps moved or changed): the URL still leads somewhere real.
GOOD = frozenset({"ok", "redirected", "drifted"})
# What a dead link looks like; confirmed only by repetition over days.
FAILING = frozenset(
    {
        "gone",
        "server-error",
        "no-such-host",
        "unreachable",
        "soft-404",
        "parked",
        "redirect-to-home",
    }
)
# blocked and inconclusive say nothing about whether the page is there.
GOOD_STATE = {"ok": "alive", "redirected": "redirected", "drifted": "drifted"}
DEFAULT_REPORT_STATES = ("dead", "dying", "drifted", "blocked")


@dataclass(frozen=True, slots=True)
class StatePolicy:
    """When a failing URL counts as dead and how often URLs are re-checked."""

    dead_after_checks: int = 3
    dead_after_days: float = 3.0
    recheck_alive_days: float = 30.0
    recheck_failing_days: float = 1.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A URL's state as the state machine sees it (a LinkState row without the bookkeeping)."""

    state: str
    verdict: str
    reason: str
    since: datetime
    checked_at: datetime
    consecutive_failures: int = 0
    first_failure_at: datetime | None = None
    last_ok_capture_id: int | None = None
    next_check_at: datetime | None = None


def advance(
    previous: Snapshot | None,
    verdict: str,
    *,
    now: datetime,
    reason: str = "",
    capture_id: int | None = None,
    policy: StatePolicy = StatePolicy(),
) -> Snapshot:
    """The state after one check with ``verdict`` at ``now``."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    old = previous or Snapshot("unknown", verdict, reason, since=now, checked_at=now)
    failures, first_failure = old.consecutive_failures, old.first_failure_at
    last_ok = old.last_ok_capture_id
    if verdict in GOOD:
        state, failures, first_failure = GOOD_STATE[verdict], 0, None
        last_ok = capture_id if capture_id is not None else last_ok
    elif verdict in FAILING:
        failures += 1
        first_failure = first_failure or now
        confirmed = failures >= policy.dead_after_checks and now - first_failure >= timedelta(
            days=policy.dead_after_days
        )
        state = "dead" if confirmed or old.state == "dead" else "dying"
    elif verdict == "blocked":
        state = old.state if old.state in ("dying", "dead") else "blocked"
    else:  # inconclusive: nothing learnt
        state = old.state
    if state in ("alive", "redirected", "drifted", "dead"):
        wait = policy.recheck_alive_days
    else:
        wait = policy.recheck_failing_days
    return Snapshot(
        state=state,
        verdict=verdict,
        reason=reason,
        since=old.since if previous is not None and state == old.state else now,
        checked_at=now,
        consecutive_failures=failures,
        first_failure_at=first_failure,
        last_ok_capture_id=last_ok,
        next_check_at=now + timedelta(days=wait),
    )


# --- the database side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One finished check, as the link-check spider hands it to storage."""

    url: str
    verdict: str
    reason: str
    checked_at: datetime
    status: int | None = None
    error: str | None = None
    final_url: str | None = None
    capture_id: int | None = None
    similarity: float | None = None
    probe_url: str | None = None
    probe_result: str | None = None
    crawl_id: int | None = None


def _snapshot(row: LinkState) -> Snapshot:
    return Snapshot(
        state=row.state,
        verdict=row.verdict,
        reason=row.reason,
        since=row.since,
        checked_at=row.checked_at,
        consecutive_failures=row.consecutive_failures,
        first_failure_at=row.first_failure_at,
        last_ok_capture_id=row.last_ok_capture_id,
        next_check_at=row.next_check_at,
    )


def record_checks(
    archive: Archive, results: Iterable[CheckResult], *, policy: StatePolicy = StatePolicy()
) -> None:
    """Store each check and move its URL's state on, in one transaction."""
    with archive.session() as session, session.begin():
        for result in results:
            check = LinkCheck(
                url=result.url,
                crawl_id=result.crawl_id,
                checked_at=result.checked_at,
                verdict=result.verdict,
                reason=result.reason,
                status=result.status,
                error=result.error,
                final_url=result.final_url,
                capture_id=result.capture_id,
                similarity=result.similarity,
                probe_url=result.probe_url,
                probe_result=result.probe_result,
            )
            session.add(check)
            session.flush()
            row = session.scalars(select(LinkState).where(LinkState.url == result.url)).first()
            capture_id = result.capture_id if result.status == 200 else None
            new = advance(
                _snapshot(row) if row is not None else None,
                result.verdict,
                now=result.checked_at,
                reason=result.reason,
                capture_id=capture_id,
                policy=policy,
            )
            if row is None:
                row = LinkState(url=result.url)
                session.add(row)
            row.state, row.verdict, row.reason = new.state, new.verdict, new.reason
            row.since, row.checked_at = new.since, new.checked_at
            row.consecutive_failures = new.consecutive_failures
            row.first_failure_at = new.first_failure_at
            row.last_ok_capture_id = new.last_ok_capture_id
            row.last_check_id = check.id
            assert new.next_check_at is not None
            row.next_check_at = new.next_check_at


def _citation_urls(archive: Archive, post_url: str | None) -> list[str] | None:
    """Normalised URLs of the citations (of one post), or None while there is no citation table."""
    engine = archive.engine
    if not inspect(engine).has_table("citation"):
        return None
    citation = Table("citation", MetaData(), autoload_with=engine)
    # The normalised URL when the citation has one, else the URL as written.
    column: ColumnElement[str] = citation.c.url
    if "normalized_url" in citation.c:
        column = func.coalesce(citation.c.normalized_url, citation.c.url)
    query = select(column).distinct()
    if "removed_at" in citation.c:  # what the posts' current versions cite
        query = query.where(citation.c.removed_at.is_(None))
    if post_url is not None:
        post = Table("post", MetaData(), autoload_with=engine)
        query = query.join(post, post.c.id == citation.c.post_id).where(post.c.url == post_url)
    with engine.connect() as connection:
        return [url for (url,) in connection.execute(query) if url]


def has_citations(archive: Archive) -> bool:
    return inspect(archive.engine).has_table("citation")


def urls_to_check(
    archive: Archive,
    *,
    due_only: bool,
    post_url: str | None = None,
    now: datetime,
    urls: Iterable[str] = (),
) -> list[str]:
    """The URLs a check run fetches, in a stable order.

    Explicit ``urls`` win; else the citations (of ``post_url``) once the citation table
    exists, plus (without ``post_url``) every URL checked before. ``due_only`` drops URLs
    whose next check is in the future (a URL never checked is always due).
    """
    chosen = list(dict.fromkeys(urls))
    if not chosen:
        found = set(_citation_urls(archive, post_url) or [])
        if post_url is None:
            with archive.session() as session:
                found.update(session.scalars(select(LinkState.url)))
        chosen = sorted(found)
    if not due_only or not chosen:
        return chosen
    with archive.session() as session:
        later = set(
            session.scalars(select(LinkState.url).where(LinkState.next_check_at > as_utc(now)))
        )
    return [url for url in chosen if url not in later]


def reference_texts(
    archive: Archive, urls: Iterable[str], *, exclude_crawl_id: int | None = None
) -> dict[str, tuple[int, str]]:
    """For each URL, the earliest archived 2xx copy with extracted text: ``(capture_id, text)``.

    The earliest is the copy the citation was made against; later captures (link checks
    included) may already have drifted.
    """
    wanted = list(dict.fromkeys(urls))
    found: dict[str, tuple[int, str]] = {}
    with archive.session() as session:
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            query = (
                select(Capture.url, Capture.id, Document.text)
                .join(Document, Document.capture_id == Capture.id)
                .where(
                    Capture.url.in_(batch),
                    # The page itself, not an error page the server answered with.
                    Capture.status.between(200, 299),
                    Document.text.is_not(None),
                    Document.text != "",
                )
                .order_by(Capture.fetched_at, Capture.id)
            )
            if exclude_crawl_id is not None:
                query = query.where(
                    (Capture.crawl_id != exclude_crawl_id) | Capture.crawl_id.is_(None)
                )
            for url, capture_id, text in session.execute(query):
                if text:
                    found.setdefault(url, (capture_id, text))
    return found


# --- reports -------------------------------------------------------------------------------


def preserved_copies(session: Session, urls: list[str]) -> dict[str, Capture]:
    """The earliest visible 200 capture of each URL: the copy a reader should be sent to.

    A 200 that a check judged bad (a soft 404, a parked page) preserves nothing cited.
    """
    found: dict[str, Capture] = {}
    judged_bad = (
        select(LinkCheck.capture_id)
        .where(LinkCheck.capture_id.is_not(None), LinkCheck.verdict.not_in(sorted(GOOD)))
        .scalar_subquery()
    )
    for start in range(0, len(urls), 500):
        batch = urls[start : start + 500]
        rows = session.scalars(
            select(Capture)
            .where(
                Capture.url.in_(batch),
                Capture.status == 200,
                Capture.record_type.in_(("response", "revisit")),
                Capture.id.not_in(judged_bad),
                visible(),
            )
            .order_by(Capture.fetched_at, Capture.id)
        )
        for capture in rows:
            found.setdefault(capture.url, capture)
    return found


def _local_copy(capture: Capture, base: str) -> dict:
    stamp = timestamp14(capture.fetched_at)
    return {
        "captured_at": as_utc(capture.fetched_at).isoformat(),
        "url": f"{base}/web/{stamp}/{capture.url}",
        "capture_id": capture.id,
        "source": "local",
    }


def _external_copy(copy: ExternalCopy) -> dict:
    assert copy.captured_at is not None and copy.memento_url is not None
    return {
        "captured_at": as_utc(copy.captured_at).isoformat(),
        "url": copy.memento_url,
        "capture_id": None,
        "source": "external",
    }


def report_rows(
    archive: Archive,
    *,
    states: Iterable[str] | None = DEFAULT_REPORT_STATES,
    verdicts: Iterable[str] | None = None,
    post_url: str | None = None,
    public_url: str = "",
) -> list[dict]:
    """The rows of :func:`iter_report_rows` as a list."""
    return list(
        iter_report_rows(
            archive, states=states, verdicts=verdicts, post_url=post_url, public_url=public_url
        )
    )


def iter_report_rows(
    archive: Archive,
    *,
    states: Iterable[str] | None = DEFAULT_REPORT_STATES,
    verdicts: Iterable[str] | None = None,
    post_url: str | None = None,
    public_url: str = "",
) -> Iterator[dict]:
    """One dict per cited URL and citing post: the documented JSON report (see README,
    "Checking cited links"). A URL no post cites (checked with --url) gets one row with no
    post, unless ``post_url`` is given.

    The preserved copy is the earliest good local capture, else the copy a Memento TimeGate
    found from before the post's date (:mod:`storage.external_copies`).
    """
    from storage.citations import citing_posts
    from storage.external_copies import found_copies

    base = public_url.rstrip("/")
    query = select(LinkState).order_by(LinkState.url)
    if states is not None:
        query = query.where(LinkState.state.in_(list(states)))
    if verdicts is not None:
        query = query.where(LinkState.verdict.in_(list(verdicts)))
    with archive.session() as session:
        rows = list(session.scalars(query))
    urls = [r.url for r in rows]
    by_url: dict[str, list] = {}
    if has_citations(archive):
        for citing in citing_posts(archive, urls, post_url=post_url):
            by_url.setdefault(citing.url, []).append(citing)
    if post_url is not None:
        rows = [r for r in rows if r.url in by_url]
        urls = [r.url for r in rows]
    with archive.session() as session:
        check_ids = [r.last_check_id for r in rows if r.last_check_id is not None]
        checks = {
            c.id: c for c in session.scalars(select(LinkCheck).where(LinkCheck.id.in_(check_ids)))
        }
        copies = preserved_copies(session, urls)
        external = found_copies(session, [u for u in urls if u not in copies])
        counts = dict(
            session.execute(
                select(LinkCheck.url, func.count(LinkCheck.id))
                .where(LinkCheck.url.in_(urls))
                .group_by(LinkCheck.url)
            ).all()
        )
    for row in rows:
        check = checks.get(row.last_check_id or -1)
        local = copies.get(row.url)
        for citing in by_url.get(row.url) or [None]:
            preserved = None
            if local is not None:
                preserved = _local_copy(local, base)
            elif citing is not None and citing.post_date is not None:
                found = external.get((row.url, as_utc(citing.post_date)))
                preserved = _external_copy(found) if found is not None else None
            yield (
                {
                    "post_url": citing.post_url if citing else None,
                    "url": row.url,
                    "state": row.state,
                    "verdict": row.verdict,
                    "since": as_utc(row.since).isoformat(),
                    "last_checked": as_utc(row.checked_at).isoformat(),
                    "checks": counts.get(row.url, 0),
                    "consecutive_failures": row.consecutive_failures,
                    "http_status": check.status if check else None,
                    "final_url": check.final_url if check else None,
                    "reason": row.reason,
                    "similarity": check.similarity if check else None,
                    "next_check": as_utc(row.next_check_at).isoformat(),
                    "preserved_copy": preserved,
                    # Added after the first documented keys, so CSV columns keep their order.
                    "post_title": citing.post_title if citing else None,
                    "post_date": as_utc(citing.post_date).isoformat()
                    if citing and citing.post_date
                    else None,
                    "anchor_text": citing.anchor_text if citing else None,
                    "reference_text": citing.reference_text if citing else None,
                }
            )


def snapshot_of(archive: Archive, url: str) -> Snapshot | None:
    """The stored state of ``url`` (tests and the CLI)."""
    with archive.session() as session:
        row = session.scalars(select(LinkState).where(LinkState.url == url)).first()
        return _snapshot(row) if row is not None else None


__all__ = [
    "DEFAULT_REPORT_STATES",
    "STATES",
    "STATE_ORDER",
    "VERDICTS",
    "CheckResult",
    "Snapshot",
    "StatePolicy",
    "advance",
    "iter_report_rows",
    "preserved_copies",
    "record_checks",
    "reference_texts",
    "report_rows",
    "snapshot_of",
    "urls_to_check",
]
