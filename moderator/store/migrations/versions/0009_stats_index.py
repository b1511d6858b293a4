"""Insights: one index that holds what the statistics count (action, time, who, in which
role, which article, from and to which status), so that they read no entry itself.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_log_entry_stats",
        "log_entry",
        ["action", "created_at", "actor", "role", "article_id", "from_status", "to_status"],
    )


def downgrade() -> None:
    op.drop_index("ix_log_entry_stats", table_name="log_entry")
