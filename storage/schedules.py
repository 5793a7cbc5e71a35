"""Schedules, their runs and their locks in the database (the runner is ``crawler.jobs``).

Two rules keep runs from doubling up, even with several runners on one archive:

* A due time is *claimed* by moving ``next_crawl_at``/``next_check_at`` on with a conditional
  UPDATE (``WHERE next_... = <the value read>``): of two runners that saw it due, one wins.
* A run holds its schedule's ``schedule_lock`` row while it lasts. The row is taken with an
  INSERT (the primary key makes a second one fail) or, when the holder is gone, with an UPDATE
  conditional on the owner and heartbeat read. A lock is stale when, on this host, neither its
  runner nor its run process is alive, or, written from another host, when its heartbeat is
  older than ``stale_after``.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from storage.archive import Archive
from storage.exceptions import ScheduleError
from storage.models import Crawl, Schedule, ScheduleLock, ScheduleRun
from storage.timeutil import utcnow

KINDS = ("crawl", "check")
RUN_STATES = ("running", "done", "failed", "interrupted")


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this machine (ours counts as alive)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process whose parent died too may linger as a zombie for a while
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


@dataclass(frozen=True, slots=True)
class LockOwner:
    """Who holds locks: a runner (or a foreground ``schedule run``) on a host."""

    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def name(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"


# --- schedules --------------------------------------------------------------------------------
def add_schedule(
    archive: Archive,
    *,
    name: str,
    seeds: Sequence[str],
    crawl_cron: str,
    crawl_options: Sequence[str] = (),
    check_cron: str | None = None,
    timezone: str = "UTC",
    webhook_url: str | None = None,
    next_crawl_at: datetime | None = None,
    next_check_at: datetime | None = None,
    now: datetime | None = None,
) -> Schedule:
    now = now or utcnow()
    schedule = Schedule(
        name=name,
        seeds=list(seeds),
        crawl_options=list(crawl_options),
        crawl_cron=crawl_cron,
        check_cron=check_cron,
        timezone=timezone,
        enabled=True,
        webhook_url=webhook_url,
        next_crawl_at=next_crawl_at,
        next_check_at=next_check_at,
        created_at=now,
        updated_at=now,
    )
    try:
        with archive.session() as session, session.begin():
            session.add(schedule)
    except IntegrityError as exc:
        raise ScheduleError(
            f"a schedule named {name!r} already exists; remove it first or choose another name"
        ) from exc
    return schedule


def get_schedule(archive: Archive, name: str) -> Schedule:
    with archive.session() as session:
        schedule = session.scalars(select(Schedule).where(Schedule.name == name)).first()
    if schedule is None:
        raise ScheduleError(f"no schedule named {name!r}; `reftrail schedule list` shows them")
    return schedule


def list_schedules(archive: Archive, *, enabled_only: bool = False) -> list[Schedule]:
    query = select(Schedule).order_by(Schedule.name)
    if enabled_only:
        query = query.where(Schedule.enabled.is_(True))
    with archive.session() as session:
        return list(session.scalars(query))


def update_schedule(
    archive: Archive, name: str, *, now: datetime | None = None, **values: Any
) -> None:
    """Set columns of the named schedule (enabled, next_crawl_at, ...)."""
    with archive.session() as session, session.begin():
        changed = session.execute(
            update(Schedule)
            .where(Schedule.name == name)
            .values(**values, updated_at=now or utcnow())
        ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise ScheduleError(f"no schedule named {name!r}; `reftrail schedule list` shows them")


def remove_schedule(archive: Archive, name: str) -> None:
    """Delete a schedule and its lock; its runs stay in the history under its name."""
    schedule = get_schedule(archive, name)
    with archive.session() as session, session.begin():
        session.execute(delete(ScheduleLock).where(ScheduleLock.schedule_id == schedule.id))
        session.execute(delete(Schedule).where(Schedule.id == schedule.id))


def claim_due(
    archive: Archive, schedule_id: int, kind: str, *, seen: datetime, following: datetime | None
) -> bool:
    """Move a due time ``seen`` on to ``following``; False when another runner did first."""
    column = Schedule.next_crawl_at if kind == "crawl" else Schedule.next_check_at
    with archive.session() as session, session.begin():
        result = session.execute(
            update(Schedule)
            .where(Schedule.id == schedule_id, column == seen, Schedule.enabled.is_(True))
            .values({column.key: following})
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


# --- locks ------------------------------------------------------------------------------------
def lock_is_stale(
    lock: ScheduleLock,
    *,
    now: datetime,
    stale_after: float,
    host: str | None = None,
    alive: Callable[[int | None], bool] = pid_alive,
) -> bool:
    if lock.host == (host or socket.gethostname()):
        return not alive(lock.runner_pid) and not alive(lock.pid)
    return lock.heartbeat_at < now - timedelta(seconds=stale_after)


def get_lock(archive: Archive, schedule_id: int) -> ScheduleLock | None:
    with archive.session() as session:
        return session.get(ScheduleLock, schedule_id)


def acquire_lock(
    archive: Archive,
    schedule_id: int,
    owner: LockOwner,
    *,
    now: datetime,
    stale_after: float,
    alive: Callable[[int | None], bool] = pid_alive,
) -> bool:
    """Take the schedule's lock for ``owner``; False when a live holder has it."""
    values = {
        "owner": owner.name,
        "host": owner.host,
        "runner_pid": owner.pid,
        "pid": None,
        "run_id": None,
        "acquired_at": now,
        "heartbeat_at": now,
    }
    for _attempt in range(3):
        try:
            with archive.session() as session, session.begin():
                session.add(ScheduleLock(schedule_id=schedule_id, **values))
            return True
        except IntegrityError:
            pass
        held = get_lock(archive, schedule_id)
        if held is None:
            continue  # released between our INSERT and our read: try again
        if held.owner == owner.name:
            return True
        if not lock_is_stale(held, now=now, stale_after=stale_after, host=owner.host, alive=alive):
            return False
        with archive.session() as session, session.begin():
            taken = session.execute(
                update(ScheduleLock)
                .where(
                    ScheduleLock.schedule_id == schedule_id,
                    ScheduleLock.owner == held.owner,
                    ScheduleLock.heartbeat_at == held.heartbeat_at,
                )
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
        return bool(taken)
    return False


def attach_to_lock(
    archive: Archive, schedule_id: int, owner: LockOwner, *, run_id: int, pid: int | None
) -> None:
    """Record which run (and process) holds the lock, so a crash can be traced to it."""
    with archive.session() as session, session.begin():
        session.execute(
            update(ScheduleLock)
            .where(ScheduleLock.schedule_id == schedule_id, ScheduleLock.owner == owner.name)
            .values(run_id=run_id, pid=pid)
        )


def heartbeat(archive: Archive, owner: LockOwner, *, now: datetime) -> None:
    with archive.session() as session, session.begin():
        session.execute(
            update(ScheduleLock).where(ScheduleLock.owner == owner.name).values(heartbeat_at=now)
        )


def release_lock(archive: Archive, schedule_id: int, owner: LockOwner) -> None:
    with archive.session() as session, session.begin():
        session.execute(
            delete(ScheduleLock).where(
                ScheduleLock.schedule_id == schedule_id, ScheduleLock.owner == owner.name
            )
        )


def release_stale_lock(archive: Archive, lock: ScheduleLock) -> bool:
    with archive.session() as session, session.begin():
        return bool(
            session.execute(
                delete(ScheduleLock).where(
                    ScheduleLock.schedule_id == lock.schedule_id,
                    ScheduleLock.owner == lock.owner,
                    ScheduleLock.heartbeat_at == lock.heartbeat_at,
                )
            ).rowcount  # type: ignore[attr-defined]
        )


# --- runs -------------------------------------------------------------------------------------
def start_run(
    archive: Archive,
    schedule: Schedule,
    *,
    kind: str,
    trigger: str,
    owner: LockOwner,
    now: datetime,
    scheduled_for: datetime | None = None,
) -> ScheduleRun:
    run = ScheduleRun(
        schedule_id=schedule.id,
        schedule_name=schedule.name,
        kind=kind,
        trigger=trigger,
        state="running",
        scheduled_for=scheduled_for,
        started_at=now,
        host=owner.host,
        runner_pid=owner.pid,
        counts={},
    )
    with archive.session() as session, session.begin():
        session.add(run)
    return run


def update_run(archive: Archive, run_id: int, **values: Any) -> None:
    with archive.session() as session, session.begin():
        session.execute(update(ScheduleRun).where(ScheduleRun.id == run_id).values(**values))


def get_run(archive: Archive, run_id: int) -> ScheduleRun | None:
    with archive.session() as session:
        return session.get(ScheduleRun, run_id)


def list_runs(
    archive: Archive,
    *,
    schedule_name: str | None = None,
    state: str | None = None,
    limit: int | None = None,
) -> list[ScheduleRun]:
    query = select(ScheduleRun).order_by(ScheduleRun.id.desc())
    if schedule_name is not None:
        query = query.where(ScheduleRun.schedule_name == schedule_name)
    if state is not None:
        query = query.where(ScheduleRun.state == state)
    if limit:
        query = query.limit(limit)
    with archive.session() as session:
        return list(session.scalars(query))


def crawl_of_process(archive: Archive, pid: int, *, since: datetime) -> Crawl | None:
    """The Crawl row a ``reftrail crawl`` process with this pid started or resumed.

    ``begin_crawl`` stamps the row with the pid of the process that runs it, also on resume;
    rows that ended before ``since`` belong to an older process that had the same pid.
    """
    with archive.session() as session:
        return session.scalars(
            select(Crawl)
            .where(Crawl.pid == pid)
            .where((Crawl.ended_at.is_(None)) | (Crawl.ended_at >= since))
            .order_by(Crawl.id.desc())
        ).first()


def mark_crawl_interrupted(archive: Archive, crawl_id: int, *, now: datetime) -> None:
    """A crawl whose process died with its runner: ``interrupted`` (``crawl`` resumes it)."""
    with archive.session() as session, session.begin():
        session.execute(
            update(Crawl)
            .where(Crawl.id == crawl_id, Crawl.state == "running")
            .values(state="interrupted", ended_at=now)
        )


def run_counts(archive: Archive, *, crawl_id: int | None, since: datetime) -> dict[str, int]:
    """What a run added: posts new and changed, new citations, link checks, new dead links.

    Posts and citations are counted by the run's crawl; checks and deaths by time, since a
    check run's rows carry no crawl. A post is new when no earlier crawl fetched it; a
    citation when the archive had never captured its URL before the run.
    """
    from storage.models import Capture, Citation, LinkCheck, LinkState, PostCapture

    counts = {"posts_new": 0, "posts_changed": 0, "citations_new": 0, "checks": 0, "dead_found": 0}
    with archive.session() as session:
        if crawl_id is not None:
            changed = select(PostCapture.post_id).where(
                PostCapture.crawl_id == crawl_id, PostCapture.outcome == "changed"
            )
            earlier = select(PostCapture.post_id).where(
                PostCapture.crawl_id != crawl_id, PostCapture.fetched_at < since
            )
            counts["posts_changed"] = (
                session.scalar(
                    select(func.count(func.distinct(PostCapture.post_id))).where(
                        PostCapture.post_id.in_(changed)
                    )
                )
                or 0
            )
            counts["posts_new"] = (
                session.scalar(
                    select(func.count(func.distinct(PostCapture.post_id))).where(
                        PostCapture.post_id.in_(changed), PostCapture.post_id.not_in(earlier)
                    )
                )
                or 0
            )
            counts["posts_changed"] -= counts["posts_new"]
            # A post's citations are replaced with each new version, so "new" is judged by the
            # archive: a cited URL it had never captured before this run.
            cited = func.coalesce(Citation.fetch_url, Citation.url)
            seen_before = select(Capture.url).where(Capture.fetched_at < since)
            counts["citations_new"] = (
                session.scalar(
                    select(func.count(func.distinct(cited))).where(
                        Citation.crawl_id == crawl_id,
                        cited.is_not(None),
                        cited.not_in(seen_before),
                    )
                )
                or 0
            )
        counts["checks"] = (
            session.scalar(select(func.count(LinkCheck.id)).where(LinkCheck.checked_at >= since))
            or 0
        )
        counts["dead_found"] = (
            session.scalar(
                select(func.count(LinkState.id)).where(
                    LinkState.state == "dead", LinkState.since >= since
                )
            )
            or 0
        )
    return counts
