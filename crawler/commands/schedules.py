"""``reftrail schedule ...``, ``reftrail jobs`` and ``reftrail runs``: recurring crawls.

Exit codes as everywhere: 0 done, 1 the operation (or the run) failed, 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from storage.archive import Archive

schedule_app = typer.Typer(
    help="Recurring crawls and link checks: add, list, pause, resume, remove, run now.",
    no_args_is_help=True,
)


def _cli():  # type: ignore[no-untyped-def]
    from crawler import cli

    return cli


@contextmanager
def _open(archive: object) -> Iterator[Archive]:
    """Open an existing archive; a missing one is a clear error (exit 1)."""
    from storage.archive import Archive
    from storage.exceptions import StorageError

    cli = _cli()
    try:
        opened = Archive.open(archive, create=False)  # type: ignore[arg-type]
    except StorageError as exc:
        raise cli.fail(str(exc)) from exc
    try:
        yield opened
    except StorageError as exc:
        raise cli.fail(str(exc)) from exc
    finally:
        opened.close()


def _usage(check: object, value: object) -> object:
    from crawler.exceptions import UsageError

    try:
        return check(value)  # type: ignore[operator]
    except UsageError as exc:
        raise _cli().fail(str(exc), 2) from exc


def _when(value: datetime | None, tz: str) -> str:
    if value is None:
        return "-"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")


def add(
    name: Annotated[str, typer.Argument(help="A name for the schedule (unique).")],
    urls: Annotated[
        list[str],
        typer.Argument(help="Seed URLs; after `--`, any `reftrail crawl` options."),
    ],
    cron: Annotated[
        str, typer.Option("--cron", help="When to crawl, e.g. '0 3 * * *' (03:00 daily).")
    ],
    check_links: Annotated[
        str | None,
        typer.Option("--check-links", help="When to re-check citations, e.g. '0 4 * * 1'."),
    ] = None,
    webhook: Annotated[
        str | None, typer.Option(help="POST a JSON summary here when a run ends.")
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="Time zone the cron times are in.")] = "UTC",
    archive: Annotated[
        str | None,
        typer.Option("--archive", envvar="REFTRAIL_ARCHIVE", help="Archive folder."),
    ] = None,
) -> None:
    """Add a schedule: crawl URLs on a cron schedule, optionally check their links too.

    Example: reftrail schedule add myblog https://blog.example/ --cron "0 3 * * *"
    --check-links "0 4 * * 1" --tz Europe/Paris -- --depth 3 -s DOWNLOAD_DELAY=1
    """
    from crawler.schedules import check_cron, check_timezone, check_webhook, next_fire
    from storage import schedules as store
    from storage.timeutil import utcnow

    cli = _cli()
    first_option = next((i for i, u in enumerate(urls) if u.startswith("-")), len(urls))
    seeds, options = urls[:first_option], urls[first_option:]
    if not seeds:
        raise cli.fail("give at least one seed URL", 2)
    for url in seeds:
        cli.check_url(url)
    crawl_cron = str(_usage(check_cron, cron))
    check_cron_expr = str(_usage(check_cron, check_links)) if check_links else None
    _usage(check_timezone, tz)
    if webhook:
        _usage(check_webhook, webhook)
    now = utcnow()
    with _created(archive) as opened:
        store.add_schedule(
            opened,
            name=name,
            seeds=seeds,
            crawl_options=options,
            crawl_cron=crawl_cron,
            check_cron=check_cron_expr,
            timezone=tz,
            webhook_url=webhook,
            next_crawl_at=next_fire(crawl_cron, tz, now),
            next_check_at=next_fire(check_cron_expr, tz, now) if check_cron_expr else None,
            now=now,
        )
        schedule = store.get_schedule(opened, name)
    cli.console.print(
        f"schedule [bold]{name}[/] added: next crawl {_when(schedule.next_crawl_at, tz)}"
        + (f", next link check {_when(schedule.next_check_at, tz)}" if check_cron_expr else ""),
        soft_wrap=True,
    )


@contextmanager
def _created(archive: str | None) -> Iterator[Archive]:
    """``schedule add`` may make a new archive (the first crawl will fill it)."""
    from storage.archive import Archive
    from storage.exceptions import StorageError

    try:
        opened = Archive.open(archive)
    except StorageError as exc:
        raise _cli().fail(str(exc)) from exc
    try:
        yield opened
    except StorageError as exc:
        raise _cli().fail(str(exc)) from exc
    finally:
        opened.close()


ArchiveArg = Annotated[
    str | None, typer.Option("--archive", envvar="REFTRAIL_ARCHIVE", help="Archive folder.")
]
FormatArg = Annotated[str, typer.Option("--format", help="table or json.")]


def list_(archive: ArchiveArg = None, fmt: FormatArg = "table") -> None:
    """List schedules with their next due times."""
    from storage import schedules as store

    _check_format(fmt)
    with _open(archive) as opened:
        rows = [_schedule_dict(s) for s in store.list_schedules(opened)]
    if fmt == "json":
        _cli().out.print_json(json.dumps(rows))
        return
    from rich.table import Table

    table = Table("name", "state", "crawl", "next crawl", "link check", "next check", "seeds")
    for row in rows:
        table.add_row(
            row["name"],
            "enabled" if row["enabled"] else "paused",
            row["crawl_cron"],
            row["next_crawl_at"] or "-",
            row["check_cron"] or "-",
            row["next_check_at"] or "-",
            " ".join(row["seeds"]),
        )
    _cli().out.print(table)


def _schedule_dict(schedule: object) -> dict:
    fields = [
        *("name", "seeds", "crawl_options", "crawl_cron", "check_cron", "timezone"),
        *("enabled", "webhook_url", "next_crawl_at", "next_check_at", "created_at", "updated_at"),
    ]
    row = {name: getattr(schedule, name) for name in fields}
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = value.isoformat()
    return row


def show(name: str, archive: ArchiveArg = None) -> None:
    """Show one schedule and its last runs."""
    from storage import schedules as store

    with _open(archive) as opened:
        schedule = store.get_schedule(opened, name)
        runs = store.list_runs(opened, schedule_name=name, limit=5)
    out = _cli().out
    row = _schedule_dict(schedule)
    for key, value in row.items():
        out.print(f"{key:14} {value if value not in (None, []) else '-'}", highlight=False)
    for run in runs:
        out.print(
            f"run {run.id:<5} {run.kind:6} {run.trigger:7} {run.state:12} "
            f"{run.started_at.isoformat()}",
            highlight=False,
        )


def pause(name: str, archive: ArchiveArg = None) -> None:
    """Stop launching runs of a schedule (a run in progress goes on)."""
    from storage import schedules as store

    with _open(archive) as opened:
        store.update_schedule(opened, name, enabled=False)
    _cli().console.print(f"schedule {name} paused")


def resume(name: str, archive: ArchiveArg = None) -> None:
    """Launch runs again from the next cron time on (runs missed while paused are skipped)."""
    from crawler.schedules import next_fire
    from storage import schedules as store
    from storage.timeutil import utcnow

    now = utcnow()
    with _open(archive) as opened:
        schedule = store.get_schedule(opened, name)
        store.update_schedule(
            opened,
            name,
            enabled=True,
            next_crawl_at=next_fire(schedule.crawl_cron, schedule.timezone, now),
            next_check_at=next_fire(schedule.check_cron, schedule.timezone, now)
            if schedule.check_cron
            else None,
        )
    _cli().console.print(f"schedule {name} resumed")


def remove(name: str, archive: ArchiveArg = None) -> None:
    """Delete a schedule (its run history stays)."""
    from storage import schedules as store

    with _open(archive) as opened:
        store.remove_schedule(opened, name)
    _cli().console.print(f"schedule {name} removed")


def run(
    name: str,
    archive: ArchiveArg = None,
    check: Annotated[bool, typer.Option("--check", help="Run the link check instead.")] = False,
) -> None:
    """Run a schedule now, in the foreground; the exit code is the run's."""
    from crawler.jobs import Runner, install_signal_handlers, run_now
    from storage import schedules as store

    cli = _cli()
    kind = "check" if check else "crawl"
    with _open(archive) as opened:
        schedule = store.get_schedule(opened, name)
        if kind == "check" and not schedule.check_cron:
            raise cli.fail(f"schedule {name} has no link check (add one with --check-links)", 2)
        runner = Runner(opened)
        install_signal_handlers(runner)
        active = run_now(runner, schedule, kind, echo=_echo)
        if active is None:
            lock = store.get_lock(opened, schedule.id)
            holder = f" (run {lock.run_id} by {lock.owner})" if lock is not None else ""
            raise cli.fail(f"schedule {name} is running already{holder}; try again later")
        finished = store.get_run(opened, active.run_id)
    assert finished is not None
    cli.console.print(f"run {finished.id} of {name}: {finished.state}", soft_wrap=True)
    if finished.state != "done":
        if finished.log_tail and active.process is None:
            cli.console.print(finished.log_tail, soft_wrap=True, highlight=False)
        raise typer.Exit(finished.exit_code or 1)


def jobs(
    archive: ArchiveArg = None,
    once: Annotated[bool, typer.Option(help="Run what is due now, wait for it, exit.")] = False,
    max_concurrent: Annotated[
        int, typer.Option(min=1, help="At most N runs at once (all schedules together).")
    ] = 2,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the schedules.")] = 1.0,
) -> None:
    """Run schedules: launch each due crawl or link check in its own process, until stopped.

    SIGTERM or Ctrl-C stops launching, lets running crawls close their WARC files, marks them
    interrupted (they resume at their next run), and exits.
    """
    import logging

    from crawler.jobs import Runner, install_signal_handlers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with _open(archive) as opened:
        runner = Runner(opened, max_concurrent=max_concurrent, poll_interval=poll)
        install_signal_handlers(runner)
        code = runner.serve(once=once)
    raise typer.Exit(code)


def runs(
    archive: ArchiveArg = None,
    schedule: Annotated[str | None, typer.Option(help="Only this schedule's runs.")] = None,
    fmt: FormatArg = "table",
    limit: Annotated[int, typer.Option(help="At most N runs, newest first.")] = 50,
) -> None:
    """Run history: every scheduled or manual run, its state, counts and failure."""
    from crawler.jobs import run_summary
    from storage import schedules as store

    _check_format(fmt)
    with _open(archive) as opened:
        if schedule is not None:
            store.get_schedule(opened, schedule)  # unknown name: a clear error
        rows = store.list_runs(opened, schedule_name=schedule, limit=limit)
        root = str(opened.root)
    summaries = [run_summary(run, archive=root)["run"] for run in rows]
    out = _cli().out
    if fmt == "json":
        out.print_json(json.dumps(summaries))
        return
    from rich.table import Table

    table = Table(
        "run", "schedule", "kind", "trigger", "state", "started", "ended", "pages", "bytes"
    )
    for row in summaries:
        counts = row["counts"] or {}
        table.add_row(
            str(row["id"]),
            row["schedule"],
            row["kind"],
            row["trigger"],
            row["state"],
            row["started_at"] or "-",
            row["ended_at"] or "-",
            str(counts.get("pages", 0)),
            str(counts.get("bytes", 0)),
        )
    out.print(table)


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise _cli().fail(f"unknown format {fmt!r}: use table or json", 2)


def register(app: typer.Typer) -> None:
    schedule_app.command("add")(add)
    schedule_app.command("list")(list_)
    schedule_app.command("show")(show)
    schedule_app.command("pause")(pause)
    schedule_app.command("resume")(resume)
    schedule_app.command("remove")(remove)
    schedule_app.command("run")(run)
    app.add_typer(schedule_app, name="schedule")
    app.command("jobs")(jobs)
    app.command("runs")(runs)


def _echo(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()
