"""Message boxes that show their text as plain text, whatever characters it contains."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from moderator.store.refusals import explain_refusal


def plain_box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    """A box with PlainText set: QMessageBox's static helpers guess rich text from the message,
    and messages can quote file names and file contents."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def warn(parent: QWidget, title: str, text: str) -> QMessageBox:
    """Show a window-modal warning without blocking the caller; returns the open box."""
    box = plain_box(parent, QMessageBox.Icon.Warning, title, text)
    box.setObjectName("warningBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def refusal(error: Exception) -> str:
    """Why an action was refused: the service's own reason, or the database's refusal in
    plain words (a full disk, a read-only database ... nothing of it was saved)."""
    return explain_refusal(error) if isinstance(error, SQLAlchemyError) else str(error)


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as typed: Qt guesses rich text in tooltips, so the text
    is escaped inside markup that says so (its line breaks kept)."""
    return f"<qt>{html.escape(text).replace(chr(10), '<br>')}</qt>" if text else ""
