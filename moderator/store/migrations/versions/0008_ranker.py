"""The queue's ranker: the model learnt from the desk's decisions (one row), and each
comment's place by it (``hide_rank``: 0 the likeliest to be hidden, 10000 unscored).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: added in place, nothing copied; every comment starts unscored.
    op.add_column(
        "comment",
        sa.Column("hide_rank", sa.SmallInteger(), server_default=sa.text("10000"), nullable=False),
    )
    # Scored comments only: new comments are unscored, and storing them stays as fast.
    op.create_index(
        "ix_comment_scored_by_rank",
        "comment",
        ["status", "hide_rank", "urgency", "posted_at", "id"],
        sqlite_where=sa.text("hide_rank < 10000"),
        postgresql_where=sa.text("hide_rank < 10000"),
    )
    op.create_table(
        "ranker",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("learned_from", sa.Integer(), nullable=False),
        sa.Column("learned_upto", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranker")),
    )


def downgrade() -> None:
    op.drop_table("ranker")
    op.drop_index("ix_comment_scored_by_rank", table_name="comment")
    with op.batch_alter_table("comment") as batch:
        batch.drop_column("hide_rank")
