"""Imports written in parts: ``import_batch`` (the import being written, which is also the
lock between imports), ``import_step`` (its log entries, appended part by part as its
comments are shown) and ``import_move`` (stored comments' new places and reply links,
taken at the end).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("comments_upto", sa.Integer(), nullable=False),
        sa.Column("articles_upto", sa.Integer(), nullable=False),
        sa.Column("authors_upto", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "import_step",
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("comments_upto", sa.Integer(), nullable=False),
        sa.Column("articles_upto", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("rule_set_version", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("moves_comment", sa.Boolean(), nullable=False),
        sa.Column("new_source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_import_step")),
    )
    op.create_index("ix_import_step_part", "import_step", ["part", "n"])
    op.create_table(
        "import_move",
        sa.Column("comment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_import_move")),
    )


def downgrade() -> None:
    op.drop_table("import_move")
    op.drop_index("ix_import_step_part", table_name="import_step")
    op.drop_table("import_step")
    op.drop_table("import_batch")
