"""Database engines and schema upgrades: one way to open the archive's database.

SQLite gets WAL mode (readers never block the crawler's writer) and a busy timeout; any other
URL (PostgreSQL) is used as given. Opening a database runs the Alembic migrations, so an
archive made by an older reftrail is upgraded in place.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.exceptions import DatabaseError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


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
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions(engine: Engine) -> set[str]:
    """Every head: features may add their tables on branches of their own."""
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision(s) (creates it on an empty database)."""
    try:
        current = current_revisions(engine)
        heads = head_revisions(engine)
        if current == heads:
            return
        logger.info(
            "upgrading database schema from %s to %s",
            ", ".join(sorted(current)) or "empty",
            ", ".join(sorted(heads)),
        )
        command.upgrade(alembic_config(engine), "heads")
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot open or upgrade the database at {engine.url!r}: {exc}. "
            "Check that it is reachable and that you may create tables there."
        ) from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
