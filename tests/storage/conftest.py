"""Fixtures for storage tests (the ``archive`` fixture itself is in tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has exited (as a crawl killed by SIGKILL leaves)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def other_live_pid() -> Iterator[int]:
    """A running process that has no WARC file open (a recycled process id)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()
