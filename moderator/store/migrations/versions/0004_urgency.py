"""Queues by severity: each comment's urgency (its gravest flag), kept beside its status.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (SQLite can add a column with a constant default without copying).
    op.add_column(
        "comment",
        sa.Column("urgency", sa.SmallInteger(), server_default=sa.text("3"), nullable=False),
    )
    # The flags already stored: 0 for a high one, 1 medium, 2 low.
    op.execute(
        "UPDATE comment SET urgency = ("
        " SELECT MIN(CASE flag.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END)"
        " FROM flag WHERE flag.comment_id = comment.id)"
        " WHERE EXISTS (SELECT 1 FROM flag WHERE flag.comment_id = comment.id)"
    )
    # Flagged comments only: most comments are not, and storing them stays as fast as before.
    op.create_index(
        "ix_comment_flagged_by_urgency",
        "comment",
        ["status", "urgency", "posted_at", "id"],
        sqlite_where=sa.text("urgency < 3"),
        postgresql_where=sa.text("urgency < 3"),
    )


def downgrade() -> None:
    op.drop_index("ix_comment_flagged_by_urgency", table_name="comment")
    with op.batch_alter_table("comment") as batch_op:
        batch_op.drop_column("urgency")
