"""external copies: what a Memento TimeGate answered for cited URLs with no local copy

Revision ID: 0009_external_copies
Revises: 0006_linkcheck
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_external_copies"
down_revision = "0006_linkcheck"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("timegate", sa.Text(), nullable=False),
        sa.Column("wanted_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("memento_url", sa.Text(), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_copy")),
        sa.UniqueConstraint("url", "timegate", "wanted_before", name="uq_external_copy_lookup"),
    )


def downgrade() -> None:
    op.drop_table("external_copy")
