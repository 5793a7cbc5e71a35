"""The recurring-crawl runner (``reftrail jobs``): launches due schedule runs, one process each.

Scrapy's reactor cannot restart, so every run is a ``reftrail crawl`` (or ``reftrail check``)
subprocess of this one. The rules:

* **Due times** live in the schedule row (``next_crawl_at``/``next_check_at``). A runner claims
  a due time by moving it to the next cron time *after now*, so a runner that was down for
  three days runs a daily schedule once, not three times (misfire policy: coalesce).
* **One run per schedule** at a time, across runners and hosts: see :mod:`storage.schedules`.
  A due time whose schedule is still busy stays due and runs once the busy run ends.
* **A global limit** (``max_concurrent``) on the runs this runner has going at once.
* **Crashes.** Run processes get SIGINT if the runner dies (Linux ``PR_SET_PDEATHSIG``), which
  lets Scrapy close its WARCs. If both were killed, the next runner start marks the lost run
  ``interrupted``, finishes the ``.open`` WARC files their writers left (what
  ``reftrail verify --repair`` does) and indexes their records; the crawl itself resumes its
  frontier at the schedule's next run (``reftrail crawl`` resumes unfinished crawls).
* **Shutdown** on SIGTERM/SIGINT: stop launching, send each run SIGINT (Scrapy closes its
  WARCs gracefully), wait up to ``grace`` seconds, mark them ``interrupted``.

Time comes from an injectable clock and processes from an injectable launcher, so tests run
a day of schedules in seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from crawler.schedules import next_fire, post_webhook
from storage import schedules as store
from storage.archive import Archive
from storage.models import Capture, Crawl, Schedule
from storage.timeutil import utcnow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
LOG_TAIL_LINES = 40
CHECK_MISSING = (
    "link checker not available yet: this reftrail has no `reftrail check` command "
    "(the link checker's issue); the schedule's link checks will run once it exists"
)


class Process(Protocol):
    """What the runner needs of a run process (``subprocess.Popen`` is one)."""

    pid: int

    def poll(self) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


Launcher = Callable[[list[str], dict[str, str], Path], Process]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGINT this process when the runner dies, so its crawl stops cleanly."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def launch_process(argv: list[str], env: dict[str, str], log_path: Path) -> Process:
    """Start a run in its own session (a Ctrl-C at the terminal reaches the runner only)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def link_checker_available() -> bool:
    """Whether this reftrail has a ``check`` command yet (the link checker's issue)."""
    import typer.main

    from crawler.cli import app

    command = typer.main.get_command(app)
    return "check" in getattr(command, "commands", {})


def log_tail(path: Path | None, lines: int = LOG_TAIL_LINES) -> str | None:
    if path is None or not path.exists():
        return None
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 64 * 1024))
        text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:]) or None


@dataclass
class ActiveRun:
    run_id: int
    schedule_id: int
    schedule_name: str
    kind: str
    webhook_url: str | None
    process: Process | None
    started_at: datetime
    log_path: Path
    interrupted: bool = False


@dataclass
class Runner:
    """Launches due runs of an archive's schedules; see the module docstring."""

    archive: Archive
    clock: Clock = utcnow
    max_concurrent: int = 2
    launcher: Launcher = launch_process
    stale_after: float = 60.0
    heartbeat_every: float = 5.0
    poll_interval: float = 1.0
    grace: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    check_available: Callable[[], bool] = link_checker_available
    webhook: Callable[..., bool] = post_webhook
    owner: store.LockOwner = field(default_factory=store.LockOwner)
    active: dict[int, ActiveRun] = field(default_factory=dict)
    finished: list[int] = field(default_factory=list)
    stop_requested: bool = False
    _last_beat: float = 0.0
    _webhooks: list[threading.Thread] = field(default_factory=list)

    # --- the loop -----------------------------------------------------------------------------
    def serve(self, *, once: bool = False) -> int:
        """Run until stopped (or, with ``once``, until what was due at start has run).

        Returns 0, or 1 when a run of this runner failed (``once`` only).
        """
        self.recover()
        cutoff = self.clock() if once else None
        blocked: set[tuple[int, str]] = set()
        while not self.stop_requested:
            self.tick(cutoff=cutoff, blocked=blocked if once else None)
            if once and not self.active and not self._due(cutoff, blocked):
                break
            self.sleep(self.poll_interval)
        if self.stop_requested:
            self.shutdown()
        self.wait_for_webhooks()
        if once:
            runs = [store.get_run(self.archive, run_id) for run_id in self.finished]
            return 1 if any(run is not None and run.state == "failed" for run in runs) else 0
        return 0

    def request_stop(self, *_args: object) -> None:
        self.stop_requested = True

    def tick(
        self, *, cutoff: datetime | None = None, blocked: set[tuple[int, str]] | None = None
    ) -> None:
        """One pass: reap ended runs, heartbeat, launch what is due (up to the limit)."""
        for run in list(self.active.values()):
            if run.process is not None and run.process.poll() is not None:
                self._finish(run)
        now_mono = time.monotonic()
        if self.active and now_mono - self._last_beat >= self.heartbeat_every:
            store.heartbeat(self.archive, self.owner, now=self.clock())
            self._last_beat = now_mono
        if self.stop_requested:
            return
        for schedule, kind, due_at in self._due(cutoff, blocked or set()):
            if len(self.active) >= self.max_concurrent:
                break
            started = self.start(schedule, kind, trigger="cron", scheduled_for=due_at)
            if started is None and blocked is not None:
                blocked.add((schedule.id, kind))

    def _due(
        self, cutoff: datetime | None, blocked: set[tuple[int, str]]
    ) -> list[tuple[Schedule, str, datetime | None]]:
        now = cutoff or self.clock()
        due: list[tuple[Schedule, str, datetime | None]] = []
        busy = {run.schedule_id for run in self.active.values()}
        for schedule in store.list_schedules(self.archive, enabled_only=True):
            for kind, cron, next_at in (
                ("crawl", schedule.crawl_cron, schedule.next_crawl_at),
                ("check", schedule.check_cron, schedule.next_check_at),
            ):
                if cron is None or (schedule.id, kind) in blocked or schedule.id in busy:
                    continue
                if next_at is None:  # never planned (e.g. set by hand): plan from now
                    following = next_fire(cron, schedule.timezone, now)
                    store.claim_due(self.archive, schedule.id, kind, seen=None, following=following)  # type: ignore[arg-type]
                elif next_at <= now:
                    due.append((schedule, kind, next_at))
        due.sort(key=lambda item: item[2] or now)
        return due

    # --- one run ------------------------------------------------------------------------------
    def start(
        self,
        schedule: Schedule,
        kind: str,
        *,
        trigger: str,
        scheduled_for: datetime | None = None,
    ) -> ActiveRun | None:
        """Take the schedule's lock, claim the due time, record and launch the run.

        None when the schedule is busy (another run holds its lock) or another runner claimed
        this due time first.
        """
        now = self.clock()
        if not store.acquire_lock(
            self.archive, schedule.id, self.owner, now=now, stale_after=self.stale_after
        ):
            logger.debug("schedule %s is busy; its %s waits", schedule.name, kind)
            return None
        if trigger == "cron":
            cron = schedule.crawl_cron if kind == "crawl" else schedule.check_cron
            assert cron is not None and scheduled_for is not None
            following = next_fire(cron, schedule.timezone, max(now, scheduled_for))
            if not store.claim_due(
                self.archive, schedule.id, kind, seen=scheduled_for, following=following
            ):
                store.release_lock(self.archive, schedule.id, self.owner)
                return None
        run = store.start_run(
            self.archive,
            schedule,
            kind=kind,
            trigger=trigger,
            owner=self.owner,
            now=now,
            scheduled_for=scheduled_for,
        )
        log_path = self.archive.log_dir / "runs" / f"{run.id}-{schedule.name}-{kind}.log"
        active = ActiveRun(
            run.id, schedule.id, schedule.name, kind, schedule.webhook_url, None, now, log_path
        )
        self.active[run.id] = active
        store.update_run(self.archive, run.id, log_path=str(log_path))
        if kind == "check" and not self.check_available():
            self._finish(active, state="failed", tail=CHECK_MISSING)
            return active
        try:
            active.process = self.launcher(self._argv(schedule, kind), self._env(), log_path)
        except OSError as exc:
            self._finish(active, state="failed", tail=f"could not start the run: {exc}")
            return active
        store.attach_to_lock(
            self.archive, schedule.id, self.owner, run_id=run.id, pid=active.process.pid
        )
        store.update_run(self.archive, run.id, pid=active.process.pid)
        logger.info(
            "started %s run %d of %s (pid %d)", kind, run.id, schedule.name, active.process.pid
        )
        return active

    def _argv(self, schedule: Schedule, kind: str) -> list[str]:
        base = [sys.executable, "-m", "crawler.cli"]
        if kind == "check":
            return [*base, "check", "--due"]
        return [*base, "crawl", *schedule.seeds, *schedule.crawl_options]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["REFTRAIL_ARCHIVE"] = str(self.archive.root)
        env["REFTRAIL_DATABASE_URL"] = self.archive.engine.url.render_as_string(hide_password=False)
        env.setdefault("REFTRAIL_PROGRESS", "log")
        return env

    def _finish(self, run: ActiveRun, *, state: str | None = None, tail: str | None = None) -> None:
        code = run.process.poll() if run.process is not None else None
        crawl = None
        if run.process is not None:
            crawl = store.crawl_of_process(self.archive, run.process.pid, since=run.started_at)
        if state is None:
            if code == 0:
                state = "done"
            elif run.interrupted or (crawl is not None and crawl.state == "interrupted"):
                state = "interrupted"
            else:
                state = "failed"
        counts = self._counts(run, crawl)
        if state != "done" and tail is None:
            tail = log_tail(run.log_path)
        if run.process is None and tail is not None:  # never started: its log is the reason
            with contextlib.suppress(OSError):
                run.log_path.parent.mkdir(parents=True, exist_ok=True)
                run.log_path.write_text(tail + "\n", encoding="utf-8")
        store.update_run(
            self.archive,
            run.run_id,
            state=state,
            ended_at=self.clock(),
            exit_code=code,
            crawl_id=crawl.id if crawl is not None else None,
            counts=counts,
            log_tail=tail if state != "done" else None,
        )
        store.release_lock(self.archive, run.schedule_id, self.owner)
        self.active.pop(run.run_id, None)
        self.finished.append(run.run_id)
        logger.info("%s run %d of %s %s", run.kind, run.run_id, run.schedule_name, state)
        self._notify(run.run_id, run.webhook_url)

    def _counts(self, run: ActiveRun, crawl: Crawl | None) -> dict[str, int]:
        counts = {
            "pages": 0,
            "fetched": 0,
            "failed": 0,
            "bytes": 0,
            "posts_new": 0,
            "posts_changed": 0,
            "citations_new": 0,
            "checks": 0,
            "dead_found": 0,
        }
        counts.update(
            store.run_counts(
                self.archive,
                crawl_id=crawl.id if crawl is not None else None,
                since=run.started_at,
            )
        )
        if crawl is None:
            return counts
        stats = crawl.stats or {}
        counts["fetched"] = int(stats.get("reftrail/captures", 0))
        counts["failed"] = int(stats.get("reftrail/failed", 0))
        counts["bytes"] = int(stats.get("reftrail/bytes", 0))
        with self.archive.session() as session:
            counts["pages"] = (
                session.scalar(
                    select(func.count(Capture.id)).where(
                        Capture.crawl_id == crawl.id,
                        Capture.fetched_at >= run.started_at,
                        Capture.mime.in_(("text/html", "application/xhtml+xml")),
                        Capture.status == 200,
                    )
                )
                or 0
            )
        return counts

    # --- webhooks -----------------------------------------------------------------------------
    def _notify(self, run_id: int, url: str | None) -> None:
        if not url:
            return
        run = store.get_run(self.archive, run_id)
        if run is None:
            return
        payload = run_summary(run, archive=str(self.archive.root))
        thread = threading.Thread(
            target=self.webhook, args=(url, payload), name=f"webhook-{run_id}", daemon=True
        )
        thread.start()
        self._webhooks.append(thread)

    def wait_for_webhooks(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._webhooks:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._webhooks = [t for t in self._webhooks if t.is_alive()]

    # --- crashes and shutdown -----------------------------------------------------------------
    def recover(self) -> None:
        """Mark runs lost with a dead runner, free their locks, finish their WARC files."""
        now = self.clock()
        lost = 0
        for run in store.list_runs(self.archive, state="running"):
            if run.id in self.active or not self._is_lost(run, now):
                continue
            lost += 1
            crawl = None
            if run.pid:
                crawl = store.crawl_of_process(self.archive, run.pid, since=run.started_at)
            done = crawl is not None and crawl.state == "done"
            if crawl is not None and not store.pid_alive(crawl.pid):
                store.mark_crawl_interrupted(self.archive, crawl.id, now=now)
            store.update_run(
                self.archive,
                run.id,
                state="done" if done else "interrupted",
                ended_at=now,
                crawl_id=crawl.id if crawl is not None else None,
                log_tail=None if done else _lost_tail(run.runner_pid, run.host, run.log_path),
            )
            lock = store.get_lock(self.archive, run.schedule_id) if run.schedule_id else None
            if lock is not None and lock.run_id == run.id:
                store.release_stale_lock(self.archive, lock)
            logger.warning("run %d of %s was lost with its runner", run.id, run.schedule_name)
            self._notify(run.id, _webhook_of(self.archive, run.schedule_id))
        if lost:
            repair_abandoned_warcs(self.archive)

    def _is_lost(self, run: object, now: datetime) -> bool:
        host = getattr(run, "host", "")
        runner_pid = getattr(run, "runner_pid", None)
        pid = getattr(run, "pid", None)
        if host == self.owner.host:
            return not store.pid_alive(runner_pid) and not store.pid_alive(pid)
        lock = store.get_lock(self.archive, getattr(run, "schedule_id", 0) or 0)
        if lock is None or lock.host != host or lock.runner_pid != runner_pid:
            return True
        return store.lock_is_stale(
            lock, now=now, stale_after=self.stale_after, host=self.owner.host
        )

    def shutdown(self) -> None:
        """SIGINT every run, wait for them to close their WARCs, mark them interrupted."""
        for run in self.active.values():
            run.interrupted = True
            if run.process is not None and run.process.poll() is None:
                logger.info("stopping run %d of %s", run.run_id, run.schedule_name)
                with contextlib.suppress(ProcessLookupError):
                    run.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + self.grace
        for run in list(self.active.values()):
            if run.process is not None:
                try:
                    run.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    logger.warning("run %d did not stop in time: killing it", run.run_id)
                    run.process.send_signal(signal.SIGKILL)
                    run.process.wait()
            self._finish(run, state="interrupted")


def _webhook_of(archive: Archive, schedule_id: int | None) -> str | None:
    if schedule_id is None:
        return None
    with archive.session() as session:
        schedule = session.get(Schedule, schedule_id)
        return schedule.webhook_url if schedule is not None else None


def run_summary(run: object, *, archive: str) -> dict:
    """The JSON a webhook receives and ``reftrail runs --format json`` prints per run."""
    state = getattr(run, "state", None)
    counts = getattr(run, "counts", None) or {}
    event = {"done": "run.finished", "failed": "run.failed"}.get(state or "", "run.interrupted")
    if counts.get("dead_found"):
        event = "citations.dead"
    return {
        "event": event,
        "archive": archive,
        "run": {
            "id": getattr(run, "id", None),
            "schedule": getattr(run, "schedule_name", None),
            "kind": getattr(run, "kind", None),
            "trigger": getattr(run, "trigger", None),
            "state": state,
            "scheduled_for": _iso(getattr(run, "scheduled_for", None)),
            "started_at": _iso(getattr(run, "started_at", None)),
            "ended_at": _iso(getattr(run, "ended_at", None)),
            "exit_code": getattr(run, "exit_code", None),
            "crawl_id": getattr(run, "crawl_id", None),
            "counts": counts,
            "log_tail": getattr(run, "log_tail", None),
        },
    }


def _lost_tail(runner_pid: int | None, host: str, log_path: str | None) -> str:
    note = (
        f"the runner (pid {runner_pid} on {host}) stopped during this run; the crawl "
        "resumes where it stopped at the schedule's next run"
    )
    output = log_tail(Path(log_path)) if log_path else None
    return f"{note}\n{output}" if output else note


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def repair_abandoned_warcs(archive: Archive) -> list[str]:
    """Finish ``.open`` files whose writer on this host is gone, then index their records.

    The same mending as ``reftrail verify --repair`` without re-checking every file.
    """
    from storage.reindex import index_missing
    from storage.warc.repair import finish_open_file, scan_members, warc_paths, writer_status
    from storage.warc.writer import OPEN_SUFFIX

    mended: list[str] = []
    live = False
    for path in warc_paths(archive.warc_dir):
        if not path.name.endswith(OPEN_SUFFIX):
            continue
        if writer_status(path).live:
            live = True
            continue
        try:
            finished = finish_open_file(path, scan_members(path))
        except Exception as exc:  # a file we cannot mend must not stop the runner
            logger.warning("could not finish %s: %s", path.name, exc)
            continue
        mended.append(finished.path.name if finished.path else path.name)
        logger.warning("finished %s left open by a lost run", path.name)
    if mended and not live:
        index_missing(archive)
    return mended


def install_signal_handlers(runner: Runner) -> None:
    signal.signal(signal.SIGTERM, runner.request_stop)
    signal.signal(signal.SIGINT, runner.request_stop)


def run_now(
    runner: Runner, schedule: Schedule, kind: str, *, echo: Callable[[str], None]
) -> ActiveRun | None:
    """Start a manual run and wait for it in the foreground, echoing its output."""
    active = runner.start(schedule, kind, trigger="manual")
    if active is None:
        return None
    offset = 0
    while active.run_id in runner.active:
        if runner.stop_requested:
            runner.shutdown()
            break
        _reap_one(runner, active)
        offset = _echo_new(active.log_path, offset, echo)
        if active.run_id in runner.active:
            runner.sleep(min(runner.poll_interval, 0.5))
    _echo_new(active.log_path, offset, echo)
    runner.wait_for_webhooks()
    return active


def _reap_one(runner: Runner, active: ActiveRun) -> None:
    if active.process is not None and active.process.poll() is not None:
        runner._finish(active)
        return
    now_mono = time.monotonic()
    if now_mono - runner._last_beat >= runner.heartbeat_every:
        store.heartbeat(runner.archive, runner.owner, now=runner.clock())
        runner._last_beat = now_mono


def _echo_new(path: Path, offset: int, echo: Callable[[str], None]) -> int:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return offset
    if data:
        echo(data.decode("utf-8", "replace"))
    return offset + len(data)
