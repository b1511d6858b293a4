"""The current comment in full, below the queue, with the decision buttons under it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QTextBrowser, QToolButton, QVBoxLayout, QWidget

from moderator.queries.snapshots import CommentRow
from moderator.store.database import Database
from ui.comments.documents import show_comment_in_context, show_selection


class DetailPane(QWidget):
    """Shows one comment as :func:`ui.comments.documents.show_comment_in_context` lays it out (plain
    text, hits marked, notes), and a button for each of ``actions``."""

    def __init__(
        self, database: Database, actions: Iterable[QAction], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._database = database
        self.view = QTextBrowser(self)
        self.view.setObjectName("commentDetail")
        self.view.setAccessibleName("Current comment")
        self.view.setOpenLinks(False)
        self.view.setPlaceholderText("No comment selected.")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(buttons)

    def show_comment(
        self,
        comment: CommentRow | None,
        *,
        queue_empty: bool,
        claimed_by: str | None = None,
        likely: str | None = None,
        search: str = "",
    ) -> None:
        """Show ``comment`` (None: none; the placeholder says whether the queue is empty)."""
        self.view.setPlaceholderText(
            "No comments in this queue." if queue_empty else "No comment selected."
        )
        show_comment_in_context(
            self.view,
            self._database,
            comment,
            claimed_by=claimed_by,
            likely=likely,
            search=search,
        )

    def show_selection(self, comments: Sequence[CommentRow], count: int) -> None:
        """Several comments selected: ``count``, with ``comments`` (the first few) listed."""
        show_selection(self.view, comments, count)
