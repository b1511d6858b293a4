"""Appends to the moderation log: the one place an entry is written, chained to the last one."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from moderator.domain import SYSTEM
from moderator.domain.errors import ServiceError
from moderator.formats.modlog import LogEntry, entry_hash, evidence_text, text_digest
from moderator.store.batching import chunked
from moderator.store.bulk import insert_many
from moderator.store.models import Base, Flag, LogEntryRow, LogHead, Profile, utc_now
from moderator.store.notify import announce

HEAD_ID = 1


class LogIntegrityError(ServiceError):
    """The log cannot be appended to as it stands: its head record is gone or was changed."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who an entry names: a person and the role they act in, or the rules (``system``)."""

    name: str
    role: str
    rule_set: str | None = None

    @classmethod
    def of(cls, profile: Profile) -> Actor:
        return cls(profile.name, str(profile.role))

    @classmethod
    def rules(cls, version: str) -> Actor:
        return cls(SYSTEM, SYSTEM, version)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """What one entry says, before the log numbers and chains it."""

    action: str
    comment_id: int | None = None
    article_id: int | None = None
    from_status: str | None = None
    to_status: str | None = None
    escalated: bool | None = None
    reason: str | None = None
    reverts: int | None = None
    note: str | None = None
    # Canonical JSON text (``formats.modlog.evidence_text``).
    evidence: str | None = None


def lock_log(session: Session) -> None:
    """Take the log's head lock now (PostgreSQL; SQLite's write transaction already has it).

    A unit of work that will lock comments and then append takes this first: every writer
    then locks in the same order (the log, then comments) and two desks can never each hold
    what the other waits for.
    """
    session.execute(select(LogHead.seq).where(LogHead.id == HEAD_ID).with_for_update())


def append(
    session: Session, actor: Actor, entries: Sequence[NewEntry], *, at: datetime | None = None
) -> list[int]:
    """Add the entries to the end of the log in the caller's unit of work; their numbers.

    The head row is locked first (PostgreSQL; SQLite's write transaction already excludes
    other writers) and moved only from the state it was read in, so two desks can never both
    extend the chain from the same entry.
    """
    if not entries:
        return []
    head = session.execute(
        select(LogHead.seq, LogHead.hash).where(LogHead.id == HEAD_ID).with_for_update()
    ).first()
    if head is None:
        raise LogIntegrityError(
            "the moderation log has lost its head record, so nothing can be added to it;"
            " `moderator log verify` shows what else changed"
        )
    first_seq, prev = head
    now = utc_now() if at is None else at
    rows: list[dict[str, Any]] = []
    for seq, new in enumerate(entries, first_seq + 1):
        entry = LogEntry(
            seq=seq,
            prev=prev,
            time=now,
            actor=actor.name,
            role=actor.role,
            action=new.action,
            comment=new.comment_id,
            article=new.article_id,
            from_status=new.from_status,
            to_status=new.to_status,
            escalated=new.escalated,
            reason=new.reason,
            rule_set=actor.rule_set,
            reverts=new.reverts,
            note=new.note,
            evidence=new.evidence,
        )
        prev = entry_hash(entry)
        rows.append(
            {
                "seq": seq,
                "prev_hash": entry.prev,
                "created_at": now,
                "actor": actor.name,
                "role": actor.role,
                "action": new.action,
                "comment_id": new.comment_id,
                "article_id": new.article_id,
                "from_status": new.from_status,
                "to_status": new.to_status,
                "escalated": new.escalated,
                "reason": new.reason,
                "rule_set_version": actor.rule_set,
                "reverts": new.reverts,
                "note": new.note,
                "evidence": new.evidence,
                "hash": prev,
            }
        )
    insert_many(session, Base.metadata.tables[LogEntryRow.__tablename__], rows)
    last_seq = first_seq + len(rows)
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(LogHead)
            .where(LogHead.id == HEAD_ID, LogHead.seq == first_seq)
            .values(seq=last_seq, hash=prev),
            execution_options={"synchronize_session": False},
        ),
    )
    if moved.rowcount != 1:
        raise LogIntegrityError("another desk extended the log at the same moment; try again")
    announce(session)
    return list(range(first_seq + 1, last_seq + 1))


Hit = tuple[str, str, list[list[int]], str]  # rule id, severity, spans, explanation
# The words a hit covers, as evidence, up to this many characters: a measured rule's span is
# the whole comment, and a 1 MB comment must not make a 1 MB log entry (its hash and the
# spans say exactly what was decided on).
MATCHED_LIMIT = 200


def _excerpt(text: str) -> str:
    if len(text) <= MATCHED_LIMIT:
        return text
    return f"{text[:MATCHED_LIMIT]}… ({len(text):,} characters)"


def evidence(body: str, hits: Iterable[Hit]) -> str:
    """A decision's evidence: the hash of the text decided on, and each rule hit in it with
    its spans and the words they cover."""
    listed = [
        {
            "rule": rule,
            "severity": severity,
            "spans": [list(span) for span in spans],
            "matched": [_excerpt(body[start:end]) for start, end in spans],
            "explanation": explanation,
        }
        for rule, severity, spans, explanation in sorted(hits, key=lambda hit: (hit[0], hit[2]))
    ]
    return cast(str, evidence_text({"text_sha256": text_digest(body), "hits": listed}))


def stored_hits(session: Session, ids: Collection[int]) -> dict[int, list[Hit]]:
    """The rule hits stored for these comments (those without any are left out)."""
    found: dict[int, list[Hit]] = {}
    query = select(Flag.comment_id, Flag.rule_id, Flag.severity, Flag.spans, Flag.explanation)
    for chunk in chunked(sorted(ids)):
        for comment_id, rule, severity, spans, explanation in session.execute(
            query.where(Flag.comment_id.in_(chunk))
        ):
            found.setdefault(comment_id, []).append((rule, str(severity), spans, explanation))
    return found
