"""linkcheck: one row per check of a cited URL, and each URL's state over time

Revision ID: 0006_linkcheck
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_linkcheck"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=32), nullable=True),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("probe_url", sa.Text(), nullable=True),
        sa.Column("probe_result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawl.id"], name=op.f("fk_link_check_crawl_id_crawl")
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_link_check_capture_id_capture")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_check")),
    )
    op.create_index(op.f("ix_link_check_url"), "link_check", ["url"])
    op.create_table(
        "link_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok_capture_id", sa.Integer(), nullable=True),
        sa.Column("last_check_id", sa.Integer(), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_ok_capture_id"],
            ["capture.id"],
            name=op.f("fk_link_state_last_ok_capture_id_capture"),
        ),
        sa.ForeignKeyConstraint(
            ["last_check_id"],
            ["link_check.id"],
            name=op.f("fk_link_state_last_check_id_link_check"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_state")),
        sa.UniqueConstraint("url", name=op.f("uq_link_state_url")),
    )
    op.create_index(op.f("ix_link_state_next_check_at"), "link_state", ["next_check_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_link_state_next_check_at"), table_name="link_state")
    op.drop_table("link_state")
    op.drop_index(op.f("ix_link_check_url"), table_name="link_check")
    op.drop_table("link_check")
