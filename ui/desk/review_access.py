"""The editors' tools from the desk window: the review window and author windows (opened on
demand), and notes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain.errors import ServiceError
from moderator.queries.snapshots import CommentRow
from ui.author.window import AuthorWindow
from ui.comments.decisions import Decisions, NoteTextPicker, ReasonPicker, ask_note_text
from ui.common.funnel import Desk
from ui.common.messages import refusal, warn
from ui.dialogs.editor import EditorPicker, ask_editor_choice
from ui.dialogs.reason import pick_reason
from ui.review.window import ReviewWindow


class ReviewAccess(QObject):
    """Owns the review window for one desk window, and leaves notes on the desk's current
    comment or its author. No signals of its own."""

    def __init__(
        self,
        window: QMainWindow,
        desk: Desk,
        decisions: Decisions,
        current: Callable[[], CommentRow | None],
        *,
        reason_picker: ReasonPicker = pick_reason,
        editor_picker: EditorPicker = ask_editor_choice,
        note_picker: NoteTextPicker = ask_note_text,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._desk = desk
        self._decisions = decisions
        self._current = current
        self._editor_picker = editor_picker
        self._note_picker = note_picker
        self.review_window: ReviewWindow | None = None
        self.author_windows: dict[str, AuthorWindow] = {}
        self._reason_picker = reason_picker

    def show(self) -> ReviewWindow:
        if self.review_window is None:
            self.review_window = ReviewWindow(
                self._desk,
                record=self._decisions.record,
                editor_picker=self._editor_picker,
                note_picker=self._note_picker,
                reason_picker=self._reason_picker,
                parent=self._window,
            )
        self.review_window.show()
        self.review_window.raise_()
        self.review_window.activateWindow()
        return self.review_window

    def show_author(self) -> AuthorWindow | None:
        """The current comment's author across every article (one window per author)."""
        comment = self._current()
        if comment is None:
            return None
        window = self.author_windows.get(comment.author)
        if window is None:
            window = AuthorWindow(
                self._desk,
                comment.author,
                record=self._decisions.record,
                reason_picker=self._reason_picker,
                note_picker=self._note_picker,
                parent=self._window,
            )
            self.author_windows[comment.author] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def close(self) -> None:
        if self.review_window is not None:
            self.review_window.close()
        for window in self.author_windows.values():
            window.close()

    def note_comment(self) -> None:
        comment = self._current()
        if comment is None:
            return
        text = self._note_picker(self._window, f"{comment.author}'s comment #{comment.id}")
        if text is not None:
            self._run(lambda: self._desk.note_comment(comment.id, text))

    def note_author(self) -> None:
        comment = self._current()
        if comment is None:
            return
        text = self._note_picker(self._window, f"the author {comment.author}")
        if text is not None:
            self._run(lambda: self._desk.note_author(comment.author, text))

    def _run(self, action: Callable[[], object]) -> None:
        try:
            action()
        except (ServiceError, SQLAlchemyError) as error:
            warn(self._window, "Cannot add the note", refusal(error))
            return
        self._window.statusBar().showMessage("Note added", 6000)
