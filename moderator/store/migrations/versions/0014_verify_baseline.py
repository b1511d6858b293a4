"""The log records what a database held when `log verify` began comparing rows with it: one
``baseline`` entry naming how many comments there were (and the last one's id) and each
profile's role, so that comments and roles from before the log recorded them are told from
ones added behind its back since. A new, empty database needs none.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from moderator.domain import SYSTEM
from moderator.formats.modlog import LogEntry, entry_hash, evidence_text
from moderator.store.models import sqlite_datetime_text, utc_now

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BASELINE = "baseline"


def upgrade() -> None:
    connection = op.get_bind()
    count, last = connection.execute(sa.text("SELECT count(*), max(id) FROM comment")).one()
    profiles = connection.execute(sa.text("SELECT name, role FROM profile ORDER BY id")).all()
    head = connection.execute(sa.text("SELECT seq, hash FROM log_head WHERE id = 1")).first()
    if (not count and not profiles) or head is None:
        # Nothing to vouch for; or a log without its head, which `log verify` reports.
        return
    said = {
        "comments_before": int(count),
        "last_comment_before": last,
        "profiles": {str(name): str(role) for name, role in profiles},
    }
    now = utc_now()
    entry = LogEntry(
        seq=head[0] + 1,
        prev=head[1],
        time=now,
        actor=SYSTEM,
        role=SYSTEM,
        action=BASELINE,
        comment=None,
        article=None,
        from_status=None,
        to_status=None,
        escalated=None,
        reason=None,
        rule_set=None,
        reverts=None,
        note=f"{count} comments and {len(profiles)} profiles stored before the log recorded"
        " each comment and role",
        evidence=evidence_text(said),
    )
    digest = entry_hash(entry)
    connection.execute(
        sa.text(
            "INSERT INTO log_entry (seq, prev_hash, created_at, actor, role, action, note,"
            " evidence, hash) VALUES (:seq, :prev, :at, :actor, :role, :action, :note,"
            " :evidence, :hash)"
        ),
        {
            "seq": entry.seq,
            "prev": entry.prev,
            "at": sqlite_datetime_text(now) if connection.dialect.name == "sqlite" else now,
            "actor": SYSTEM,
            "role": SYSTEM,
            "action": BASELINE,
            "note": entry.note,
            "evidence": entry.evidence,
            "hash": digest,
        },
    )
    connection.execute(
        sa.text("UPDATE log_head SET seq = :seq, hash = :hash WHERE id = 1"),
        {"seq": entry.seq, "hash": digest},
    )


def downgrade() -> None:
    # The entry stays: the log is appended to, never cut (an older version reads it as an
    # entry of a kind it does not know).
    pass
