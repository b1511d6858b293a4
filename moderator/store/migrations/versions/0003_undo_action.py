"""Undo in the history: the action kind "undo" (a compensating entry; nothing is deleted).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BEFORE = ("approve", "hide", "restore", "escalate")
_AFTER = (*_BEFORE, "undo")
_CHECK = "ck_moderation_action_action_kind"


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _table(kinds: tuple[str, ...]) -> sa.Table:
    """moderation_action as revision 0002 left it, with these action kinds.

    SQLite changes a CHECK constraint only by copying the table, and Alembic's copy does not
    read CHECK constraints back from the database: the whole table is spelled out, so that the
    other columns keep theirs.
    """
    metadata = sa.MetaData(naming_convention={"ck": "ck_%(table_name)s_%(constraint_name)s"})
    sa.Table("comment", metadata, sa.Column("id", sa.Integer(), primary_key=True))
    sa.Table("profile", metadata, sa.Column("id", sa.Integer(), primary_key=True))
    statuses = ("pending", "approved", "hidden")
    reasons = (
        *("spam", "advertising", "abuse", "hate-speech", "offensive-language", "off-topic"),
        *("personal-information", "misinformation", "illegal-content", "other"),
    )
    return sa.Table(
        "moderation_action",
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum("action_role", "moderator", "editor"), nullable=False),
        sa.Column("action", _enum("action_kind", *kinds), nullable=False),
        sa.Column("from_status", _enum("action_from_status", *statuses), nullable=False),
        sa.Column("to_status", _enum("action_to_status", *statuses), nullable=False),
        sa.Column("reason", _enum("action_reason", *reasons), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["profile.id"], name="fk_moderation_action_actor_id_profile"
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name="fk_moderation_action_comment_id_comment",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_action"),
        sa.Index("ix_moderation_action_comment_id", "comment_id", "id"),
    )


def _allow(kinds: tuple[str, ...]) -> None:
    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table(
            "moderation_action", copy_from=_table(kinds), recreate="always"
        ) as batch_op:
            batch_op.alter_column("action", existing_type=_enum("action_kind", *kinds))
        return
    op.drop_constraint(op.f(_CHECK), "moderation_action", type_="check")
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.create_check_constraint(op.f(_CHECK), "moderation_action", f"action IN ({listed})")


def upgrade() -> None:
    _allow(_AFTER)


def downgrade() -> None:
    # Refused by the database while the history holds undo entries, as it should be.
    _allow(_BEFORE)
