"""The comment queue's table: one row per comment, compact, columns sized from the model's enum."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ui.queue_model import COLUMNS, CommentQueueModel


class CommentQueueView(QTableView):
    """A read-only, row-selecting table over a CommentQueueModel. No signals of its own."""

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

        rows = self.verticalHeader()
        rows.hide()
        # Fixed row heights keep a long queue cheap to lay out and scroll.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 10)

        header = self.horizontalHeader()
        header.setAccessibleName("Queue columns")
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for section, column in enumerate(COLUMNS):
            if column.value.width:
                header.resizeSection(section, column.value.width)
            else:
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
