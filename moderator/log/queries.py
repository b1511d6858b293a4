"""Reads the moderation log: filters, streams for exports, pages for the log window."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from moderator.formats.modlog import LogEntry
from moderator.queries.queue import contains
from moderator.store.models import LogEntryRow, LogHead

# The columns of an entry in ``formats.modlog.FIELDS`` order, then its hash.
ENTRY_COLUMNS = (
    LogEntryRow.seq,
    LogEntryRow.prev_hash,
    LogEntryRow.created_at,
    LogEntryRow.actor,
    LogEntryRow.role,
    LogEntryRow.action,
    LogEntryRow.comment_id,
    LogEntryRow.article_id,
    LogEntryRow.from_status,
    LogEntryRow.to_status,
    LogEntryRow.escalated,
    LogEntryRow.reason,
    LogEntryRow.rule_set_version,
    LogEntryRow.reverts,
    LogEntryRow.note,
    LogEntryRow.evidence,
    LogEntryRow.hash,
)
STREAM_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which entries to show or export; every field set narrows it (all of them at once)."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    reason: str | None = None
    article_id: int | None = None
    comment_id: int | None = None
    # Words that must all appear in the note or the actor's name (case-insensitive).
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == LogFilter()

    def described(self) -> dict[str, str]:
        """The filter's set fields as text, for an export's chain record."""
        found = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None or value == "":
                continue
            found[field.name] = value.isoformat() if isinstance(value, datetime) else str(value)
        return found

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(LogEntryRow.created_at >= self.since)
        if self.until is not None:
            found.append(LogEntryRow.created_at < self.until)
        if self.actor is not None:
            found.append(LogEntryRow.actor == self.actor)
        if self.action is not None:
            found.append(LogEntryRow.action == self.action)
        if self.reason is not None:
            found.append(LogEntryRow.reason == self.reason)
        if self.article_id is not None:
            found.append(LogEntryRow.article_id == self.article_id)
        if self.comment_id is not None:
            found.append(LogEntryRow.comment_id == self.comment_id)
        for word in self.text.split():
            pattern = contains(word)
            found.append(
                or_(
                    LogEntryRow.note.ilike(pattern, escape="\\"),
                    LogEntryRow.actor.ilike(pattern, escape="\\"),
                )
            )
        return found


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: str


def read_head(session: Session) -> ChainHead | None:
    """The log's head record (None if it is gone, which only tampering does)."""
    row = session.execute(select(LogHead.seq, LogHead.hash).where(LogHead.id == 1)).first()
    return None if row is None else ChainHead(row[0], row[1])


def _selected(log_filter: LogFilter) -> Select[*tuple[Any, ...]]:
    return select(*ENTRY_COLUMNS).where(*log_filter.conditions())


def _entry(row: Any) -> LogEntry:
    if isinstance(row[2], str):  # SQLite's stored text, as entry_rows reads it
        row = (*row[:2], datetime.fromisoformat(row[2]).replace(tzinfo=UTC), *row[3:])
    return LogEntry(*row)


def _row_columns(dialect: str) -> tuple[Any, ...]:
    """:data:`ENTRY_COLUMNS`, with the time as SQLite stores it (text) on SQLite."""
    if dialect != "sqlite":
        return ENTRY_COLUMNS
    stored = type_coerce(LogEntryRow.created_at, String).label("created_at")
    return (*ENTRY_COLUMNS[:2], stored, *ENTRY_COLUMNS[3:])


def entry_batches(
    connection: Connection, log_filter: LogFilter, *, after: int = 0, up_to: int | None = None
) -> Iterator[Sequence[Any]]:
    """Entries as plain rows (:data:`ENTRY_COLUMNS`; the time as stored text on SQLite) in
    log order, after entry ``after`` and up to ``up_to``, a batch at a time: keyset paging by
    number, so memory stays flat and the database never re-reads what it skipped."""
    query = (
        select(*_row_columns(connection.dialect.name))
        .where(*log_filter.conditions())
        .order_by(LogEntryRow.seq)
        .limit(STREAM_BATCH)
    )
    if up_to is not None:
        query = query.where(LogEntryRow.seq <= up_to)
    while True:
        result = connection.execute(query.where(LogEntryRow.seq > after))
        # The driver's own tuples: no result rows to build, no values to convert (the time
        # stays text on SQLite, the escalation 0 or 1), which halves the cost of a read.
        assert result.cursor is not None
        rows = result.cursor.fetchall()
        result.close()
        if rows:
            yield rows
        if len(rows) < STREAM_BATCH:
            return
        after = rows[-1][0]


def entry_rows(
    session: Session, log_filter: LogFilter, *, up_to: int | None = None
) -> Iterator[Sequence[Any]]:
    """:func:`entry_batches` in the session's transaction, row by row."""
    for batch in entry_batches(session.connection(), log_filter, up_to=up_to):
        yield from batch


def stream_entries(
    session: Session, log_filter: LogFilter, *, up_to: int | None = None
) -> Iterator[LogEntry]:
    """:func:`entry_rows` as entries."""
    for row in entry_rows(session, log_filter, up_to=up_to):
        yield _entry(row)


def count_entries(
    session: Session, log_filter: LogFilter, *, after: int = 0, up_to: int | None = None
) -> int:
    """How many entries the filter lets through, after entry ``after`` and up to ``up_to``
    (if given). Counted, not taken from the head: a damaged log must still list what it
    holds."""
    query = select(func.count()).select_from(LogEntryRow).where(*log_filter.conditions())
    if after:
        query = query.where(LogEntryRow.seq > after)
    if up_to is not None:
        query = query.where(LogEntryRow.seq <= up_to)
    return int(session.scalar(query) or 0)


def list_entries(
    session: Session,
    log_filter: LogFilter,
    *,
    limit: int,
    before: int | None = None,
    after: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
    up_to: int | None = None,
) -> list[LogEntry]:
    """A page of entries: newest first by default, from just past ``before``/``after`` (entry
    numbers), skipping ``offset`` more; none past entry ``up_to``."""
    query = _selected(log_filter)
    if before is not None:
        query = query.where(LogEntryRow.seq < before)
    if after is not None:
        query = query.where(LogEntryRow.seq > after)
    if up_to is not None:
        query = query.where(LogEntryRow.seq <= up_to)
    order = LogEntryRow.seq.desc() if newest_first else LogEntryRow.seq.asc()
    rows = session.execute(query.order_by(order).limit(limit).offset(offset)).all()
    return [_entry(row) for row in rows]


def get_entry(session: Session, seq: int) -> LogEntry | None:
    row = session.execute(select(*ENTRY_COLUMNS).where(LogEntryRow.seq == seq)).first()
    return None if row is None else _entry(row)


def distinct_values(session: Session, column: str) -> list[str]:
    """The actors, actions or reasons the log holds, for the log window's filter lists."""
    targets: dict[str, Any] = {
        "actor": LogEntryRow.actor,
        "action": LogEntryRow.action,
        "reason": LogEntryRow.reason,
    }
    target = targets[column]
    # The (value, seq) indexes make this a skip through the index, not a scan of the log.
    return [
        value
        for value in session.scalars(select(target).distinct().order_by(target))
        if value is not None
    ]


def previous_state(session: Session, entry: LogEntry) -> tuple[str, bool]:
    """A comment's status and escalation just before ``entry`` (as logged before it)."""
    row = session.execute(
        select(LogEntryRow.to_status, LogEntryRow.escalated)
        .where(
            LogEntryRow.comment_id == entry.comment,
            LogEntryRow.seq < entry.seq,
            LogEntryRow.to_status.is_not(None),
        )
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return "pending", False
    return str(row[0]), bool(row[1])


def made_by(session: Session, seq: int) -> str:
    """ " (by NAME at TIME UTC)": who made log entry ``seq``; "" if there is none."""
    row = session.execute(
        select(LogEntryRow.actor, LogEntryRow.created_at).where(LogEntryRow.seq == seq)
    ).first()
    return "" if row is None else _by(row[0], row[1])


def _by(actor: str, at: datetime) -> str:
    return f" (by {actor} at {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def decided_by(session: Session, comment_id: int) -> str:
    """ " (by NAME at TIME UTC)": who left a comment in its present state, from the log; "" if
    no entry says (a comment never decided)."""
    row = session.execute(
        select(LogEntryRow.actor, LogEntryRow.created_at)
        .where(
            LogEntryRow.comment_id == comment_id,
            LogEntryRow.to_status.is_not(None),
            LogEntryRow.from_status != LogEntryRow.to_status,
        )
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return ""
    return _by(row[0], row[1])
