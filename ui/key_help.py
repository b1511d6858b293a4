"""The "?" window: every key and what it does, written from the keymap that binds them."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.keymap import KEYMAP


def key_rows() -> list[tuple[str, str]]:
    """(key as this platform writes it, what it does), in keymap order."""
    return [
        (
            QKeySequence(binding.shortcut).toString(QKeySequence.SequenceFormat.NativeText),
            binding.help,
        )
        for binding in KEYMAP
    ]


class KeyHelp(QDialog):
    """A read-only table of the keymap; it cannot disagree with the keys, it is made of them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyHelp")
        self.setWindowTitle("Keyboard shortcuts")
        rows = key_rows()
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("keyTable")
        self.table.setHorizontalHeaderLabels(["Key", "Does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        for row, (key, does) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(key))
            self.table.setItem(row, 1, QTableWidgetItem(does))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 440)
