"""One real crawl of the demo blog (its citations fetched) and one link check, per database:
the archive every export test reads. Tests that add exclusions remove them again."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.fakeweb import FakeWeb
from storage.archive import Archive
from tests.conftest import database_for
from tests.crawler.conftest import crawl_settings, fake_web, pytest_generate_tests, run_cli

__all__ = ["fake_web", "pytest_generate_tests"]


@dataclass
class Crawled:
    root: Path
    database_url: str | None
    web: FakeWeb

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run_cli(
            list(args), web=self.web, archive=self.root, database_url=self.database_url,
            env_extra=env,
        )  # fmt: skip

    def cli(self, *args: str, env: dict[str, str] | None = None) -> str:
        result = self.run(*args, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout


@pytest.fixture(scope="module")
def crawled(
    module_db: str, fake_web: FakeWeb, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp(f"exports-{module_db}") / "archive"
    with database_for(module_db) as url:
        crawled = Crawled(root, url, fake_web)
        crawled.cli("crawl", fake_web.url("blog"), *crawl_settings(fake_web))
        crawled.cli("check", "--all", *crawl_settings(fake_web))
        yield crawled
