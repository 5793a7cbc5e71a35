"""Fixtures shared by the whole suite: an archive on real SQLite and on real PostgreSQL.

Every test that asks for ``archive`` (or ``database_url``) runs once per selected database.
Choose with ``--db sqlite|postgresql|all`` or ``REFTRAIL_TEST_DB`` (default: all). PostgreSQL
is the server at ``REFTRAIL_TEST_PG_URL`` (default: 127.0.0.1:5432, database ``test``); each
test gets a fresh schema that is dropped afterwards. An unreachable PostgreSQL fails the
PostgreSQL tests (it does not skip them), so CI cannot go green on SQLite alone by accident.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.archive import DB_NAME, Archive
from storage.db import sqlite_url

DB_CHOICES = ("sqlite", "postgresql", "all")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=DB_CHOICES,
        default=None,
        help="databases to run archive tests against (default: $REFTRAIL_TEST_DB or all)",
    )


def selected_databases(config: pytest.Config) -> list[str]:
    choice = config.getoption("--db") or os.environ.get("REFTRAIL_TEST_DB") or "all"
    if choice not in DB_CHOICES:
        raise pytest.UsageError(f"REFTRAIL_TEST_DB must be one of {', '.join(DB_CHOICES)}")
    return ["sqlite", "postgresql"] if choice == "all" else [choice]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        metafunc.parametrize("db_kind", selected_databases(metafunc.config))


def pg_admin_url() -> str:
    return os.environ.get("REFTRAIL_TEST_PG_URL", DEFAULT_PG_URL)


def _psycopg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def database_for(kind: str) -> Iterator[str | None]:
    """None for SQLite (inside the archive), else a fresh PostgreSQL schema dropped after."""
    if kind == "sqlite":
        yield None
        return
    import psycopg

    admin = pg_admin_url()
    try:
        connection = psycopg.connect(_psycopg_dsn(admin), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {admin} ({exc}). Start it, point "
            "REFTRAIL_TEST_PG_URL at one, or run only the SQLite tests with --db sqlite "
            "(or REFTRAIL_TEST_DB=sqlite).",
            pytrace=False,
        )
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        separator = "&" if "?" in admin else "?"
        try:
            yield f"{admin}{separator}options=-csearch_path%3D{schema}"
        finally:
            connection.execute("SET lock_timeout = '10s'")
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def database_url(db_kind: str) -> Iterator[str | None]:
    """The database URL for this test: None for SQLite, a fresh PostgreSQL schema otherwise."""
    with database_for(db_kind) as url:
        yield url


@pytest.fixture
def archive(tmp_path: Path, database_url: str | None) -> Iterator[Archive]:
    """A fresh, empty archive folder indexed in the selected database."""
    root = tmp_path / "archive"
    url = database_url or sqlite_url(root / DB_NAME)
    opened = Archive.open(root, database_url=url)
    try:
        yield opened
    finally:
        opened.close()
