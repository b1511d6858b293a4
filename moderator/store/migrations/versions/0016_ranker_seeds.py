"""``ranker_seed``: the labelled comments the ranker was trained on (``rank train``), kept
so that the batch model, refit from every decision, learns from them too.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ranker_seed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranker_seed")),
    )


def downgrade() -> None:
    op.drop_table("ranker_seed")
