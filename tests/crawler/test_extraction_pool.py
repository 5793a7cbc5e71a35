"""The extraction pool starts its workers ahead of the first page, and stops them cleanly."""

from __future__ import annotations

import os
import time

from crawler.extraction import ExtractionPool


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
    assert pool._executor is None
