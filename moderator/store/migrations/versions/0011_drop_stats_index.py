"""Insights count from the hourly counts now, ranges off the hour included: the covering
index of the log (0009) is no longer read, and every append paid for it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_log_entry_stats", table_name="log_entry")


def downgrade() -> None:
    op.create_index(
        "ix_log_entry_stats",
        "log_entry",
        ["action", "created_at", "actor", "role", "article_id", "from_status", "to_status"],
    )
