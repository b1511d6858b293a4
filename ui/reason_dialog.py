"""The dialog that asks why comments are being hidden: a reason from the fixed list and a note."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from moderator.domain import ReasonCode
from moderator.services.moderation import MAX_NOTE_LENGTH

# Digit keys pick a reason: 1 to 9, then 0 for the tenth, as on the keyboard's top row.
DIGITS = "1234567890"


@dataclass(frozen=True, slots=True)
class ReasonChoice:
    reason: ReasonCode
    note: str | None


class ReasonDialog(QDialog):
    """Pick a hiding reason by digit or arrows, add a note, Enter accepts.

    The note is required for "Other" (the core refuses it otherwise), so OK stays disabled and
    a line under the note says why until one is typed. No signals beyond QDialog's own.
    """

    def __init__(self, count: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle("Hide comment" if count == 1 else f"Hide {count} comments")

        prompt = QLabel("Why is it being hidden? Press a number or use the arrows.", self)
        self.reasons = QListWidget(self)
        self.reasons.setObjectName("reasonList")
        for digit, code in zip(DIGITS, ReasonCode, strict=False):
            item = QListWidgetItem(f"{digit}   {code.label}")
            item.setData(Qt.ItemDataRole.UserRole, code.value)
            self.reasons.addItem(item)
        self.reasons.setCurrentRow(0)
        # Tall enough for every reason without a scroll bar.
        rows = self.reasons.count()
        self.reasons.setMinimumHeight(self.reasons.sizeHintForRow(0) * rows + 8)

        self.note = QLineEdit(self)
        self.note.setObjectName("reasonNote")
        self.note.setMaxLength(MAX_NOTE_LENGTH)
        self.note.setPlaceholderText("Note (optional)")
        self.note_hint = QLabel("“Other” needs a note saying what the reason is.", self)
        self.note_hint.setObjectName("reasonNoteHint")
        self.note_hint.setStyleSheet("color: #b3261e;")

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.reasons)
        layout.addWidget(self.note)
        layout.addWidget(self.note_hint)
        layout.addWidget(self.buttons)

        for row, digit in enumerate(DIGITS[:rows]):
            # Shortcuts, not key handling on the list: the list would treat digits as type-ahead
            # search, and the note field still receives digits typed into it.
            shortcut = QShortcut(QKeySequence(digit), self)
            shortcut.activated.connect(lambda row=row: self._pick(row))
        self.reasons.currentRowChanged.connect(self._update)
        self.reasons.doubleClicked.connect(self.accept)
        self.note.textChanged.connect(self._update)
        self.reasons.setFocus()
        self._update()

    def reason(self) -> ReasonCode:
        item = self.reasons.currentItem()
        return ReasonCode(item.data(Qt.ItemDataRole.UserRole)) if item else ReasonCode.OTHER

    def choice(self) -> ReasonChoice:
        return ReasonChoice(self.reason(), self.note.text().strip() or None)

    def is_complete(self) -> bool:
        return self.reason() is not ReasonCode.OTHER or bool(self.note.text().strip())

    def accept(self) -> None:
        # Enter and double-click reach here directly, not only through the OK button.
        if self.is_complete():
            super().accept()

    def _update(self) -> None:
        other = self.reason() is ReasonCode.OTHER
        self.note.setPlaceholderText("Note (required)" if other else "Note (optional)")
        self.note_hint.setVisible(other and not self.note.text().strip())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.is_complete())

    def _pick(self, row: int) -> None:
        self.reasons.setCurrentRow(row)
        if self.reason() is ReasonCode.OTHER:
            # The note is what is missing now; arrows leave focus alone so browsing stays easy.
            self.note.setFocus()


def pick_reason(parent: QWidget | None, count: int) -> ReasonChoice | None:
    """Ask for a reason in a modal dialog; ``None`` when cancelled."""
    dialog = ReasonDialog(count, parent)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
