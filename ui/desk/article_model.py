"""The article list's model over the core's snapshots (the comment queue's is in
:mod:`ui.comments.queue_model`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from moderator.domain import Status
from moderator.imports.importer import ImportReport
from moderator.output.display import one_line
from moderator.queries.snapshots import ArticleRow, list_articles
from moderator.services.changes import CommentChange, ModerationChange
from moderator.services.live import log_head
from moderator.store.database import Database
from ui.comments.queue_model import EXCERPT_CHARS

AnyIndex = QModelIndex | QPersistentModelIndex
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def counts_text(row: ArticleRow) -> str:
    """An article's queue at a glance: "3 pending · 2 flagged · 12 comments"."""
    parts = [f"{row.pending:,} pending"]
    if row.flagged_pending:
        parts.append(f"{row.flagged_pending:,} flagged")
    if row.hidden:
        parts.append(f"{row.hidden:,} hidden")
    parts.append(f"{row.comments:,} comment" + ("" if row.comments == 1 else "s"))
    return " · ".join(parts)


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
        self._row_by_id: dict[int, int] = {}
        # The log entry the last read saw: decisions up to it are in the counts already.
        self._as_of = 0

    def reload(self) -> None:
        with self._database.session() as session:
            # First: a change committed during the read is then followed, not counted twice.
            self._as_of = log_head(session)
            rows = list_articles(session)
        self.beginResetModel()
        self._rows = rows
        self._row_by_id = {article.id: row for row, article in enumerate(rows)}
        self.endResetModel()

    def apply_change(self, change: ModerationChange) -> None:
        """Move each decided comment from its old status count to its new one; each article
        touched is told once (a bulk decision may move thousands of comments)."""
        touched: set[int] = set()
        for step in change.comments:
            row = self.row_of(step.article_id)
            if row is None or step.from_status == step.to_status or step.entry_seq <= self._as_of:
                continue
            self._rows[row] = _recount(self._rows[row], step)
            touched.add(row)
        for row in sorted(touched):
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
        return self._row_by_id.get(article_id)


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
