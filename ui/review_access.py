"""The editors' tools from the desk window: the review window (opened on demand) and notes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow
from sqlalchemy.exc import SQLAlchemyError

from moderator.queries import CommentRow
from moderator.services.errors import ServiceError
from ui.decisions import Decisions
from ui.desk import Desk
from ui.editor_dialog import EditorPicker, ask_editor_choice
from ui.messages import warn
from ui.review_window import NoteTextPicker, ReviewWindow, ask_note_text


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

    def show(self) -> ReviewWindow:
        if self.review_window is None:
            self.review_window = ReviewWindow(
                self._desk,
                record=self._decisions.record,
                editor_picker=self._editor_picker,
                note_picker=self._note_picker,
                parent=self._window,
            )
        self.review_window.show()
        self.review_window.raise_()
        self.review_window.activateWindow()
        return self.review_window

    def close(self) -> None:
        if self.review_window is not None:
            self.review_window.close()

    def note_comment(self) -> None:
        comment = self._current()
        if comment is None:
            return
        text = self._note_picker(self._window, f"{comment.author}'s comment #{comment.position}")
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
            warn(self._window, "Cannot add the note", str(getattr(error, "orig", None) or error))
            return
        self._window.statusBar().showMessage("Note added", 6000)
