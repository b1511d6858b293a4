"""The moderation log: every change an entry in one hash chain (log_entry, log_head).

The decisions already kept in moderation_action become the first entries, in the order they
were made, with their actors' names; an undo names the entry it reverses. A comment whose
state the carried-over history does not explain (which earlier versions could not cause) gets
one ``carry-over`` entry, so that the new log's check starts from the truth.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from moderator.domain import SYSTEM
from moderator.formats.modlog import GENESIS, LogEntry, entry_hash
from moderator.store.models import sqlite_datetime_text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_UNDO_NOTE = re.compile(r"undo of action #(\d+) \((\w+)\)")
_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "log_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("rule_set_version", sa.String(length=64), nullable=True),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_log_entry_article_id_article"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_log_entry_comment_id_comment"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_log_entry")),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    head = _carry_over(op.get_bind())
    op.execute(
        sa.text("INSERT INTO log_head (id, seq, hash) VALUES (1, :seq, :hash)").bindparams(
            seq=head[0], hash=head[1]
        )
    )
    # Indexes after the rows: built once, not kept up to date row by row.
    for name, columns in (
        ("ix_log_entry_comment_id", ["comment_id", "seq"]),
        ("ix_log_entry_article_id", ["article_id", "seq"]),
        ("ix_log_entry_action", ["action", "seq"]),
        ("ix_log_entry_actor", ["actor", "seq"]),
        ("ix_log_entry_created_at", ["created_at"]),
    ):
        op.create_index(name, "log_entry", columns)
    op.drop_index("ix_moderation_action_comment_id", table_name="moderation_action")
    op.drop_table("moderation_action")


def _aware(value: str | datetime) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Chain:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.seq = 0
        self.prev = GENESIS
        self.rows: list[dict[str, Any]] = []
        self.table = sa.table(
            "log_entry",
            *(
                sa.column(name)
                for name in (
                    "seq",
                    "prev_hash",
                    "created_at",
                    "actor",
                    "role",
                    "action",
                    "comment_id",
                    "article_id",
                    "from_status",
                    "to_status",
                    "escalated",
                    "reason",
                    "rule_set_version",
                    "reverts",
                    "note",
                    "evidence",
                    "hash",
                )
            ),
        )

    def append(self, **fields: Any) -> int:
        self.seq += 1
        entry = LogEntry(seq=self.seq, prev=self.prev, evidence=None, rule_set=None, **fields)
        digest = entry_hash(entry)
        self.rows.append(
            {
                "seq": entry.seq,
                "prev_hash": entry.prev,
                # As the column type keeps it: on SQLite, UTC text with microseconds.
                "created_at": sqlite_datetime_text(entry.time)
                if self.connection.dialect.name == "sqlite"
                else entry.time,
                "actor": entry.actor,
                "role": entry.role,
                "action": entry.action,
                "comment_id": entry.comment,
                "article_id": entry.article,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "escalated": entry.escalated,
                "reason": entry.reason,
                "rule_set_version": None,
                "reverts": entry.reverts,
                "note": entry.note,
                "evidence": None,
                "hash": digest,
            }
        )
        self.prev = digest
        if len(self.rows) >= _BATCH:
            self.flush()
        return entry.seq

    def flush(self) -> None:
        if self.rows:
            self.connection.execute(sa.insert(self.table), self.rows)
            self.rows = []


def _carry_over(connection: sa.Connection) -> tuple[int, str]:
    chain = _Chain(connection)
    seq_of: dict[int, int] = {}
    state: dict[int, tuple[str, bool]] = {}
    rows = connection.execute(
        sa.text(
            "SELECT a.id, a.comment_id, c.article_id, p.name, a.role, a.action, a.from_status,"
            " a.to_status, a.reason, a.note, a.created_at"
            " FROM moderation_action a JOIN profile p ON p.id = a.actor_id"
            " JOIN comment c ON c.id = a.comment_id ORDER BY a.id"
        )
    ).all()
    for (
        action_id,
        comment_id,
        article_id,
        actor,
        role,
        action,
        before,
        after,
        reason,
        note,
        at,
    ) in rows:
        escalated = state.get(comment_id, ("pending", False))[1]
        reverts = None
        if action == "escalate":
            escalated = True
        elif action == "undo" and note is not None:
            undone = _UNDO_NOTE.fullmatch(note)
            if undone is not None:
                reverts = seq_of.get(int(undone.group(1)))
                # Escalating needs a comment not yet escalated: undoing it clears the mark.
                escalated = escalated and undone.group(2) != "escalate"
        seq_of[action_id] = chain.append(
            time=_aware(at),
            actor=actor,
            role=role,
            action=action,
            comment=comment_id,
            article=article_id,
            from_status=before,
            to_status=after,
            escalated=escalated,
            reason=reason,
            reverts=reverts,
            note=note,
        )
        state[comment_id] = (after, escalated)
    now = datetime.now(UTC)
    columns = "SELECT id, article_id, status, escalated FROM comment"
    current = {
        row[0]: tuple(row)
        for row in connection.execute(sa.text(f"{columns} WHERE status != 'pending' OR escalated"))
    }
    # Comments back at pending: only those with a carried-over history can be unexplained.
    back = sorted(state.keys() - current.keys())
    for start in range(0, len(back), 500):
        chunk = back[start : start + 500]
        query = sa.text(f"{columns} WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        )
        current.update((row[0], tuple(row)) for row in connection.execute(query, {"ids": chunk}))
    unexplained = [
        row
        for row in current.values()
        if state.get(row[0], ("pending", False)) != (row[2], bool(row[3]))
    ]
    for comment_id, article_id, status, escalated in sorted(unexplained):
        chain.append(
            time=now,
            actor=SYSTEM,
            role=SYSTEM,
            action="carry-over",
            comment=comment_id,
            article=article_id,
            from_status=state.get(comment_id, ("pending", False))[0],
            to_status=status,
            escalated=bool(escalated),
            reason=None,
            reverts=None,
            note="the state this comment had when the log began",
        )
    chain.flush()
    return chain.seq, chain.prev


def downgrade() -> None:
    raise NotImplementedError("the moderation log cannot be turned back into moderation_action")
