"""Exports the moderation log, and each comment's current decision, to files, whole or not at all.

Files are written through :mod:`moderator.output.files`: beside their destination, moved into
place only once complete, so an export that fails (or is stopped) leaves no half-written file
behind and an earlier export of the same name untouched; and never onto the database itself.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, func, select, type_coerce
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, Status
from moderator.formats.errors import FormatError
from moderator.formats.inert import json_text, neutralised
from moderator.formats.log_export import (
    PROGRESS_EVERY,
    ChainSummary,
    DecisionFormat,
    LogFormat,
    Progress,
    side_file,
    unusable,
    write_log,
)
from moderator.formats.modlog import GENESIS, time_text
from moderator.log.queries import LogFilter, entry_rows, read_head
from moderator.output.files import STDOUT, check_output, start_output, written
from moderator.store.models import Article, Comment, LogEntryRow, utc_now

__all__ = ["STDOUT", "ExportStopped", "export_decisions", "export_log"]
# Entries that decide a comment's status (flags and notes do not).
DECIDING_ACTIONS = (
    ActionKind.APPROVE,
    ActionKind.HIDE,
    ActionKind.RESTORE,
    ActionKind.UNDO,
    ActionKind.REVERT,
    ActionKind.UPHOLD,
    ActionKind.OVERTURN,
    ActionKind.RETURN,
    "carry-over",
    # The state a platform export had the comment in, as imported.
    "import-state",
)
DECISION_COLUMNS = (
    "comment",
    "external_id",
    "article",
    "article_source",
    "status",
    "escalated",
    "reason",
    "decided_at",
    "decided_by",
    "entry",
)
_BATCH = 5000


class ExportStopped(Exception):  # noqa: N818 - a request, not a failure
    """Raised by a progress callback to end an export early; nothing is written."""


def _database_files(session: Session) -> tuple[Path, ...]:
    """The SQLite file ``session`` reads, which no export may write over."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return ()
    return (Path(url.database),)


def export_log(
    session: Session,
    out: Path | str,
    *,
    log_format: LogFormat,
    log_filter: LogFilter,
    bom: bool = False,
    progress: Progress | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> ChainSummary:
    """Write the entries ``log_filter`` selects, oldest first, with the chain's summary.

    The log's head is read first and the export stops there: entries appended meanwhile by
    other desks belong to the next export. ``bom`` starts a CSV with a byte-order mark (for
    spreadsheets that otherwise misread accents); JSON formats never have one.
    """
    head = read_head(session)
    head_seq, head_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
    entries = _usable(entry_rows(session, log_filter, up_to=head_seq))
    exported_at = utc_now()

    def summary(count: int, first: int | None, last: int | None) -> ChainSummary:
        # The last entry's hash, read in the export's own snapshot: a file cut short or with
        # an entry taken out no longer ends with it.
        last_hash = (
            None
            if last is None
            else session.scalar(select(LogEntryRow.hash).where(LogEntryRow.seq == last))
        )
        return ChainSummary(
            head_seq=head_seq,
            head_hash=head_hash,
            entries=count,
            first_seq=first,
            last_seq=last,
            exported_at=exported_at,
            filters=log_filter.described(),
            last_hash=last_hash,
        )

    databases = _database_files(session)
    chained = log_format is LogFormat.CSV and str(out) != STDOUT
    if chained:
        # Both refused before either is written.
        check_output(Path(out), databases=databases)
        check_output(side_file(Path(out)), databases=databases)
    with ExitStack() as undo:
        data = start_output(out, encoding=_encoding(bom=bom and chained), databases=databases)
        undo.callback(data.discard)
        made = write_log(
            data.stream,
            entries,
            log_format=log_format,
            summary=summary,
            progress=progress,
            progress_every=progress_every,
        )
        if not chained:
            data.commit()
            return made
        data.finish()
        chain = start_output(side_file(Path(out)), databases=databases)
        undo.callback(chain.discard)
        chain.stream.write(json_text({"chain": made.as_object()}, indent=1) + "\n")
        chain.finish()
        # Both are whole on disk: only renames are left. The sheet goes in place first and
        # its record after it, the old record gone before: a stop between the two leaves a
        # sheet without a record, never a sheet with another export's record.
        side_file(Path(out)).unlink(missing_ok=True)
        data.commit()
        chain.commit()
    return made


def _usable(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows, each checked first: a value the log never writes (stored by raw SQL, say)
    ends the export naming its entry, rather than being copied out or failing deep inside
    a writer."""
    for row in rows:
        problem = unusable(row)
        if problem is not None:
            raise FormatError(
                f"log entry {row[0]}",
                0,
                f"{problem}: a stored value the export cannot use, so nothing was exported"
                " (`moderator log verify` checks the whole log)",
            )
        yield row


def _encoding(*, bom: bool) -> str:
    return "utf-8-sig" if bom else "utf-8"


@dataclass(frozen=True, slots=True)
class Decision:
    """A comment's current decision, for the platform that publishes it."""

    comment: int
    external_id: str | None
    article: int
    article_source: str
    status: str
    escalated: bool
    reason: str | None
    decided_at: datetime
    decided_by: str
    entry: int

    def as_object(self) -> dict[str, Any]:
        return {
            "comment": self.comment,
            "external_id": self.external_id,
            "article": self.article,
            "article_source": self.article_source,
            "status": self.status,
            "escalated": self.escalated,
            "reason": self.reason,
            "decided_at": time_text(self.decided_at),
            "decided_by": self.decided_by,
            "entry": self.entry,
        }


def current_decisions(session: Session, *, since: datetime | None = None) -> Iterator[Decision]:
    """Every comment a decision was logged for, with the last one; ``since`` keeps those
    decided from then on. In comment order, a batch at a time."""
    last = select(LogEntryRow.comment_id, func.max(LogEntryRow.seq).label("seq")).where(
        LogEntryRow.comment_id.is_not(None), LogEntryRow.action.in_(DECIDING_ACTIONS)
    )
    if since is not None:
        last = last.where(LogEntryRow.created_at >= since)
    latest = last.group_by(LogEntryRow.comment_id).subquery()
    query = (
        select(
            Comment.id,
            Comment.external_id,
            Comment.article_id,
            Article.source,
            # As stored: SQLite keeps any value anywhere, and one the export cannot use is
            # refused naming its comment (below), not failed on in the driver's conversion.
            type_coerce(Comment.status, String),
            type_coerce(Comment.escalated, Integer),
            LogEntryRow.reason,
            type_coerce(LogEntryRow.created_at, String),
            LogEntryRow.actor,
            LogEntryRow.seq,
        )
        .join(latest, latest.c.comment_id == Comment.id)
        .join(LogEntryRow, LogEntryRow.seq == latest.c.seq)
        .join(Article, Article.id == Comment.article_id)
        .order_by(Comment.id)
        .limit(_BATCH)
    )
    after = 0
    while True:
        rows = session.execute(query.where(Comment.id > after)).all()
        for row in rows:
            yield _decision(row)
        if len(rows) < _BATCH:
            return
        after = rows[-1][0]


def _decision(row: Sequence[Any]) -> Decision:
    problem = _unusable_decision(row)
    if problem is not None:
        raise FormatError(
            f"comment {row[0]}",
            0,
            f"{problem} (log entry {row[9]}): a stored value the export cannot use, so"
            " nothing was exported (`moderator log verify` checks the whole log)",
        )
    status, decided_at = str(row[4]), row[7]
    if isinstance(decided_at, str):  # SQLite's text
        decided_at = datetime.fromisoformat(decided_at).replace(tzinfo=UTC)
    return Decision(
        comment=row[0],
        external_id=row[1],
        article=row[2],
        article_source=row[3],
        status=status,
        escalated=bool(row[5]),
        reason=row[6] if status == Status.HIDDEN else None,
        decided_at=decided_at,
        decided_by=row[8],
        entry=row[9],
    )


def _unusable_decision(row: Sequence[Any]) -> str | None:
    status, decided_at = row[4], row[7]
    if status not in set(Status):
        return f"its status is {status!r}, not one of {', '.join(Status)}"
    if row[5] not in (0, 1) or row[5].__class__ not in (int, bool):
        return f"its escalated is {row[5]!r}, not 0 or 1"
    named = {"external_id": row[1], "article source": row[3], "reason": row[6], "actor": row[8]}
    for name, value in named.items():
        if value is not None and not isinstance(value, str):
            return f"its {name} is {value!r}, not text"
    if isinstance(decided_at, datetime):
        return None
    try:
        datetime.fromisoformat(decided_at)
    except (TypeError, ValueError):
        return f"its decision's time is {decided_at!r}, not a time"
    return None


def export_decisions(
    session: Session,
    out: Path | str,
    *,
    decision_format: DecisionFormat,
    since: datetime | None = None,
    bom: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write :func:`current_decisions` to ``out``; how many."""
    count = 0
    with written(
        out,
        encoding=_encoding(bom=bom and decision_format is DecisionFormat.CSV),
        databases=_database_files(session),
    ) as stream:
        writer = csv.writer(stream) if decision_format is DecisionFormat.CSV else None
        if writer is not None:
            writer.writerow(DECISION_COLUMNS)
        for decision in current_decisions(session, since=since):
            item = decision.as_object()
            if writer is None:
                stream.write(json_text(item) + "\n")
            else:
                writer.writerow(
                    [
                        neutralised(value)
                        if isinstance(value, str)
                        else ("yes" if value else "no")
                        if isinstance(value, bool)
                        else ("" if value is None else value)
                        for value in item.values()
                    ]
                )
            count += 1
            if progress is not None and count % _BATCH == 0:
                progress(count)
    return count
