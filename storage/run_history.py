"""The run history of schedules as the web app's ``/runs`` and ``/api/runs`` show it (the
rows of ``reftrail runs --format json``), newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Schedule, ScheduleRun
from storage.preserved import iso
from storage.schedules import RUN_STATES


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


__all__ = ["run_history", "run_row"]
