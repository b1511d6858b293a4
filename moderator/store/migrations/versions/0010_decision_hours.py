"""Insights: people's decisions counted per hour, moderator and action, kept up with the log
(``stats_rollup.rolled_upto``), so that charts over months read thousands of rows, not
millions of entries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TURNAROUND = (
    "role = 'editor' AND from_status IN ('approved', 'hidden')"
    " AND to_status IN ('approved', 'hidden') AND from_status <> to_status"
)


def upgrade() -> None:
    op.create_table(
        "decision_hour",
        sa.Column("hour", sa.String(length=13), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "actor", "action", name=op.f("pk_decision_hour")),
    )
    # An editor turning a decision around: few, and found at once (partial).
    op.create_index(
        "ix_log_entry_turnaround",
        "log_entry",
        ["comment_id", "seq"],
        sqlite_where=sa.text(TURNAROUND),
        postgresql_where=sa.text(TURNAROUND),
    )
    op.create_table(
        "stats_rollup",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rolled_upto", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollup")),
    )


def downgrade() -> None:
    op.drop_index("ix_log_entry_turnaround", table_name="log_entry")
    op.drop_table("stats_rollup")
    op.drop_table("decision_hour")
