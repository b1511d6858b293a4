"""Item models over the core's snapshots: the article list and the paged comment queue."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from moderator.display import one_line
from moderator.domain import Severity, Status
from moderator.importer import ImportReport
from moderator.queries import ArticleRow, CommentRow, QueueFilter, count_queue, list_articles
from moderator.queries import list_queue as query_queue
from moderator.services.changes import CommentChange, ModerationChange
from moderator.storage import Database
from ui.severity import DOT_COLOURS, RANK

AnyIndex = QModelIndex | QPersistentModelIndex
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PAGE_SIZE = 200
# The excerpt is one line in the table; the view elides it, this only bounds the string.
EXCERPT_CHARS = 300

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def counts_text(row: ArticleRow) -> str:
    """An article's queue at a glance: "3 pending · 2 flagged · 12 comments"."""
    parts = [f"{row.pending} pending"]
    if row.flagged_pending:
        parts.append(f"{row.flagged_pending} flagged")
    if row.hidden:
        parts.append(f"{row.hidden} hidden")
    parts.append(f"{row.comments} comment" + ("" if row.comments == 1 else "s"))
    return " · ".join(parts)


def posted_text(row: CommentRow) -> str:
    # Shown as stored, not in local time: scraped times are the site's own clock, and a
    # moderator compares them with what the page printed.
    return f"{row.posted_at:%d %b %Y %H:%M}"


def status_text(row: CommentRow) -> str:
    text = row.status.value.capitalize()
    return f"{text}, escalated" if row.escalated else text


def top_severity(row: CommentRow) -> Severity | None:
    """The gravest of the comment's flags, or None if no rule flagged it."""
    return max((flag.severity for flag in row.flags), key=RANK.__getitem__, default=None)


def flags_text(row: CommentRow) -> str:
    """ "high: insults, links": the gravest severity and which rules flagged the comment."""
    severity = top_severity(row)
    if severity is None:
        return ""
    rules = ", ".join(dict.fromkeys(flag.rule_id for flag in row.flags))
    return f"{severity.value}: {rules}"


def excerpt(body: str) -> str:
    return one_line(body, EXCERPT_CHARS)


@dataclass(frozen=True, slots=True)
class _ColumnSpec:
    header: str
    text: Callable[[CommentRow], str]
    width: int
    align: Qt.AlignmentFlag = _LEFT


class Column(Enum):
    """The queue's columns in display order; adding one is one line here."""

    POSITION = _ColumnSpec("#", lambda row: str(row.position), 40, _RIGHT)
    AUTHOR = _ColumnSpec("Author", lambda row: one_line(row.author, EXCERPT_CHARS), 130)
    POSTED = _ColumnSpec("Posted", posted_text, 120)
    ARTICLE = _ColumnSpec("Article", lambda row: one_line(row.article_title, EXCERPT_CHARS), 150)
    STATUS = _ColumnSpec("Status", status_text, 105)
    FLAGS = _ColumnSpec("Flags", flags_text, 125)
    # The last column takes whatever width is left (width 0: not set).
    EXCERPT = _ColumnSpec("Comment", lambda row: excerpt(row.body), 0)

    @property
    def header(self) -> str:
        return self.value.header


COLUMNS: tuple[Column, ...] = tuple(Column)


class ArticleRole(IntEnum):
    """Roles the article list answers besides display: what it filters and sorts by."""

    TITLE = Qt.ItemDataRole.UserRole + 1
    # Sort keys, each ordered so that "ascending" puts what needs attention first.
    NEWEST = Qt.ItemDataRole.UserRole + 2
    MOST_PENDING = Qt.ItemDataRole.UserRole + 3
    MOST_FLAGGED = Qt.ItemDataRole.UserRole + 4
    BY_TITLE = Qt.ItemDataRole.UserRole + 5


_ARTICLE_ROLES: dict[int, Callable[[ArticleRow], Any]] = {
    ArticleRole.TITLE: lambda row: row.title,
    ArticleRole.NEWEST: lambda row: -row.imported_at.timestamp(),
    ArticleRole.MOST_PENDING: lambda row: -row.pending,
    ArticleRole.MOST_FLAGGED: lambda row: -row.flagged_pending,
    ArticleRole.BY_TITLE: lambda row: row.title.casefold(),
}


class ArticleListModel(QAbstractListModel):
    """The articles, newest import first; each shows its title and how its queue stands.

    Counts follow decisions in place (``apply_change``) without re-querying; ``reload`` re-reads
    after an import.
    """

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._rows: list[ArticleRow] = []

    def reload(self) -> None:
        with self._database.session() as session:
            rows = list_articles(session)
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def apply_change(self, change: ModerationChange) -> None:
        """Move each decided comment from its old status count to its new one."""
        for step in change.comments:
            row = self.row_of(step.article_id)
            if row is None or step.from_status == step.to_status:
                continue
            self._rows[row] = _recount(self._rows[row], step)
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def on_imported(self, _report: ImportReport) -> None:
        self.reload()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{one_line(row.title, EXCERPT_CHARS)}\n{counts_text(row)}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{one_line(row.title, EXCERPT_CHARS)}, {counts_text(row)}"
        read = _ARTICLE_ROLES.get(role)
        return None if read is None else read(row)

    @property
    def articles(self) -> tuple[ArticleRow, ...]:
        return tuple(self._rows)

    def article(self, row: int) -> ArticleRow:
        return self._rows[row]

    def article_id(self, row: int) -> int:
        return self._rows[row].id

    def row_of(self, article_id: int) -> int | None:
        for row, article in enumerate(self._rows):
            if article.id == article_id:
                return row
        return None


def totals(rows: Iterable[ArticleRow]) -> ArticleRow:
    """Every article's counts added up, as one row ("All articles")."""
    rows = list(rows)
    return ArticleRow(
        id=0,
        title="All articles",
        source="",
        imported_at=max((row.imported_at for row in rows), default=_EPOCH),
        comments=sum(row.comments for row in rows),
        pending=sum(row.pending for row in rows),
        approved=sum(row.approved for row in rows),
        hidden=sum(row.hidden for row in rows),
        flagged=sum(row.flagged for row in rows),
        flagged_pending=sum(row.flagged_pending for row in rows),
    )


def _recount(row: ArticleRow, step: CommentChange) -> ArticleRow:
    field_of = {Status.PENDING: "pending", Status.APPROVED: "approved", Status.HIDDEN: "hidden"}
    before, after = field_of[step.from_status], field_of[step.to_status]
    counts = {before: getattr(row, before) - 1}
    counts[after] = getattr(row, after) + 1
    if step.flagged:
        left = step.from_status is Status.PENDING
        joined = step.to_status is Status.PENDING
        counts["flagged_pending"] = row.flagged_pending - left + joined
    return dataclasses.replace(row, **counts)


class CommentQueueModel(QAbstractTableModel):
    """One queue (an article's comments, perhaps of one status), fetched a page at a time.

    ``reload`` re-queries from the start; ``apply_change`` updates decided rows in place and
    drops the ones that no longer belong to the queue, so the selection around them survives.
    """

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        # None: no queue chosen yet (no article), so nothing to show or fetch.
        self._queue: QueueFilter | None = None
        self._rows: list[CommentRow] = []
        self._rows_by_id: dict[int, int] = {}
        self._total = 0
        # True while our own change signals are out: listeners (views, Qt's model tester) may
        # call fetchMore from them, and a nested insert would interleave the notifications.
        self._notifying = False

    @property
    def queue(self) -> QueueFilter | None:
        return self._queue

    @property
    def total(self) -> int:
        """How many comments the queue holds, fetched or not."""
        return self._total

    def set_queue(self, queue: QueueFilter | None) -> None:
        self._queue = queue
        self.reload()

    def on_imported(self, report: ImportReport) -> None:
        """Re-read when an import added comments this queue may show."""
        if self._queue is None:
            return
        article = self._queue.article_id
        if any(change.added and article in (None, change.article_id) for change in report.imported):
            self.reload()

    def reload(self) -> None:
        """Re-read the queue from the database, keeping only the first page."""
        total, rows = 0, []
        if self._queue is not None:
            with self._database.session() as session:
                total = count_queue(session, self._queue)
                rows = query_queue(session, self._queue, limit=PAGE_SIZE)
        self.beginResetModel()
        self._total = max(total, len(rows))
        self._set_rows(rows)
        self._notifying = True
        try:
            self.endResetModel()
        finally:
            self._notifying = False

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not (parent.isValid() or self._notifying) and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex) -> None:
        if self._queue is None or not self.canFetchMore(parent):
            return
        # Keyset paging: continue after the last row held, whatever left the queue meanwhile,
        # and as fast on the last page of a million rows as on the first.
        last = self._rows[-1] if self._rows else None
        with self._database.session() as session:
            page = query_queue(session, self._queue, limit=PAGE_SIZE, after=last)
        if not page:
            # The queue shrank behind our back (another desk); stop asking for more.
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self._notifying = True
        try:
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self._reindex(first)
            self.endInsertRows()
        finally:
            self._notifying = False

    def apply_change(self, change: ModerationChange) -> None:
        """Follow a decision: repaint changed rows, remove rows that left this queue."""
        gone: list[int] = []
        stale = False
        for step in change.comments:
            row = self._rows_by_id.get(step.comment_id)
            belongs_now = self._belongs(step.article_id, step.to_status, step.flagged)
            if row is not None:
                if belongs_now:
                    self._rows[row] = dataclasses.replace(
                        self._rows[row], status=step.to_status, escalated=step.escalated
                    )
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                else:
                    gone.append(row)
            elif self._belongs(step.article_id, step.from_status, step.flagged) and not belongs_now:
                # It sat in the part not fetched yet: only the total changes.
                self._total -= 1
            elif belongs_now and not self._belongs(step.article_id, step.from_status, step.flagged):
                # It joins the queue somewhere we cannot place without asking the database.
                stale = True
        self._remove_rows(gone)
        if stale:
            self.reload()

    def _belongs(self, article_id: int, status: Status, flagged: bool) -> bool:
        queue = self._queue
        return (
            queue is not None
            and (queue.article_id is None or queue.article_id == article_id)
            and (queue.status is None or queue.status == status)
            and (flagged or not queue.flagged)
        )

    def _remove_rows(self, rows: Iterable[int]) -> None:
        # Highest first, in contiguous runs, so the indices still to remove stay valid.
        for first, last in reversed(_runs(sorted(set(rows)))):
            self.beginRemoveRows(QModelIndex(), first, last)
            for comment in self._rows[first : last + 1]:
                del self._rows_by_id[comment.id]
            del self._rows[first : last + 1]
            self._total -= last - first + 1
            self._reindex(first)
            self.endRemoveRows()

    def _set_rows(self, rows: list[CommentRow]) -> None:
        self._rows = rows
        self._rows_by_id = {}
        self._reindex(0)

    def _reindex(self, start: int) -> None:
        # Only rows from ``start`` on moved; paging through a long queue stays linear.
        for row in range(start, len(self._rows)):
            self._rows_by_id[self._rows[row].id] = row

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        spec = COLUMNS[index.column()].value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return spec.text(self._rows[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return spec.align
        if role == Qt.ItemDataRole.DecorationRole and COLUMNS[index.column()] is Column.FLAGS:
            severity = top_severity(self._rows[index.row()])
            return None if severity is None else DOT_COLOURS[severity]
        # No ToolTipRole on purpose: tooltips guess rich text, and comment bodies are untrusted.
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return COLUMNS[section].value.align
        return None

    def comment(self, row: int) -> CommentRow:
        return self._rows[row]

    def comment_id(self, row: int) -> int:
        return self._rows[row].id

    def row_of(self, comment_id: int) -> int | None:
        return self._rows_by_id.get(comment_id)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
