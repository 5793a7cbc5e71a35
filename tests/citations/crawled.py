"""A crawled archive that citation crawl tests read back, through storage or the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.fakeweb import FakeWeb
from storage.archive import Archive
from tests.crawler.conftest import run_cli


@dataclass
class Crawled:
    root: Path
    database_url: str | None
    web: FakeWeb
    log: str  # the crawl's stderr

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)

    def cli(self, *args: str) -> str:
        result = run_cli(
            list(args), web=self.web, archive=self.root, database_url=self.database_url
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout
