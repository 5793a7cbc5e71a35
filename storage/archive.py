"""The archive: a folder with ``reftrail.db`` (or another database) and ``warcs/``.

This is the one way every part of reftrail opens an archive, so the crawler, the CLI and the
web app agree on where things are and the schema is always current.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import db
from storage.exceptions import ArchiveError

DEFAULT_ARCHIVE = "archive"
DB_NAME = "reftrail.db"


def archive_location(value: str | os.PathLike[str] | None = None) -> Path:
    """The archive folder: the given value, else ``REFTRAIL_ARCHIVE``, else ``./archive``."""
    chosen = value or os.environ.get("REFTRAIL_ARCHIVE") or DEFAULT_ARCHIVE
    return Path(chosen).expanduser()


def database_url_for(root: Path, url: str | None = None) -> str:
    """The database URL: the given one, else ``REFTRAIL_DATABASE_URL``, else SQLite inside."""
    return url or os.environ.get("REFTRAIL_DATABASE_URL") or db.sqlite_url(root / DB_NAME)


class Archive:
    """An opened archive: paths, the database engine and a session factory."""

    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self.engine = engine
        self.sessions: sessionmaker[Session] = db.session_factory(engine)
        self._batches = threading.local()

    @property
    def warc_dir(self) -> Path:
        return self.root / "warcs"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def index_dir(self) -> Path:
        return self.root / "indexes"

    @classmethod
    def open(
        cls,
        root: str | os.PathLike[str] | None = None,
        *,
        database_url: str | None = None,
        create: bool = True,
    ) -> Archive:
        """Open (and with ``create``, make) the archive at ``root``; upgrade its schema."""
        path = archive_location(root)
        if not path.exists() and not create:
            raise ArchiveError(
                f"no archive at {path}: run `reftrail crawl URL --archive {path}` first, "
                "or pass --archive / set REFTRAIL_ARCHIVE to an existing archive"
            )
        try:
            for folder in (path, path / "warcs", path / "logs"):
                folder.mkdir(parents=True, exist_ok=True)
            probe = path / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ArchiveError(
                f"cannot write to the archive folder {path}: {exc.strerror}. "
                "Choose a writable folder with --archive or REFTRAIL_ARCHIVE."
            ) from exc
        engine = db.make_engine(database_url_for(path, database_url))
        # One process at a time creates or upgrades the schema (SQLite has no advisory locks).
        with open(path / ".schema.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            db.upgrade(engine)
        return cls(path, engine)

    def session(self) -> Session:
        return self.sessions()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction: this thread's open ``batch()``, else a new one."""
        outer = getattr(self._batches, "connection", None)
        if outer is not None:
            yield outer
            return
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every ``begin()`` of this thread share one transaction, committed at the end.

        The crawl's writer thread stores each batch of pages (capture rows, documents, new
        URLs, done marks) in one commit instead of one per kind: each SQLite commit writes
        its changed pages to the WAL again. ORM sessions do not join it: with SQLite, a
        session writing inside a batch would wait on the batch's own lock.
        """
        if getattr(self._batches, "connection", None) is not None:
            yield  # already inside one
            return
        with self.engine.begin() as connection:
            self._batches.connection = connection
            try:
                yield
            finally:
                self._batches.connection = None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
