"""Team mode: each comment carries a version (the log entry that last changed it), and desks
claim the comment they have open.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default adds the column in place (SQLite copies nothing); 0 means "unchanged
    # since this migration", which every desk open on the old schema had seen anyway.
    op.add_column(
        "comment", sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_table(
        "claim",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("desk", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_claim_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_claim")),
    )
    op.create_index("ix_claim_expires_at", "claim", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_claim_expires_at", table_name="claim")
    op.drop_table("claim")
    with op.batch_alter_table("comment") as batch:
        batch.drop_column("version")
