"""citation history: a post's earlier versions keep their citations

A recrawl that archives a changed post used to delete the post's citations and insert the new
version's. Now a citation row lives from the post version that first had it
(``first_version_id``, a ``post_capture``) until the first later version without it
(``removed_in_id``, ``removed_at``); the unique (post_id, position) goes, since a removed
citation and a current one may have held the same position. Existing citations belong to
their post's latest archived version.

Revision ID: 0008_citation_history
Revises: 0005_citations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_citation_history"
down_revision = "0005_citations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_citation_post_position", type_="unique")
        batch_op.add_column(sa.Column("first_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_in_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_citation_first_version_id_post_capture"),
            "post_capture",
            ["first_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_citation_removed_in_id_post_capture"),
            "post_capture",
            ["removed_in_id"],
            ["id"],
        )
    op.execute(
        "UPDATE citation SET first_version_id = (SELECT max(pc.id) FROM post_capture pc "
        "WHERE pc.post_id = citation.post_id AND pc.outcome IN ('changed', 'identical'))"
    )


def downgrade() -> None:
    op.execute("DELETE FROM citation WHERE removed_at IS NOT NULL")
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_citation_removed_in_id_post_capture"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_citation_first_version_id_post_capture"), type_="foreignkey"
        )
        batch_op.drop_column("removed_at")
        batch_op.drop_column("removed_in_id")
        batch_op.drop_column("first_version_id")
        batch_op.create_unique_constraint("uq_citation_post_position", ["post_id", "position"])
