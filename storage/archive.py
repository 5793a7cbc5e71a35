"""The archive: a folder with ``reftrail.db`` (or another database) and ``warcs/``.

This is the one way every part of reftrail opens an archive, so the crawler, the CLI and the
web app agree on where things are and the schema is always current.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import Engine
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

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
