"""Fixtures for crawl tests: the fake web, and real crawls run through the ``reftrail`` CLI.

Crawls run in a subprocess (Scrapy's reactor cannot restart inside one pytest process),
talking to the fake web through its proxy, into an archive on SQLite or PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.fakeweb import FakeWeb
from tests.conftest import database_for as database_for  # re-exported for the crawl tests
from tests.conftest import selected_databases

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def fake_web() -> Iterator[FakeWeb]:
    with FakeWeb() as web:
        yield web


def crawl_settings(web: FakeWeb, **extra: object) -> list[str]:
    """``-s`` arguments that point the crawler at the fake web."""
    settings = {**web.scrapy_settings(), "REFTRAIL_PROGRESS": "log", **extra}
    args = []
    for name, value in settings.items():
        args += ["-s", f"{name}={value if isinstance(value, str) else json.dumps(value)}"]
    return args


def run_cli(
    args: list[str],
    *,
    web: FakeWeb | None,
    archive: Path,
    database_url: str | None,
    timeout: float = 240,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFTRAIL_")}
    env.update(web.env() if web else {})
    env["REFTRAIL_ARCHIVE"] = str(archive)
    if database_url:
        env["REFTRAIL_DATABASE_URL"] = database_url
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "module_db" in metafunc.fixturenames:
        metafunc.parametrize("module_db", selected_databases(metafunc.config), scope="module")
