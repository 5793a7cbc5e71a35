"""The real ``reftrail jobs`` process against the fake web: cron every few seconds, SIGTERM,
a runner killed mid-run and restarted, and two runners started at once on one archive."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.fakeweb import FakeWeb
from storage import schedules as store
from storage.archive import Archive
from storage.db import sqlite_url
from storage.models import Crawl
from storage.timeutil import utcnow
from tests.crawler.conftest import REPO, crawl_settings, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fake_web() -> Iterator[FakeWeb]:
    with FakeWeb() as web:
        yield web


class Setup:
    def __init__(self, web: FakeWeb, root: Path, database_url: str | None) -> None:
        self.web, self.root, self.database_url = web, root, database_url

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
        env.update(self.web.env())
        env["REFTRAIL_ARCHIVE"] = str(self.root)
        if self.database_url:
            env["REFTRAIL_DATABASE_URL"] = self.database_url
        return env

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(list(args), web=self.web, archive=self.root, database_url=self.database_url)

    def jobs(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "jobs", "--poll", "0.3", *args],
            env=self.env(),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def archive(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url or sqlite_url(
            self.root / "reftrail.db"))  # fmt: skip

    def add(self, name: str, cron: str, *options: str, site: str = "blog") -> None:
        result = self.cli(
            "schedule", "add", name, self.web.url(site), "--cron", cron, "--",
            *options, *crawl_settings(self.web),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr


@pytest.fixture
def setup(fake_web: FakeWeb, tmp_path: Path, database_url: str | None) -> Setup:
    return Setup(fake_web, tmp_path / "archive", database_url)


def wait_for(predicate: Callable[[], object], timeout: float = 90) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def finish(runner: subprocess.Popen[str], timeout: float = 180) -> str:
    """Wait for a ``--once`` runner; kill it if it hangs, so no runner outlives its test."""
    try:
        return runner.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        runner.kill()
        output = runner.communicate()[0]
        raise AssertionError(f"the runner did not finish in {timeout} s:\n{output}") from None


def stop(runner: subprocess.Popen[str]) -> str:
    """SIGTERM the runner and collect its output; kill it if it does not stop (no leftovers)."""
    runner.send_signal(signal.SIGTERM)
    try:
        return runner.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        runner.kill()
        return runner.communicate()[0]


def test_the_runner_crawls_every_few_seconds_and_stops_cleanly(setup: Setup) -> None:
    setup.add("blog", "* * * * * */3", "--max-pages", "4")
    runner = setup.jobs()
    try:
        with setup.archive() as archive:
            wait_for(lambda: len(store.list_runs(archive, state="done")) >= 2)
    finally:
        output = stop(runner)
    with setup.archive() as archive:
        assert runner.returncode == 0, output
        runs = sorted(store.list_runs(archive), key=lambda r: r.id)
        assert {r.state for r in runs} <= {"done", "interrupted"}
        for earlier, later in itertools.pairwise(runs):
            assert earlier.ended_at is not None and earlier.ended_at <= later.started_at
        done = [r for r in runs if r.state == "done"]
        assert all(r.crawl_id and r.counts["fetched"] > 0 and r.exit_code == 0 for r in done)
        assert len({r.crawl_id for r in done}) == len(done)  # each run its own crawl
        assert store.get_lock(archive, runs[0].schedule_id or 0) is None
    history = setup.cli("runs", "--schedule", "blog", "--format", "json")
    assert history.returncode == 0 and '"state": "done"' in history.stdout


def test_a_runner_killed_mid_run_is_recovered_on_restart(setup: Setup) -> None:
    # A site crawl (a blog crawl starts afresh, fetching only what changed, by design).
    setup.add(
        "slow", "* * * * * */2", "--max-pages", "40", "-s", "DOWNLOAD_DELAY=0.25", site="home"
    )
    runner = setup.jobs()
    warcs = setup.root / "warcs"
    with setup.archive() as archive:
        run = None
        try:

            def started() -> object:
                runs = [r for r in store.list_runs(archive) if r.pid]
                return runs[0] if runs and list(warcs.glob("*.open")) else None

            run = wait_for(started)
            time.sleep(1.5)  # let it archive a few pages
        finally:
            if run is not None:
                os.kill(run.pid, signal.SIGKILL)  # type: ignore[attr-defined]
            runner.kill()  # the machine "crashed": runner and crawl die at once
            runner.communicate(timeout=30)
        assert list(warcs.glob("*.open"))
        restarted = setup.jobs("--once")
        output = finish(restarted)
        assert restarted.returncode == 0, output
        runs = sorted(store.list_runs(archive), key=lambda r: r.id)
        assert [r.state for r in runs] == ["interrupted", "done"], output
        lost, resumed = runs
        assert "stopped during this run" in (lost.log_tail or "")
        assert lost.crawl_id is not None and resumed.crawl_id == lost.crawl_id
        assert not list(warcs.glob("*.open"))
        with archive.session() as session:
            crawl = session.get(Crawl, lost.crawl_id)
            assert crawl is not None and crawl.state == "done"  # resumed and finished
    verify = setup.cli("verify")
    assert verify.returncode == 0, verify.stderr


def test_two_runners_started_at_once_make_one_run(setup: Setup) -> None:
    setup.add("blog", "0 3 * * *", "--max-pages", "3")
    with setup.archive() as archive:
        store.update_schedule(archive, "blog", next_crawl_at=utcnow() - timedelta(hours=1))
        runners = [setup.jobs("--once"), setup.jobs("--once")]
        outputs = [finish(r) for r in runners]
        assert [r.returncode for r in runners] == [0, 0], outputs
        runs = store.list_runs(archive)
        assert len(runs) == 1 and runs[0].state == "done", outputs
