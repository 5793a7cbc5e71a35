"""The extraction pool starts its workers ahead of the first page, on the fastest malloc the
machine has, and stops them cleanly."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crawler.allocator import AllocatorError, choose_allocator
from crawler.extraction import ExtractionJob, ExtractionPool
from tests.crawler.conftest import run_cli


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_warm_up_starts_every_worker_before_any_page_arrives() -> None:
    pool = ExtractionPool(2)
    pool.warm_up()
    pool.warm_up()  # a second call (hold_until_begin, then begin) starts nothing more
    assert pool._warming is not None
    pool._warming.join(120)
    assert pool._executor is not None
    workers = list(pool._executor._processes)  # started by the warm-up, none by a page
    assert len(workers) == 2
    assert pool.backlog == 0
    pool.close()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "close() left workers running"


def test_closing_during_the_warm_up_leaves_no_pool_behind() -> None:
    pool = ExtractionPool(1)
    pool.warm_up()
    pool.close()  # waits for the warm-up, then stops what it started
    assert pool._warming is not None and not pool._warming.is_alive()
    assert pool._executor is None  # the warm-up did not start a pool after close() stopped it


def _mapped_libraries() -> str:
    """In a worker: the shared libraries this process has loaded."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        return maps.read()


def test_workers_run_on_the_faster_allocator_when_one_is_installed() -> None:
    library = choose_allocator("auto")
    if library is None:
        pytest.skip(
            "neither libmimalloc nor libjemalloc is installed (scripts/test.sh installs "
            "Debian's libmimalloc2.0): the workers use the system malloc"
        )
    pool = ExtractionPool(1)  # the default allocator is "auto"
    answers: list[str] = []
    assert pool.try_run(
        _mapped_libraries, label="maps", on_done=answers.append, on_lost=lambda: None
    )
    assert pool.wait_idle(120)
    pool.close()
    assert Path(library).name.split(".so")[0] in answers[0]


def test_allocator_choices() -> None:
    assert choose_allocator("system") is None
    with pytest.raises(AllocatorError, match="not a file"):
        choose_allocator("/nowhere/libmalloc.so")


def test_a_missing_allocator_library_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(
        ["crawl", "http://127.0.0.1:9/", "-s", "REFTRAIL_EXTRACT_ALLOCATOR=/nowhere/lib.so"],
        web=None,
        archive=tmp_path / "archive",
        database_url=None,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "REFTRAIL_EXTRACT_ALLOCATOR" in result.stderr


def test_the_backlog_holds_at_most_its_byte_budget_but_always_one_page() -> None:
    pool = ExtractionPool(1, limit=100, max_bytes=1000)
    answers: list[object] = []
    page = b"<html><title>x</title><p>" + b"word " * 300 + b"</p></html>"  # ~1.5 KB

    def job(url: str) -> ExtractionJob:
        return ExtractionJob(page, url, "text/html", None, answers.append)

    try:
        assert pool.try_submit(job("http://example.com/1"))  # over budget alone: let in
        assert not pool.try_submit(job("http://example.com/2"))  # the crawl defers it
        assert pool.wait_idle(120)
        assert pool.try_submit(job("http://example.com/3"))  # room again once done
        assert pool.wait_idle(120)
    finally:
        pool.close()
    assert len(answers) == 2
