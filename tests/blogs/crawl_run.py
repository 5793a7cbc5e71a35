"""One finished blog crawl of a test: where its archive is, what it asked the fake web for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from storage.archive import Archive
from storage.models import Capture, Post


@dataclass
class CrawlRun:
    root: Path
    database_url: str | None
    requests: list[str]  # the URLs the crawl asked the fake web for, in order
    log: str

    def open(self) -> Archive:
        return Archive.open(self.root, database_url=self.database_url, create=False)

    def posts(self) -> dict[str, Post]:
        with self.open() as archive, archive.session() as session:
            return {p.url: p for p in session.scalars(select(Post))}

    def captures(self) -> list[tuple[str, int | None]]:
        with self.open() as archive, archive.session() as session:
            return [(c.url, c.status) for c in session.scalars(select(Capture))]
