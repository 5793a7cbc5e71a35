"""A schedule's link-check run (`reftrail check --due`) and what its run history says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.fakeweb import FakeWeb
from crawler.jobs import run_summary
from tests.crawler.conftest import crawl_settings, run_cli


@pytest.fixture(scope="module")
def fake_web() -> Iterator[FakeWeb]:
    with FakeWeb() as web:
        yield web


def test_a_schedule_crawls_then_checks_the_citations_it_found(
    fake_web: FakeWeb, tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "archive"

    def cli(*args: str) -> str:
        result = run_cli(list(args), web=fake_web, archive=root, database_url=database_url)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    cli("schedule", "add", "nightly", fake_web.url("blog"), "--cron", "0 3 * * *",
        "--check-links", "0 4 * * 1", "--", *crawl_settings(fake_web))  # fmt: skip
    cli("schedule", "run", "nightly")
    cli("schedule", "run", "nightly", "--check")
    runs = {run["kind"]: run for run in json.loads(cli("runs", "--format", "json"))}
    crawl, check = runs["crawl"], runs["check"]
    assert crawl["state"] == "done" and check["state"] == "done", runs
    assert crawl["counts"]["posts_new"] == 8 and crawl["counts"]["citations_new"] >= 8
    assert check["counts"]["checks"] >= crawl["counts"]["citations_new"]


def test_a_run_that_finds_dead_citations_sends_the_dead_event() -> None:
    def summary(state: str, dead: int) -> str:
        run = SimpleNamespace(state=state, counts={"dead_found": dead})
        return run_summary(run, archive="/a")["event"]

    assert summary("done", 0) == "run.finished"
    assert summary("failed", 0) == "run.failed"
    assert summary("done", 2) == "citations.dead"
