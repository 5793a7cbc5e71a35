"""Alembic environment: migrations run on the engine storage.db hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from storage.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Two processes opening a new archive at once: the second waits, then finds it done.
        connection.execute(text("SELECT pg_advisory_xact_lock(7267661)"))
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
