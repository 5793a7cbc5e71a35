"""The runner with an injected clock and fake run processes: a day of schedules in seconds."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.jobs import CHECK_MISSING, Runner
from crawler.schedules import next_fire, post_webhook
from storage import schedules as store
from storage.archive import Archive
from storage.models import ScheduleLock

DEAD_PID = 2**22 + 17  # above Linux's pid_max: never a live process


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeProcess:
    """A run that lasts ``duration`` seconds of the injected clock, then exits with ``code``."""

    count = 0

    def __init__(self, clock: Clock, duration: float, code: int = 0) -> None:
        FakeProcess.count += 1
        self.pid = DEAD_PID + FakeProcess.count
        self.clock = clock
        self.ends = clock() + timedelta(seconds=duration)
        self.code = code
        self.signals: list[int] = []

    def poll(self) -> int | None:
        return self.code if self.clock() >= self.ends else None

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)
        self.ends = self.clock()
        self.code = 1

    def wait(self, timeout: float | None = None) -> int:
        return self.code


def make_runner(archive: Archive, clock: Clock, *, duration: float = 60, **kw: object) -> Runner:
    launched: list[list[str]] = []

    def launcher(argv: list[str], env: dict[str, str], log: Path) -> FakeProcess:
        launched.append(argv)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("crawl output\n")
        return FakeProcess(clock, duration)

    options: dict = {
        "clock": clock,
        "launcher": launcher,
        "sleep": clock.advance,
        "check_available": lambda: False,
        **kw,
    }
    runner = Runner(archive, **options)
    runner.launched = launched  # type: ignore[attr-defined]
    return runner


def add(archive: Archive, name: str, cron: str, now: datetime, **kw: object) -> None:
    tz = str(kw.pop("timezone", "UTC"))
    check = kw.pop("check_cron", None)
    store.add_schedule(
        archive,
        name=name,
        seeds=[f"http://{name}.example/"],
        crawl_cron=cron,
        check_cron=check,  # type: ignore[arg-type]
        timezone=tz,
        next_crawl_at=next_fire(cron, tz, now),
        next_check_at=next_fire(str(check), tz, now) if check else None,
        now=now,
        **kw,  # type: ignore[arg-type]
    )


def test_a_day_of_schedules_runs_each_due_time_once(archive: Archive) -> None:
    start = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    clock = Clock(start)
    add(archive, "nightly", "0 3 * * *", start, timezone="Europe/Paris")
    add(archive, "quarter", "*/15 * * * *", start, check_cron="0 4 * * *")
    runner = make_runner(archive, clock, duration=120, max_concurrent=4)
    runner.recover()
    while clock() < start + timedelta(days=1):
        runner.tick()
        clock.advance(300)
    runs = store.list_runs(archive)
    nightly = [r for r in runs if r.schedule_name == "nightly"]
    assert [r.scheduled_for for r in nightly] == [datetime(2026, 1, 15, 2, 0, tzinfo=UTC)]
    crawls = [r for r in runs if r.schedule_name == "quarter" and r.kind == "crawl"]
    assert len(crawls) == 95  # 00:15 ... 23:45
    assert {r.state for r in crawls} == {"done"} and {r.trigger for r in crawls} == {"cron"}
    assert len({r.scheduled_for for r in crawls}) == 95
    checks = [r for r in runs if r.kind == "check"]
    assert len(checks) == 1 and checks[0].state == "failed"
    assert checks[0].log_tail == CHECK_MISSING
    assert runner.launched[0][-2:] == ["crawl", "http://quarter.example/"]  # type: ignore[attr-defined]


def test_a_runner_down_for_three_days_runs_a_daily_schedule_once(archive: Archive) -> None:
    start = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    add(archive, "nightly", "0 3 * * *", start)
    clock = Clock(start + timedelta(days=3, hours=9))
    runner = make_runner(archive, clock, duration=30)
    assert runner.serve(once=True) == 0
    runs = store.list_runs(archive)
    assert len(runs) == 1 and runs[0].state == "done"
    assert runs[0].scheduled_for == datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
    following = store.get_schedule(archive, "nightly").next_crawl_at
    assert following == datetime(2026, 1, 19, 3, 0, tzinfo=UTC)


def test_the_concurrency_limit_and_one_run_per_schedule(archive: Archive) -> None:
    start = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    clock = Clock(start)
    for name in ("a", "b", "c"):
        add(archive, name, "*/5 * * * *", start)
    runner = make_runner(archive, clock, duration=420, max_concurrent=2)
    clock.advance(300)
    runner.tick()
    assert len(runner.active) == 2
    clock.advance(300)  # the two still run (7 min each); their next due time waits
    runner.tick()
    assert len(runner.active) == 2
    assert len(store.list_runs(archive)) == 2
    clock.advance(180)
    runner.tick()  # the two ended: c (waiting longest) and one of a/b start
    names = sorted(r.schedule_name for r in store.list_runs(archive))
    assert names.count("c") == 1 and len(names) == 4


def test_a_second_runner_cannot_take_a_busy_schedule(archive: Archive) -> None:
    start = datetime(2026, 1, 15, 0, 0, tzinfo=UTC)
    clock = Clock(start)
    add(archive, "blog", "0 3 * * *", start)
    first = make_runner(archive, clock, duration=600)
    second = make_runner(archive, clock, duration=600)
    clock.advance(3 * 3600)
    first.tick()
    second.tick()
    assert len(first.active) == 1 and not second.active
    schedule = store.get_schedule(archive, "blog")
    assert second.start(schedule, "crawl", trigger="manual") is None
    clock.advance(600)
    first.tick()
    assert second.start(schedule, "crawl", trigger="manual") is not None
    assert [r.trigger for r in store.list_runs(archive)] == ["manual", "cron"]


def test_stale_locks_are_taken_over_live_ones_are_not(archive: Archive) -> None:
    now = datetime(2026, 1, 15, tzinfo=UTC)
    owner = store.LockOwner()
    rows = [
        ScheduleLock(schedule_id=1, owner="dead", host=owner.host, runner_pid=DEAD_PID, pid=None,
                     acquired_at=now, heartbeat_at=now),
        ScheduleLock(schedule_id=2, owner="far-old", host="elsewhere", runner_pid=1, pid=None,
                     acquired_at=now, heartbeat_at=now - timedelta(seconds=120)),
        ScheduleLock(schedule_id=3, owner="far-fresh", host="elsewhere", runner_pid=1, pid=None,
                     acquired_at=now, heartbeat_at=now - timedelta(seconds=10)),
        ScheduleLock(schedule_id=4, owner="alive-run", host=owner.host, runner_pid=DEAD_PID,
                     pid=1, acquired_at=now, heartbeat_at=now - timedelta(days=9)),
    ]  # fmt: skip
    with archive.session() as session, session.begin():
        session.add_all(rows)
    taken = [store.acquire_lock(archive, i, owner, now=now, stale_after=60) for i in (1, 2, 3, 4)]
    assert taken == [True, True, False, False]
    assert store.get_lock(archive, 1).owner == owner.name  # type: ignore[union-attr]


def test_a_run_lost_with_its_runner_is_marked_interrupted(archive: Archive) -> None:
    start = datetime(2026, 1, 15, tzinfo=UTC)
    clock = Clock(start)
    add(archive, "blog", "0 3 * * *", start)
    schedule = store.get_schedule(archive, "blog")
    ghost = store.LockOwner(pid=DEAD_PID)
    assert store.acquire_lock(archive, schedule.id, ghost, now=start, stale_after=60)
    run = store.start_run(archive, schedule, kind="crawl", trigger="cron", owner=ghost, now=start)
    store.attach_to_lock(archive, schedule.id, ghost, run_id=run.id, pid=DEAD_PID + 1)
    store.update_run(archive, run.id, pid=DEAD_PID + 1)
    runner = make_runner(archive, clock)
    runner.recover()
    lost = store.get_run(archive, run.id)
    assert lost is not None and lost.state == "interrupted"
    assert "stopped during this run" in (lost.log_tail or "")
    assert store.get_lock(archive, schedule.id) is None


def test_shutdown_interrupts_running_runs(archive: Archive) -> None:
    start = datetime(2026, 1, 15, tzinfo=UTC)
    clock = Clock(start)
    add(archive, "blog", "* * * * *", start)
    runner = make_runner(archive, clock, duration=3600)
    clock.advance(60)
    runner.tick()
    (active,) = runner.active.values()
    runner.request_stop()
    runner.shutdown()
    assert active.process.signals == [2]  # type: ignore[union-attr]
    (run,) = store.list_runs(archive)
    assert run.state == "interrupted" and store.get_lock(archive, run.schedule_id or 0) is None


class Receiver:
    """A webhook receiver on 127.0.0.1:0 that fails the first ``failures`` posts with 503."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[dict] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.bodies.append(body)
                status = 503 if len(receiver.bodies) <= receiver.failures else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_retry_with_backoff_and_give_up() -> None:
    receiver = Receiver(failures=2)
    slept: list[float] = []
    try:
        assert post_webhook(receiver.url, {"n": 1}, backoff=0.5, sleep=slept.append)
        assert len(receiver.bodies) == 3 and slept == [0.5, 1.0]
        receiver.failures = 10
        assert not post_webhook(receiver.url, {"n": 2}, backoff=0, sleep=slept.append)
    finally:
        receiver.close()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never answers: the timeout ends each try
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        assert not post_webhook(url, {}, tries=2, timeout=0.2, backoff=0)
    finally:
        silent.close()


def test_a_run_posts_its_summary_to_the_schedule_webhook(archive: Archive) -> None:
    receiver = Receiver(failures=1)
    start = datetime(2026, 1, 15, tzinfo=UTC)
    clock = Clock(start)
    add(archive, "blog", "0 3 * * *", start, webhook_url=receiver.url)
    runner = make_runner(archive, clock, duration=60, webhook=lambda url, payload: post_webhook(
        url, payload, backoff=0.01))  # fmt: skip
    clock.advance(3 * 3600)
    try:
        assert runner.serve(once=True) == 0
    finally:
        receiver.close()
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]
    body = receiver.bodies[-1]
    assert body["event"] == "run.finished" and body["run"]["schedule"] == "blog"
    assert body["run"]["state"] == "done" and body["run"]["counts"]["pages"] == 0


def invoke(args: list[str], archive: Path, database_url: str | None) -> tuple[int, str]:
    env = {"REFTRAIL_DATABASE_URL": database_url} if database_url else {}
    result = CliRunner().invoke(app, [*args, "--archive", str(archive)], env=env)
    return result.exit_code, result.output


def test_cli_errors_are_clear(tmp_path: Path, database_url: str | None) -> None:
    root = tmp_path / "archive"
    ok = ["schedule", "add", "blog", "http://blog.example/", "--cron", "0 3 * * *"]
    assert invoke(ok, root, database_url)[0] == 0
    assert invoke(ok, root, database_url)[0] == 1  # the name is taken
    bad_cron = ["schedule", "add", "x", "http://x.example/", "--cron", "0 25 * * *"]
    assert invoke(bad_cron, root, database_url)[0] == 2
    bad_check = [*ok[:4], "--cron", "@daily", "--check-links", "every monday"]
    assert invoke(bad_check, root, database_url)[0] == 2
    bad_tz = [
        "schedule",
        "add",
        "y",
        "http://y.example/",
        "--cron",
        "0 3 * * *",
        "--tz",
        "Mars/Base",
    ]
    assert invoke(bad_tz, root, database_url)[0] == 2
    bad_hook = [*bad_tz[:6], "--webhook", "ftp://hooks.example/"]
    assert invoke(bad_hook, root, database_url)[0] == 2
    for command in ("show", "pause", "resume", "remove", "run"):
        assert invoke(["schedule", command, "nope"], root, database_url)[0] == 1
    assert invoke(["runs", "--schedule", "nope"], root, database_url)[0] == 1
    for args in (["schedule", "list"], ["runs"], ["jobs", "--once"]):
        assert invoke(args, tmp_path / "missing", database_url)[0] == 1
    assert invoke(["schedule", "pause", "blog"], root, database_url)[0] == 0
    code, output = invoke(["schedule", "list", "--format", "json"], root, database_url)
    assert code == 0 and json.loads(output)[0]["enabled"] is False
    assert invoke(["schedule", "remove", "blog"], root, database_url)[0] == 0
    assert invoke(["runs", "--format", "json"], root, database_url) == (0, "[]\n")


@pytest.mark.parametrize("expression", ["@daily", "0 3 * * *", "* * * * * */5"])
def test_valid_cron_expressions(expression: str) -> None:
    from crawler.schedules import check_cron

    assert check_cron(expression)
