"""Item models for the review window: troubled threads, and one thread's comments as a tree."""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from moderator.output.display import one_line
from moderator.queries.review import ThreadItem, TroubledThread
from ui.comments.queue_model import flags_text, status_text
from ui.common.messages import plain_tooltip

AnyIndex = QModelIndex | QPersistentModelIndex
# How far a reply is indented per level, in characters.
INDENT = "    "


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class _SnapshotTable(QAbstractTableModel):
    """A flat table over a list of snapshots; subclasses name COLUMNS and say what cells show."""

    COLUMNS: tuple[Enum, ...] = ()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else self._length()

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self.COLUMNS)

    def _length(self) -> int:
        raise NotImplementedError

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section].value if 0 <= section < len(self.COLUMNS) else None
        return None


class ThreadsColumn(Enum):
    ARTICLE = "Article"
    WHY = "Why"
    WAITING = "Waiting since"


class ThreadsModel(_SnapshotTable):
    """Troubled threads (snapshots), most urgent first. No signals of its own."""

    COLUMNS = tuple(ThreadsColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TroubledThread] = []

    def set_rows(self, rows: list[TroubledThread]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def troubled(self, row: int) -> TroubledThread | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, article_id: int) -> int | None:
        for row, thread in enumerate(self._rows):
            if thread.article_id == article_id:
                return row
        return None

    def _length(self) -> int:
        return len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        thread = self.troubled(index.row()) if index.isValid() else None
        if thread is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        column = self.COLUMNS[index.column()]
        if column is ThreadsColumn.ARTICLE:
            lock = "🔒 " if thread.locked else ""
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tooltip(lock + thread.title)
            return lock + one_line(thread.title, 70)
        if column is ThreadsColumn.WHY:
            return thread.why()
        return thread.waiting_since.astimezone().strftime("%d %b %Y %H:%M")


class ThreadColumn(Enum):
    COMMENT = "Comment"
    STATUS = "Status"
    FLAGS = "Flags"


class ThreadModel(_SnapshotTable):
    """One article's comments, replies indented under what they answer. No signals of its own."""

    COLUMNS = tuple(ThreadColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[ThreadItem] = []

    def set_items(self, items: list[ThreadItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> ThreadItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, comment_id: int) -> int | None:
        for row, item in enumerate(self._items):
            if item.comment.id == comment_id:
                return row
        return None

    def _length(self) -> int:
        return len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        comment = item.comment
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column is ThreadColumn.COMMENT:
                reply = "↳ " if item.depth else ""
                text = f"{comment.author}: {one_line(comment.body, 90)}"
                return f"{INDENT * item.depth}{reply}{text}"
            if column is ThreadColumn.STATUS:
                return status_text(comment)
            return flags_text(comment)
        if role == Qt.ItemDataRole.FontRole and comment.escalated:
            # Escalated comments stand out: they are what the editor is here for.
            return _bold()
        return None
