"""Editors' tools: an article can be locked, notes on comments and authors are kept, and
escalated comments are indexed for the review list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (a constant default: SQLite does not copy the table).
    op.add_column(
        "article", sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["author.id"], name=op.f("fk_note_author_id_author"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_note_comment_id_comment"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry_seq"],
            ["log_entry.seq"],
            name=op.f("fk_note_entry_seq_log_entry"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    op.create_index("ix_note_comment_id", "note", ["comment_id"])
    op.create_index("ix_note_author_id", "note", ["author_id"])
    # The review list reads escalated comments: few, found without reading the rest.
    op.create_index(
        "ix_comment_escalated",
        "comment",
        ["article_id"],
        # As SQLite matches it: a query's "escalated = 1" does not prove a bare "escalated".
        sqlite_where=sa.text("escalated = 1"),
        postgresql_where=sa.text("escalated"),
    )


def downgrade() -> None:
    op.drop_index("ix_comment_escalated", table_name="comment")
    op.drop_index("ix_note_author_id", table_name="note")
    op.drop_index("ix_note_comment_id", table_name="note")
    op.drop_table("note")
    with op.batch_alter_table("article") as batch_op:
        batch_op.drop_column("locked")
