"""The dialog that asks why comments are being hidden: a reason from the fixed list and a note."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
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
from ui.common.placement import beside_the_comment

# Digit keys pick a reason: 1 to 9, then 0 for the tenth, as on the keyboard's top row.
DIGITS = "1234567890"


@dataclass(frozen=True, slots=True)
class ReasonChoice:
    reason: ReasonCode
    note: str | None


class ReasonDialog(QDialog):
    """Pick a hiding reason by digit or arrows, add a note, Enter accepts.

    Nothing is chosen at first: H then Enter must not file a comment under a reason nobody
    picked, so Enter without a choice says to choose one. The note is required for "Other"
    (the core refuses it otherwise), so OK stays disabled and a line under the note says why
    until one is typed. No signals beyond QDialog's own.
    """

    def __init__(self, count: int = 1, parent: QWidget | None = None, about: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        # Named ("Hide #12 (ann)"): the dialog is modal, and what is behind it may change.
        plain = "Hide comment" if count == 1 else f"Hide {count} comments"
        self.setWindowTitle(f"Hide {about}" if about else plain)

        prompt = QLabel("Why is it being hidden? Press a number or use the arrows.", self)
        self.reasons = QListWidget(self)
        self.reasons.setObjectName("reasonList")
        for digit, code in zip(DIGITS, ReasonCode, strict=False):
            item = QListWidgetItem(f"{digit}   {code.label}")
            item.setData(Qt.ItemDataRole.UserRole, code.value)
            self.reasons.addItem(item)
        self.reasons.setCurrentRow(-1)
        # Tall enough for every reason without a scroll bar.
        rows = self.reasons.count()
        self.reasons.setMinimumHeight(self.reasons.sizeHintForRow(0) * rows + 8)

        self.note = QLineEdit(self)
        self.note.setObjectName("reasonNote")
        self.note.setMaxLength(MAX_NOTE_LENGTH)
        self.note.setPlaceholderText("Note (optional)")
        self.note_hint = QLabel(self)
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
        self.reasons.itemSelectionChanged.connect(self._update)
        self.reasons.doubleClicked.connect(self.accept)
        self.note.textChanged.connect(lambda _text: self._update())
        self.reasons.installEventFilter(self)
        self.reasons.setFocus()
        self._update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # With nothing chosen, the list still has a current row (its first, once focused):
        # the first arrow chooses the first (or last) reason rather than skip past it.
        if (
            watched is self.reasons
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
            and self.reason() is None
        ):
            self._pick(0 if event.key() == Qt.Key.Key_Down else self.reasons.count() - 1)
            return True
        return super().eventFilter(watched, event)

    def reason(self) -> ReasonCode | None:
        """The reason chosen; None until one is."""
        item = self.reasons.currentItem()
        chosen = item is not None and item.isSelected()
        return ReasonCode(item.data(Qt.ItemDataRole.UserRole)) if chosen else None

    def choice(self) -> ReasonChoice:
        reason = self.reason()
        assert reason is not None, "accepted only once a reason is chosen"
        return ReasonChoice(reason, self.note.text().strip() or None)

    def is_complete(self) -> bool:
        reason = self.reason()
        return reason is not None and (
            reason is not ReasonCode.OTHER or bool(self.note.text().strip())
        )

    def accept(self) -> None:
        # Enter and double-click reach here directly, not only through the OK button.
        if self.is_complete():
            super().accept()
        else:
            self._update(asked=True)

    def _update(self, *, asked: bool = False) -> None:
        reason = self.reason()
        other = reason is ReasonCode.OTHER
        self.note.setPlaceholderText("Note (required)" if other else "Note (optional)")
        if reason is None:
            self.note_hint.setText("Choose a reason: press its number, or use the arrows.")
            self.note_hint.setVisible(asked)
        else:
            self.note_hint.setText("“Other” needs a note saying what the reason is.")
            self.note_hint.setVisible(other and not self.note.text().strip())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        # On with nothing chosen yet, so that Enter reaches accept() and hears what is missing.
        ok.setEnabled(reason is None or self.is_complete())

    def _pick(self, row: int) -> None:
        self.reasons.setCurrentRow(row)
        if self.reason() is ReasonCode.OTHER:
            # The note is what is missing now; arrows leave focus alone so browsing stays easy.
            self.note.setFocus()


def pick_reason(parent: QWidget | None, count: int, about: str = "") -> ReasonChoice | None:
    """Ask for a reason in a modal dialog; ``None`` when cancelled."""
    dialog = ReasonDialog(count, parent, about)
    beside_the_comment(dialog, parent)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
