"""One author across every article: their comments with statuses, the notes on them, counts,
and decisions on all their pending comments at once (one step of the desk's undo stack)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain import Status
from moderator.domain.errors import ServiceError
from moderator.queries.queue import QueueFilter, list_queue
from moderator.queries.snapshots import author_notes, author_summary
from moderator.services.changes import ModerationChange
from moderator.services.moderation import Seen
from ui.comments.decisions import (
    BULK_LIMIT,
    MESSAGE_MS,
    NoteTextPicker,
    ReasonPicker,
    Record,
    done_message,
)
from ui.comments.documents import author_text
from ui.comments.queue_model import COLUMNS, Column, CommentQueueModel
from ui.comments.queue_view import CommentQueueView
from ui.common.funnel import Desk
from ui.common.messages import refusal, warn


class AuthorWindow(QMainWindow):
    """Everything the desk knows of one author. No signals of its own."""

    def __init__(
        self,
        desk: Desk,
        author: str,
        *,
        record: Record,
        reason_picker: ReasonPicker,
        note_picker: NoteTextPicker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("AuthorWindow")
        self.setWindowTitle(f"{author} — Moderator")
        self.resize(1000, 640)
        self.desk = desk
        self.author = author
        self._record = record
        self._reason_picker = reason_picker
        self._note_picker = note_picker

        self.summary = QLabel(self)
        self.summary.setObjectName("authorSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.model = CommentQueueModel(desk.database, self)
        self.comments = CommentQueueView(self.model, self)
        self.comments.setObjectName("authorComments")
        self.comments.setAccessibleName(f"Comments by {author}")
        # Every row is theirs: the article each answers says more.
        self.comments.setColumnHidden(COLUMNS.index(Column.AUTHOR), True)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("authorNotes")
        self.notes.setAccessibleName("Notes on the author")
        self.notes.setReadOnly(True)
        self.notes.setPlaceholderText("No notes on this author yet.")

        buttons = self._buttons()

        notes = QWidget(self)
        notes_layout = QVBoxLayout(notes)
        notes_layout.setContentsMargins(0, 4, 0, 0)
        notes_layout.addWidget(QLabel("Notes on this author:", notes))
        notes_layout.addWidget(self.notes)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.comments)
        split.addWidget(notes)
        split.setSizes([440, 140])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(split)
        self.setCentralWidget(central)

        self.model.set_queue(QueueFilter(status=None, author=author))
        # Teammates' decisions too: the window decides on the comments as it shows them.
        for signal in (
            desk.moderated,
            desk.noted,
            desk.imported,
            desk.rules_ran,
            desk.arrived,
            desk.reread,
            desk.elsewhere,
        ):
            signal.connect(self.refresh)
        self.refresh()

    def _buttons(self) -> QHBoxLayout:
        self.hideButton = QPushButton("Hide All Pending…", self)
        self.hideButton.setObjectName("authorHidePending")
        self.hideButton.clicked.connect(self.hide_pending)
        self.approveButton = QPushButton("Approve All Pending", self)
        self.approveButton.setObjectName("authorApprovePending")
        self.approveButton.clicked.connect(self.approve_pending)
        self.noteButton = QPushButton("Note on Author…", self)
        self.noteButton.setObjectName("authorNote")
        self.noteButton.clicked.connect(self.add_note)
        buttons = QHBoxLayout()
        for button in (self.hideButton, self.approveButton, self.noteButton):
            buttons.addWidget(button)
        buttons.addStretch()
        return buttons

    def refresh(self, *_signal: object) -> None:
        with self.desk.database.session() as session:
            summary = author_summary(session, self.author)
            notes = author_notes(session, self.author)
        self.summary.setText(f"{self.author}: {author_text(summary)}")
        self.notes.setPlainText(
            "\n".join(
                f"{note.actor} ({note.role}), {note.created_at.astimezone():%d %b %Y %H:%M}:"
                f" {note.text}"
                for note in notes
            )
        )
        self.model.reload()
        self.hideButton.setEnabled(summary.pending > 0)
        self.approveButton.setEnabled(summary.pending > 0)

    def pending_ids(self) -> list[int] | None:
        """The author's pending comments that are not waiting for an editor; None (after saying
        why) if more than one action takes."""
        with self.desk.database.session() as session:
            rows = list_queue(
                session,
                QueueFilter(status=Status.PENDING, author=self.author),
                limit=BULK_LIMIT + 1,
            )
        if len(rows) > BULK_LIMIT:
            warn(self, "Too many comments", f"One action takes at most {BULK_LIMIT:,} comments.")
            return None
        return [row.id for row in rows if not row.escalated]

    def hide_pending(self) -> None:
        ids = self.pending_ids()
        if not ids:
            return
        choice = self._reason_picker(self, len(ids))
        if choice is not None:
            self._decide(
                "hide",
                lambda seen: self.desk.hide(ids, choice.reason, choice.note, seen=seen),
                ids,
            )

    def approve_pending(self) -> None:
        ids = self.pending_ids()
        if ids:
            self._decide("approve", lambda seen: self.desk.approve(ids, seen=seen), ids)

    def _decide(
        self, verb: str, run: Callable[[Seen | None], ModerationChange], ids: list[int]
    ) -> None:
        """Decide on ``ids`` (pending now) as this window shows them: one it showed in another
        state, changed at another desk since, is refused, saying who changed it."""
        try:
            change = run(self.model.versions(ids))
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, f"Cannot {verb}", refusal(error))
            return
        self._record(change, run)
        authors = dict.fromkeys(change.comment_ids, self.author)
        self.statusBar().showMessage(done_message(change, authors), MESSAGE_MS)

    def add_note(self) -> None:
        text = self._note_picker(self, f"the author {self.author}")
        if text is None:
            return
        try:
            self.desk.note_author(self.author, text)
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, "Cannot add the note", refusal(error))
