"""Crawl runs and their frontier: start, find an unfinished run to resume, finish.

The frontier lives in the database (not in Scrapy's JOBDIR, which a SIGKILL can corrupt):
every URL a crawl decides to fetch is a row, marked done once its page has been archived and
its links recorded. Resuming a crawl reloads what is not done.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update

from storage.archive import Archive
from storage.models import Crawl, FrontierEntry
from storage.timeutil import utcnow

FRONTIER = cast(Table, FrontierEntry.__table__)
MARK_DONE = (
    update(FRONTIER)
    .where(FRONTIER.c.crawl_id == bindparam("crawl"), FRONTIER.c.url == bindparam("done_url"))
    .values(done=True)
)
# Crawl states that ``crawl`` resumes; ``done`` is the only other one.
UNFINISHED = ("running", "interrupted", "failed")


def seeds_key(seeds: list[str], kind: str) -> str:
    return json.dumps({"kind": kind, "seeds": sorted(seeds)}, sort_keys=True)


@dataclass(slots=True)
class PendingURL:
    url: str
    depth: int
    kind: str
    referrer: str | None = None


@dataclass(slots=True)
class CrawlRun:
    """A crawl as the crawler needs it: ids, and on resume what is left to do."""

    id: int
    uuid: str
    resumed: bool
    pending: list[PendingURL] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    pages_done: int = 0


def _pid_alive(pid: int | None) -> bool:
    """Whether another live process may still own a crawl row (a zombie does not)."""
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed crawl whose parent died too lingers as a zombie until reaped
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def begin_crawl(
    archive: Archive,
    seeds: list[str],
    *,
    kind: str = "site",
    options: dict | None = None,
    fresh: bool = False,
    now: datetime | None = None,
) -> CrawlRun:
    """Resume the newest unfinished crawl of the same seeds, or start a new one.

    Unfinished means killed (still ``running``), stopped (``interrupted``) or stopped by an
    archive error such as a full disk (``failed``): its frontier is intact either way.
    """
    key = seeds_key(seeds, kind)
    with archive.session() as session, session.begin():
        unfinished = None
        if not fresh:
            unfinished = session.scalars(
                select(Crawl)
                .where(Crawl.seeds_key == key, Crawl.state.in_(UNFINISHED))
                .order_by(Crawl.id.desc())
            ).first()
        if unfinished is not None and _pid_alive(unfinished.pid):
            unfinished = None  # another live process owns it; start our own
        if unfinished is not None:
            unfinished.state = "running"
            unfinished.pid = os.getpid()
            rows = session.execute(
                select(
                    FrontierEntry.url,
                    FrontierEntry.depth,
                    FrontierEntry.kind,
                    FrontierEntry.referrer,
                    FrontierEntry.done,
                ).where(FrontierEntry.crawl_id == unfinished.id)
            ).all()
            run = CrawlRun(unfinished.id, unfinished.uuid, resumed=True)
            for url, depth, entry_kind, referrer, done in rows:
                run.seen.add(url)
                if not done:
                    run.pending.append(PendingURL(url, depth, entry_kind, referrer))
                elif entry_kind == "page":
                    run.pages_done += 1
            return run
        crawl = Crawl(
            uuid=str(uuid.uuid4()),
            kind=kind,
            seeds=list(seeds),
            seeds_key=key,
            options=options or {},
            state="running",
            started_at=now or utcnow(),
            pid=os.getpid(),
            stats={},
        )
        session.add(crawl)
        session.flush()
        return CrawlRun(crawl.id, crawl.uuid, resumed=False)


def add_frontier(archive: Archive, crawl_id: int, entries: list[PendingURL]) -> None:
    """Record URLs to fetch; the caller has already filtered out ones it has seen.

    This and ``mark_done`` run once per batch of pages from the crawl's writer thread, so
    they use Core statements on a connection: the ORM session costs ten times as much CPU
    for these plain inserts and updates.
    """
    if not entries:
        return
    rows = [
        {
            "crawl_id": crawl_id,
            "url": e.url,
            "depth": e.depth,
            "kind": e.kind,
            "referrer": e.referrer,
            "done": False,
        }
        for e in entries
    ]
    with archive.begin() as connection:
        connection.execute(insert(FRONTIER), rows)


def mark_done(archive: Archive, crawl_id: int, urls: list[str]) -> None:
    if not urls:
        return
    # One prepared UPDATE run per URL (executemany): an IN list is compiled afresh each time.
    with archive.begin() as connection:
        connection.execute(MARK_DONE, [{"crawl": crawl_id, "done_url": url} for url in urls])


def finish_crawl(
    archive: Archive,
    crawl_id: int,
    *,
    state: str,
    stats: dict | None = None,
    log_tail: str | None = None,
) -> None:
    with archive.session() as session, session.begin():
        crawl = session.get(Crawl, crawl_id)
        if crawl is None:
            return
        crawl.state = state
        crawl.ended_at = utcnow()
        crawl.stats = stats or {}
        crawl.log_tail = log_tail
