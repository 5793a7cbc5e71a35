"""Database engines and schema upgrades: one way to open the archive's database.

SQLite gets WAL mode (readers never block the crawler's writer) and a busy timeout; any other
URL (PostgreSQL) is used as given. Opening a database runs the Alembic migrations, so an
archive made by an older reftrail is upgraded in place. Alembic itself (~0.1 s to import) is
loaded only when the schema is not already at ``SCHEMA_HEADS``: every command opens the archive.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.exceptions import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision of each branch in migrations/versions: add a migration, change this
# (tests/storage/test_migrations.py checks it against Alembic's own reading of the folder).
SCHEMA_HEADS = frozenset(
    {"0004_schedules", "0007_webapp_indexes", "0008_citation_history", "0009_external_copies"}
)
VERSION_TABLE = "alembic_version"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the pragmas reftrail relies on."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (Alembic's version table; empty for a new database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def head_revisions(engine: Engine) -> set[str]:
    """Every head: features may add their tables on branches of their own."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision(s) (creates it on an empty database)."""
    try:
        current = current_revisions(engine)
        if current == SCHEMA_HEADS:
            return
        heads = head_revisions(engine)
        if current == heads:
            return
        logger.info(
            "upgrading database schema from %s to %s",
            ", ".join(sorted(current)) or "empty",
            ", ".join(sorted(heads)),
        )
        from alembic import command

        command.upgrade(alembic_config(engine), "heads")
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot open or upgrade the database at {engine.url!r}: {exc}. "
            "Check that it is reachable and that you may create tables there."
        ) from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
