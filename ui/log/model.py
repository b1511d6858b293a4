"""The moderation log as a table: newest entry first, a row for every entry, read by the page.

The log may hold millions of entries. The model knows how many the filter lets through and
holds only pages of them (200 entries each) near where the view has been: ``data()`` never
reads; a row not held shows ``…`` and its page is read on the next turn of the event loop,
from the neighbouring page held (by entry number) or else from the nearer end of the log.
The entries shown stop at the log's head as it was when the filter was applied, so entries
appended meanwhile never shift the rows under the reader; :meth:`refresh` takes them in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from moderator.formats.modlog import LogEntry
from moderator.log.queries import LogFilter, count_entries, list_entries, read_head
from moderator.store.database import Database
from ui.common.messages import plain_tooltip

PAGE = 200
# Pages kept beyond those last read: enough to scroll back and forth without reading again.
KEEP_PAGES = 40
NOT_READ_YET = "…"

AnyIndex = QModelIndex | QPersistentModelIndex


class LogColumn(Enum):
    SEQ = "#"
    TIME = "Time"
    ACTOR = "Who"
    ACTION = "Action"
    COMMENT = "Comment"
    ARTICLE = "Article"
    CHANGE = "Status"
    REASON = "Reason"
    NOTE = "Note"


COLUMNS = tuple(LogColumn)


def local_time(entry: LogEntry) -> str:
    """The entry's time as the reader's clock shows it."""
    return entry.time.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def who(entry: LogEntry) -> str:
    if entry.role == "system":
        return "system (rules)" if entry.rule_set else "system"
    return f"{entry.actor} ({entry.role})"


def status_change(entry: LogEntry) -> str:
    if entry.from_status is None and entry.to_status is None:
        return ""
    change = (
        entry.to_status
        if entry.from_status == entry.to_status
        else f"{entry.from_status} → {entry.to_status}"
    )
    return f"{change}, escalated" if entry.escalated else str(change)


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


_CELLS: dict[LogColumn, Callable[[LogEntry], str]] = {
    LogColumn.SEQ: lambda entry: f"{entry.seq:,}",
    LogColumn.TIME: local_time,
    LogColumn.ACTOR: who,
    LogColumn.ACTION: lambda entry: (
        entry.action + (f" of #{entry.reverts:,}" if entry.reverts else "")
    ),
    LogColumn.COMMENT: lambda entry: "" if entry.comment is None else f"#{entry.comment}",
    LogColumn.ARTICLE: lambda entry: "" if entry.article is None else f"#{entry.article}",
    LogColumn.CHANGE: status_change,
    LogColumn.REASON: lambda entry: entry.reason or "",
    LogColumn.NOTE: lambda entry: one_line(entry.note)[:200],
}


def cell(entry: LogEntry, column: LogColumn) -> str:
    """What a column shows of an entry."""
    return _CELLS[column](entry)


class LogModel(QAbstractTableModel):
    """Rows are log entries, newest first; see the module's description for how they are read.

    No signals of its own beyond the model's.
    """

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._filter = LogFilter()
        self._total = 0
        self._up_to = 0
        self._pages: dict[int, list[LogEntry]] = {}
        self._wanted: set[int] = set()
        self._reader = QTimer(self)
        self._reader.setSingleShot(True)
        self._reader.setInterval(0)
        self._reader.timeout.connect(self._read_wanted)

    @property
    def log_filter(self) -> LogFilter:
        return self._filter

    @property
    def total(self) -> int:
        return self._total

    @property
    def up_to(self) -> int:
        """The last entry number the rows may show (the head when the filter was applied)."""
        return self._up_to

    @property
    def reading(self) -> bool:
        return bool(self._wanted) or self._reader.isActive()

    @property
    def held_pages(self) -> list[int]:
        return sorted(self._pages)

    def set_filter(self, log_filter: LogFilter) -> None:
        self._filter = log_filter
        self.reload()

    def reload(self) -> None:
        """Count the entries the filter lets through up to the log's head, read the first page."""
        with self._database.session() as session:
            head = read_head(session)
            up_to = 0 if head is None else head.seq
            total = count_entries(session, self._filter, up_to=up_to) if up_to else 0
            first = list_entries(session, self._filter, limit=PAGE, up_to=up_to) if total else []
        self.beginResetModel()
        self._up_to, self._total = up_to, total
        self._pages = {0: first} if first else {}
        self._wanted.clear()
        self.endResetModel()

    def refresh(self) -> int:
        """Take in entries appended since the last read (they go on top); how many rows came.

        Rows already held keep their entries: they are moved down by the number that came.
        """
        with self._database.session() as session:
            head = read_head(session)
            up_to = 0 if head is None else head.seq
            if up_to <= self._up_to:
                return 0
            added = count_entries(session, self._filter, after=self._up_to, up_to=up_to)
        self._up_to = up_to
        if not added:
            return 0
        self.beginInsertRows(QModelIndex(), 0, added - 1)
        shifted: dict[int, list[LogEntry]] = {}
        # Pages are fixed stretches of rows: whole pages move only when PAGE rows came.
        if added % PAGE == 0:
            shifted = {page + added // PAGE: rows for page, rows in self._pages.items()}
        self._pages = shifted
        self._total += added
        self.endInsertRows()
        return added

    def entry(self, row: int) -> LogEntry | None:
        """The entry at ``row``, read now if it is not held; None past the end."""
        if not 0 <= row < self._total:
            return None
        page = row // PAGE
        if page not in self._pages:
            self._read(page)
        rows = self._pages.get(page, [])
        index = row - page * PAGE
        return rows[index] if index < len(rows) else None

    # --- reading -------------------------------------------------------------------------

    def _want(self, page: int) -> None:
        self._wanted.add(page)
        if not self._reader.isActive():
            self._reader.start()

    def _read_wanted(self) -> None:
        wanted, self._wanted = sorted(self._wanted), set()
        for page in wanted:
            if page not in self._pages:
                self._read(page)

    def _read(self, page: int) -> None:
        first = page * PAGE
        count = min(PAGE, self._total - first)
        if count <= 0:
            return
        with self._database.session() as session:
            rows = self._page_rows(session, page, count)
        self._pages[page] = rows
        self._keep_near(page)
        if len(rows) < count:
            # The log holds fewer entries than counted (it was damaged meanwhile).
            self.reload()
            return
        self.dataChanged.emit(
            self.index(first, 0),
            self.index(first + count - 1, len(COLUMNS) - 1),
            [Qt.ItemDataRole.DisplayRole],
        )

    def _page_rows(self, session: Any, page: int, count: int) -> list[LogEntry]:
        up_to = self._up_to
        above = self._pages.get(page - 1)
        if above:
            return list_entries(
                session, self._filter, limit=count, before=above[-1].seq, up_to=up_to
            )
        below = self._pages.get(page + 1)
        if below:
            rows = list_entries(
                session,
                self._filter,
                limit=count,
                after=below[0].seq,
                newest_first=False,
                up_to=up_to,
            )
            return rows[::-1]
        from_top = page * PAGE
        from_bottom = self._total - from_top - count
        if from_top <= from_bottom:
            return list_entries(session, self._filter, limit=count, offset=from_top, up_to=up_to)
        rows = list_entries(
            session,
            self._filter,
            limit=count,
            offset=from_bottom,
            newest_first=False,
            up_to=up_to,
        )
        return rows[::-1]

    def _keep_near(self, page: int) -> None:
        if len(self._pages) <= KEEP_PAGES:
            return
        for far in sorted(self._pages, key=lambda held: abs(held - page))[KEEP_PAGES:]:
            del self._pages[far]

    # --- Qt's model interface ---------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return int(right) if column is LogColumn.SEQ else None
        row = index.row()
        rows = self._pages.get(row // PAGE)
        entry = rows[row % PAGE] if rows is not None and row % PAGE < len(rows) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return None if entry is None else _tooltip(entry, column)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if entry is None:
            self._want(row // PAGE)
            return NOT_READ_YET if column is LogColumn.SEQ else ""
        return cell(entry, column)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section].value
        return None


def _tooltip(entry: LogEntry, column: LogColumn) -> str | None:
    if column is LogColumn.NOTE and entry.note:
        return plain_tooltip(entry.note)
    if column is LogColumn.TIME:
        return entry.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    return None
