"""The "?" window: every key and what it does, written from the tables that bind them."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ui.desk.keymap import KEYMAP
from ui.dialogs.reason import DIGITS
from ui.review.window import REVIEW_KEYS

# The desk's own menus, each a section of its own, in this order.
_MENU_SECTIONS = (
    ("&Actions", "Deciding and moving"),
    ("&Edit", "Undo"),
    ("&View", "Queues and windows"),
    ("&File", "Files and settings"),
    ("&Help", "Help"),
)
# Keys the queue's list itself takes (not actions of the window): how to move and select.
QUEUE_LIST_KEYS: tuple[tuple[str, str], ...] = (
    ("↑ ↓", "The previous or next comment"),
    ("Home  End", "The first or last comment (Ctrl too)"),
    ("PgUp  PgDn", "A screen up or down"),
    ("Shift+↑ ↓", "Select more comments: a decision takes every one selected"),
    ("Shift+click", "Select the comments from the current one to this one"),
    ("Ctrl+click", "Add a comment to the selection, or take it out"),
    ("Ctrl+A", "Select every comment in the queue"),
    ("Enter", "In the search box: search, and back to the queue"),
    ("Esc", "Leave the search box; on the queue, clear the search"),
)
HIDE_DIALOG_KEYS: tuple[tuple[str, str], ...] = (
    (f"{DIGITS[0]} to {DIGITS[8]}, {DIGITS[9]}", "Choose a reason (0 is the tenth, Other)"),
    ("↑ ↓", "Choose the reason above or below"),
    ("Enter", "Hide with the reason chosen (none is chosen for you)"),
    ("Esc", "Hide nothing"),
)
# Sections per column at most: the window must fit a 1366x768 screen without scrolling.
_COLUMNS = 3
# How wide a line of help is, in characters (longer ones wrap).
_DOES_CHARACTERS = 36


def native(shortcut: str) -> str:
    """A shortcut as this platform writes it ("Ctrl+Z")."""
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    rows: tuple[tuple[str, str], ...]


def key_sections() -> list[Section]:
    """Every key in the desk, grouped as the "?" window shows them."""
    sections = [
        Section(
            title,
            tuple((native(b.shortcut), b.help) for b in KEYMAP if b.menu == menu),
        )
        for menu, title in _MENU_SECTIONS
    ]
    sections.insert(1, Section("Moving and selecting in the queue", QUEUE_LIST_KEYS))
    sections.append(Section("In the hide dialog", HIDE_DIALOG_KEYS))
    sections.append(
        Section(
            "In the review window (editors, Ctrl+T)",
            tuple((native(key), tip) for _name, _text, key, tip in REVIEW_KEYS),
        )
    )
    return [section for section in sections if section.rows]


def key_rows() -> list[tuple[str, str]]:
    """(key as this platform writes it, what it does), section after section."""
    return [row for section in key_sections() for row in section.rows]


class KeyHelp(QDialog):
    """Every key, in sections laid out in columns so that nothing needs scrolling; it cannot
    disagree with the keys, it is made of their tables."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyHelp")
        self.setWindowTitle("Keyboard shortcuts")
        self.sections = key_sections()
        columns = QHBoxLayout()
        columns.setSpacing(28)
        total = sum(len(section.rows) + 2 for section in self.sections)
        column = QVBoxLayout()
        filled = 0
        for section in self.sections:
            # A new column once this one holds its share (a section is never split).
            if filled and filled + len(section.rows) / 2 > total / _COLUMNS:
                column.addStretch()
                columns.addLayout(column, 1)
                column, filled = QVBoxLayout(), 0
            column.addWidget(self._section(section))
            filled += len(section.rows) + 2
        column.addStretch()
        columns.addLayout(column, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(buttons)

    def _section(self, section: Section) -> QWidget:
        box = QWidget(self)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 10)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(3)
        heading = QLabel(section.title, box)
        bold = QFont(heading.font())
        bold.setBold(True)
        heading.setFont(bold)
        grid.addWidget(heading, 0, 0, 1, 2)
        for row, (key, does) in enumerate(section.rows, 1):
            key_label = QLabel(key, box)
            key_label.setFont(bold)
            key_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            does_label = QLabel(does, box)
            does_label.setWordWrap(True)
            # A set width: a wrapping label's height follows it, and no line is squeezed.
            does_label.setFixedWidth(does_label.fontMetrics().averageCharWidth() * _DOES_CHARACTERS)
            does_label.setMinimumHeight(does_label.heightForWidth(does_label.width()))
            for label in (key_label, does_label):
                label.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(key_label, row, 0)
            grid.addWidget(does_label, row, 1)
        grid.setColumnStretch(1, 1)
        return box

    def shown_rows(self) -> list[tuple[str, str]]:
        """(key, what it does) as the window's labels show them, in order: for tests."""
        found = []
        for box in self.findChildren(QWidget):
            grid = box.layout()
            if not isinstance(grid, QGridLayout):
                continue
            for row in range(1, grid.rowCount()):
                key, does = grid.itemAtPosition(row, 0), grid.itemAtPosition(row, 1)
                if key is not None and does is not None:
                    key_label, does_label = key.widget(), does.widget()
                    assert isinstance(key_label, QLabel)
                    assert isinstance(does_label, QLabel)
                    found.append((key_label.text(), does_label.text()))
        return found
