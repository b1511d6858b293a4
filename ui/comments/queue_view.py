"""The comment queue's table, and the one rule for which of its comments a decision acts on."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ui.comments.flag_chips import ChipDelegate
from ui.comments.queue_model import COLUMNS, Column, CommentQueueModel

# The keys that move the current row. Qt keeps the old selection when Ctrl is held with them
# (Ctrl+Home, Ctrl+End), which let a decision land on a row scrolled out of sight.
_MOVES = frozenset(
    {
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_Home,
        Qt.Key.Key_End,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
        Qt.Key.Key_Left,
        Qt.Key.Key_Right,
    }
)
_SELECT_ROW = (
    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
)
# The comment's text never gets narrower than this many average characters: in a narrow
# queue with every column shown it shrank to a letter ("T…"); the queue scrolls sideways.
COMMENT_MIN_CHARS = 24


@dataclass(frozen=True, slots=True)
class Targets:
    """What a decision made now acts on: ``count`` comments, the first of them at ``rows``
    (in queue order; at most as many as asked for)."""

    count: int
    rows: tuple[int, ...]


class CommentQueueView(QTableView):
    """A read-only, row-selecting table over a CommentQueueModel.

    The selection is what decisions act on (:meth:`targets`), so every move of the current row
    by the keyboard selects the row it lands on, unless Shift extends the selection.

    Signals:
        typed(str): a printable key reached the queue unbound (a decision's key while the
            decision is off, say); the queue never jumps to a row by its first letter.
        clearing(): Escape was pressed on the queue.
    """

    typed = Signal(str)
    clearing = Signal()

    def __init__(self, model: CommentQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentQueue")
        self.setAccessibleName("Comment queue")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)

        self.setItemDelegateForColumn(COLUMNS.index(Column.FLAGS), ChipDelegate(self))

        rows = self.verticalHeader()
        rows.hide()
        # Fixed row heights keep a long queue cheap to lay out and scroll.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)

        header = self.horizontalHeader()
        header.setAccessibleName("Queue columns")
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        for section, column in enumerate(COLUMNS):
            width = column.width(self.fontMetrics())
            if width:
                header.resizeSection(section, width)
            else:
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(self._keep_the_comment_readable)

    @property
    def comment_min_width(self) -> int:
        return COMMENT_MIN_CHARS * self.fontMetrics().averageCharWidth()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_the_comment_readable()

    def _keep_the_comment_readable(self, *_: object) -> None:
        """Let the comment column stretch while there is room for its text; past that, hold
        it at its least width and let the queue scroll sideways."""
        header = self.horizontalHeader()
        comment = COLUMNS.index(Column.EXCERPT)
        others = sum(
            header.sectionSize(section)
            for section in range(header.count())
            if section != comment and not header.isSectionHidden(section)
        )
        roomy = self.viewport().width() - others >= self.comment_min_width
        mode = QHeaderView.ResizeMode.Stretch if roomy else QHeaderView.ResizeMode.Interactive
        if header.sectionResizeMode(comment) != mode:
            header.setSectionResizeMode(comment, mode)
        if not roomy and header.sectionSize(comment) < self.comment_min_width:
            header.resizeSection(comment, self.comment_min_width)

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in _MOVES
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            return _SELECT_ROW
        return super().selectionCommand(index, event)

    def moveCursor(
        self,
        cursor_action: QAbstractItemView.CursorAction,
        modifiers: Qt.KeyboardModifier,
    ) -> QModelIndex:
        # A row per comment: Home and End go to the first and last comment (in a table they
        # would go to the first and last column), as Ctrl+Home and Ctrl+End do.
        if cursor_action in (
            QAbstractItemView.CursorAction.MoveHome,
            QAbstractItemView.CursorAction.MoveEnd,
        ):
            modifiers |= Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(cursor_action, modifiers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clearing.emit()
            event.accept()
            return
        plain = not event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if plain and event.text().isprintable() and event.text().strip():
            self.typed.emit(event.text())
            event.accept()
            return
        super().keyPressEvent(event)
        # A move that goes nowhere (Ctrl+Home on the first row) leaves Qt's selection as it
        # was: it must still come down to the row the key was meant to show.
        current = self.currentIndex()
        if (
            event.key() in _MOVES
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            and current.isValid()
            and self.targets(2).rows != (current.row(),)
        ):
            self.select_row(current.row())

    def keyboardSearch(self, search: str) -> None:
        # Letters and digits are the desk's keys: a key that does nothing must not move the
        # selection to a row that happens to start with it.
        return

    def select_row(self, row: int) -> None:
        """Make ``row`` current and the only one selected, and scroll to it."""
        index = self.model().index(row, 0)
        if index.isValid():
            self.selectionModel().setCurrentIndex(index, _SELECT_ROW)
            self.scrollTo(index)

    def targets(self, limit: int) -> Targets:
        """What a decision acts on, written once for the decisions and the detail pane alike:
        the selected rows, or the current row when none is selected; ``limit`` rows listed."""
        selection = self.selectionModel().selection()
        count = rows_spanned(selection)
        if count == 0:
            current = self.currentIndex()
            return Targets(1, (current.row(),)) if current.isValid() else Targets(0, ())
        return Targets(count, first_rows(selection, limit))


def _spans(selection: QItemSelection) -> list[tuple[int, int]]:
    """The selection's row ranges, sorted and merged: ranges may overlap (Ctrl+click)."""
    parts = (selection.at(i) for i in range(selection.size()))
    merged: list[tuple[int, int]] = []
    for top, bottom in sorted((part.top(), part.bottom()) for part in parts):
        if merged and top <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


def rows_spanned(selection: QItemSelection) -> int:
    """How many rows a selection covers, from its ranges without listing the rows: Ctrl+A in a
    long queue is one range of a million rows."""
    return sum(bottom - top + 1 for top, bottom in _spans(selection))


def first_rows(selection: QItemSelection, limit: int) -> tuple[int, ...]:
    """The first ``limit`` selected rows in queue order."""
    rows: list[int] = []
    for top, bottom in _spans(selection):
        rows.extend(range(top, min(bottom + 1, top + limit - len(rows))))
        if len(rows) >= limit:
            break
    return tuple(rows)
