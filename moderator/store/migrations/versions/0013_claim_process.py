"""Claims record the machine and process of their desk, so that a desk killed before it
released its claim can have it ended when its holder starts again on that machine.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Constant defaults add the columns in place. Claims made before (they lapse within
    # minutes anyway) belong to no known machine, so nothing ends them early.
    op.add_column(
        "claim",
        sa.Column("host", sa.String(length=255), server_default=sa.text("''"), nullable=False),
    )
    op.add_column(
        "claim", sa.Column("pid", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        batch.drop_column("pid")
        batch.drop_column("host")
