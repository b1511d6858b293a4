"""The dialog an editor decides an escalation in: a note (required) and, to uphold, a reason.

``Ctrl+Enter`` confirms from anywhere in it (the note is several lines, so a plain Enter
belongs to the note).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from moderator.domain import Outcome, ReasonCode

_TITLES = {
    Outcome.UPHOLD: "Uphold: hide the comment",
    Outcome.OVERTURN: "Overturn: publish the comment",
    Outcome.RETURN: "Return to the moderators",
}


@dataclass(frozen=True, slots=True)
class EditorChoice:
    note: str
    reason: ReasonCode | None = None


# Asks for an editor's note (and reason); injected so tests answer without a modal dialog.
EditorPicker = Callable[[QWidget, Outcome, int], EditorChoice | None]


class EditorDialog(QDialog):
    """A note for the record and, when upholding, the reason the comment is hidden."""

    def __init__(self, outcome: Outcome, count: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editorDialog")
        self.outcome = outcome
        noun = "comment" if count == 1 else f"{count} comments"
        self.setWindowTitle(f"{_TITLES[outcome]} ({noun})")
        self.reasonBox = QComboBox(self)
        self.reasonBox.setObjectName("editorReason")
        self.reasonBox.setAccessibleName("Reason")
        for code in ReasonCode:
            self.reasonBox.addItem(code.label, code.value)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("editorNote")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Why (required): the moderators and the log will read it")
        self.hint = QLabel("Ctrl+Enter confirms.", self)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(outcome.value.capitalize())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.note.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        if outcome is Outcome.UPHOLD:
            layout.addWidget(QLabel("Reason:", self))
            layout.addWidget(self.reasonBox)
        else:
            self.reasonBox.hide()
        layout.addWidget(QLabel("Note:", self))
        layout.addWidget(self.note)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.confirm)
        self.note.setFocus()
        self._check()

    def _ok(self) -> bool:
        return bool(self.note.toPlainText().strip())

    def _check(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._ok())

    def confirm(self) -> None:
        if self._ok():
            self.accept()

    def choice(self) -> EditorChoice:
        reason = (
            ReasonCode(self.reasonBox.currentData()) if self.outcome is Outcome.UPHOLD else None
        )
        return EditorChoice(self.note.toPlainText().strip(), reason)


def ask_editor_choice(parent: QWidget, outcome: Outcome, count: int) -> EditorChoice | None:
    dialog = EditorDialog(outcome, count, parent)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
