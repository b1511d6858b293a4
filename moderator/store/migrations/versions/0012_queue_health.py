"""Insights: the queue's health over time (``queue_flow``: pending comments arriving, leaving
and put back per hour, by article and import; ``queue_import``: each import's pending count;
``queue_spell``: the hours in which it had any) and how long comments waited for a person's
first decision (``decision_wait``: counts per span of time, by article); kept up with the
log like ``decision_hour``, from the first entry (``stats_rollup`` row 2).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_flow",
        sa.Column("hour", sa.String(length=13), nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "article_id", "arrived_at", name=op.f("pk_queue_flow")),
    )
    op.create_table(
        "queue_import",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "arrived_at", name=op.f("pk_queue_import")),
    )
    op.create_table(
        "queue_spell",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("since_hour", sa.String(length=13), nullable=False),
        sa.Column("until_hour", sa.String(length=13), nullable=True),
        sa.PrimaryKeyConstraint(
            "article_id", "arrived_at", "since_hour", name=op.f("pk_queue_spell")
        ),
    )
    op.create_table(
        "decision_wait",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "bucket", name=op.f("pk_decision_wait")),
    )


def downgrade() -> None:
    op.drop_table("decision_wait")
    op.drop_table("queue_spell")
    op.drop_table("queue_import")
    op.drop_table("queue_flow")
