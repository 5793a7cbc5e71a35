"""Preserved copies in other web archives, for cited URLs the archive has no good copy of.

A citation that was already dead when the blog was first crawled has nothing local to point
a reader to. The link checker then asks a Memento TimeGate (the Internet Archive's by
default) for the copy closest before the citing post's date, as InternetArchiveBot does, and
the answer is kept here (table ``external_copy``, migration ``0009_external_copies``) so later
checks do not ask again: ``found`` and ``none`` are final, ``error`` is retried after a while.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.archive import Archive
from storage.citations import citing_posts
from storage.linkstate import preserved_copies
from storage.models import ExternalCopy
from storage.timeutil import as_utc

FOUND, NONE, ERROR = "found", "none", "error"


@dataclass(frozen=True, slots=True)
class LookupAnswer:
    """What one TimeGate said about one URL and wanted time."""

    url: str
    wanted_before: datetime
    timegate: str
    asked_at: datetime
    outcome: str
    memento_url: str | None = None
    captured_at: datetime | None = None
    reason: str = ""


def lookups_needed(
    archive: Archive,
    urls: Iterable[str],
    *,
    timegate: str,
    now: datetime,
    retry_days: float,
) -> dict[str, list[datetime]]:
    """For each cited URL without a good local copy, the post dates still to ask about.

    A date is left out once ``timegate`` answered it (found or none), or failed to answer
    less than ``retry_days`` ago.
    """
    wanted = list(dict.fromkeys(urls))
    dates: dict[str, set[datetime]] = {}
    for citing in citing_posts(archive, wanted):
        if citing.post_date is not None:
            dates.setdefault(citing.url, set()).add(as_utc(citing.post_date))
    if not dates:
        return {}
    retry_from = as_utc(now) - timedelta(days=retry_days)
    with archive.session() as session:
        local = preserved_copies(session, sorted(dates))
        answered: set[tuple[str, datetime]] = set()
        for url, when, outcome, asked_at in session.execute(
            select(
                ExternalCopy.url,
                ExternalCopy.wanted_before,
                ExternalCopy.outcome,
                ExternalCopy.asked_at,
            ).where(ExternalCopy.timegate == timegate, ExternalCopy.url.in_(sorted(dates)))
        ):
            if outcome != ERROR or as_utc(asked_at) > retry_from:
                answered.add((url, as_utc(when)))
    return {
        url: sorted(d for d in found if (url, d) not in answered)
        for url, found in sorted(dates.items())
        if url not in local and any((url, d) not in answered for d in found)
    }


def record_answer(archive: Archive, answer: LookupAnswer) -> None:
    """Store (or replace) the TimeGate's answer for one URL and wanted time."""
    with archive.session() as session, session.begin():
        row = session.scalars(
            select(ExternalCopy).where(
                ExternalCopy.url == answer.url,
                ExternalCopy.timegate == answer.timegate,
                ExternalCopy.wanted_before == as_utc(answer.wanted_before),
            )
        ).first()
        if row is None:
            row = ExternalCopy(
                url=answer.url,
                timegate=answer.timegate,
                wanted_before=as_utc(answer.wanted_before),
            )
            session.add(row)
        row.asked_at = as_utc(answer.asked_at)
        row.outcome = answer.outcome
        row.memento_url = answer.memento_url
        row.captured_at = as_utc(answer.captured_at) if answer.captured_at else None
        row.reason = answer.reason[:500]


def found_copies(session: Session, urls: Iterable[str]) -> dict[tuple[str, datetime], ExternalCopy]:
    """Copies found for these URLs, by (URL, wanted time); the latest capture wins when
    several TimeGates found one."""
    wanted = sorted(set(urls))
    found: dict[tuple[str, datetime], ExternalCopy] = {}
    for start in range(0, len(wanted), 500):
        rows = session.scalars(
            select(ExternalCopy)
            .where(ExternalCopy.url.in_(wanted[start : start + 500]), ExternalCopy.outcome == FOUND)
            .order_by(ExternalCopy.captured_at, ExternalCopy.id)
        )
        for row in rows:
            found[(row.url, as_utc(row.wanted_before))] = row
    return found


def answers(archive: Archive, url: str) -> list[LookupAnswer]:
    """Every stored answer about ``url`` (tests and diagnostics)."""
    with archive.session() as session:
        rows = session.scalars(
            select(ExternalCopy).where(ExternalCopy.url == url).order_by(ExternalCopy.id)
        ).all()
    return [
        LookupAnswer(
            url=r.url,
            wanted_before=r.wanted_before,
            timegate=r.timegate,
            asked_at=r.asked_at,
            outcome=r.outcome,
            memento_url=r.memento_url,
            captured_at=r.captured_at,
            reason=r.reason,
        )
        for r in rows
    ]


__all__ = [
    "ERROR",
    "FOUND",
    "NONE",
    "LookupAnswer",
    "answers",
    "found_copies",
    "lookups_needed",
    "record_answer",
]
