"""Deciding on the queue's comments: through the desk, one undo step each, then the next one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QObject
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMainWindow, QWidget
from sqlalchemy.exc import SQLAlchemyError

from moderator.db_errors import explain_refusal
from moderator.display import one_line
from moderator.domain import ActionKind
from moderator.services.changes import ModerationChange
from moderator.services.errors import ServiceError
from moderator.services.moderation import MAX_NOTE_LENGTH, Seen
from ui.commands import Again, DecisionCommand, counted
from ui.desk import Desk
from ui.messages import warn
from ui.queue_model import CommentQueueModel
from ui.reason_dialog import ReasonChoice

# Injected so tests (and later a command palette) can answer without a modal dialog.
ReasonPicker = Callable[[QWidget, int], ReasonChoice | None]
# (parent, comments) -> the note for the editor ("" for none), or None when cancelled.
NotePicker = Callable[[QWidget, int], str | None]


def ask_escalation_note(parent: QWidget, count: int) -> str | None:
    noun = "this comment" if count == 1 else f"these {count} comments"
    text, ok = QInputDialog.getText(
        parent,
        "Escalate to an editor",
        f"What should the editor look at in {noun}? (optional)",
    )
    return text.strip()[:MAX_NOTE_LENGTH] if ok else None


# Comments one action takes at most: Ctrl+A in a queue of a million would otherwise read and
# decide them all in one go, in one transaction, with no way to stop it.
BULK_LIMIT = 5000

DONE_WORDS = {
    ActionKind.APPROVE: "Approved",
    ActionKind.HIDE: "Hid",
    ActionKind.RESTORE: "Restored to pending",
    ActionKind.ESCALATE: "Escalated",
    ActionKind.UPHOLD: "Upheld (hidden)",
    ActionKind.OVERTURN: "Overturned (published)",
    ActionKind.RETURN: "Returned to the moderators",
}


def done_message(change: ModerationChange) -> str:
    """The status bar's line after a decision: "Hid 2 comments (Spam)"."""
    comments, reason = counted(change)
    if change.action is ActionKind.UNDO:
        return f"Undone: {comments} back as they were"
    if change.action is ActionKind.REVERT:
        return f"Reverted from the log: {comments} back as the entry found them"
    return f"{DONE_WORDS[change.action]} {comments}{reason}"


def arrived_message(change: ModerationChange) -> str:
    """The status bar's line when another desk decided: "ann, at another desk: Hid 2 ..."."""
    return f"{one_line(change.actor, 60)}, at another desk: {done_message(change)}"


class Decisions(QObject):
    """Approve, hide, restore and escalate the selected comments of the queue.

    Each decision goes through the desk and, once committed, becomes one step of ``stack``
    (a bulk decision is one step). After a decision the next comment is selected; after an
    undo, the first comment it brought back.
    """

    def __init__(
        self,
        window: QMainWindow,
        desk: Desk,
        queue: CommentQueueModel,
        view: QAbstractItemView,
        *,
        reason_picker: ReasonPicker,
        note_picker: NotePicker = ask_escalation_note,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._desk = desk
        self._queue = queue
        self._view = view
        self._reason_picker = reason_picker
        self._note_picker = note_picker
        self.stack = QUndoStack(self)
        self.stack.setObjectName("undoStack")
        self._undo_redo: tuple[QAction, QAction] | None = None
        desk.moderated.connect(self._on_moderated)

    def selected_ids(self) -> list[int]:
        """The selected comments' ids in queue order, or the current one's; none (after
        saying why) if more are selected than one action takes."""
        selected = rows_spanned(self._view.selectionModel().selection())
        if selected > BULK_LIMIT:
            warn(
                self._window,
                "Too many comments selected",
                f"One action takes at most {BULK_LIMIT:,} comments, and {selected:,} are "
                "selected. Select fewer, or narrow the queue with a search.",
            )
            return []
        rows = sorted(index.row() for index in self._view.selectionModel().selectedRows())
        current = self._view.currentIndex()
        if not rows and current.isValid():
            rows = [current.row()]
        ids = (self._queue.comment_id(row) for row in rows)
        return [comment_id for comment_id in ids if comment_id is not None]

    def approve(self) -> None:
        ids = self.selected_ids()
        self._decide("approve", lambda seen: self._desk.approve(ids, seen=seen), ids)

    def restore(self) -> None:
        ids = self.selected_ids()
        self._decide("restore", lambda seen: self._desk.restore(ids, seen=seen), ids)

    def escalate(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        seen = self._queue.versions(ids)
        note = self._note_picker(self._window, len(ids))
        if note is not None:
            self._decide(
                "escalate",
                lambda seen: self._desk.escalate(ids, note or None, seen=seen),
                ids,
                seen,
            )

    def hide(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        seen = self._queue.versions(ids)
        choice = self._reason_picker(self._window, len(ids))
        if choice is not None:
            self._decide(
                "hide",
                lambda seen: self._desk.hide(ids, choice.reason, choice.note, seen=seen),
                ids,
                seen,
            )

    def follow(self, undo: QAction, redo: QAction) -> None:
        """Keep the Undo and Redo actions saying what they would do, and off when nothing."""
        self._undo_redo = (undo, redo)
        # A method, not a closure: its connection ends with this object, before the stack goes.
        self.stack.indexChanged.connect(self._update_undo_redo)
        self._update_undo_redo()

    def _update_undo_redo(self) -> None:
        if self._undo_redo is None:
            return
        undo, redo = self._undo_redo
        stack = self.stack
        for action, can, text, verb in (
            (undo, stack.canUndo(), stack.undoText(), "Undo"),
            (redo, stack.canRedo(), stack.redoText(), "Redo"),
        ):
            action.setEnabled(can)
            action.setText(f"&{verb} {text}" if can else f"&{verb}")

    def record(self, change: ModerationChange, again: Again) -> None:
        """Make a decision taken elsewhere (the review window) one step of this undo stack."""
        self.stack.push(DecisionCommand(self._desk, change, again, self._report))

    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def _decide(
        self,
        verb: str,
        run: Callable[[Seen | None], ModerationChange],
        ids: list[int],
        seen: Seen | None = None,
    ) -> None:
        """Decide on ``ids`` (the selection as it was read before any dialog asked about it: a
        dialog's event loop may let the queue change under it) as they were shown then
        (``seen``, their versions; read now if not given): one changed since at another desk
        is refused, and the user told who changed it."""
        if not ids:
            return
        if seen is None:
            seen = self._queue.versions(ids)
        first_row = self._queue.row_of(ids[0])
        try:
            change = run(seen)
        except ServiceError as error:
            warn(self._window, f"Cannot {verb}", str(error))
            return
        except SQLAlchemyError as error:
            # Locked for too long, a full disk: nothing was committed, and the user must know.
            warn(self._window, f"Cannot {verb}", explain_refusal(error))
            return
        # Made again by a redo, it is checked against the versions the undo left.
        self.record(change, run)
        # The models have followed the change by now; move on to the next undecided comment
        # that nobody else has open.
        last_row = self._queue.row_of(ids[-1])
        if last_row is not None:
            self.select_row(self._open_row(last_row + 1, 1))
        elif first_row is not None:
            self.select_row(self._open_row(first_row, 1))

    def _report(self, title: str, message: str) -> None:
        warn(self._window, title, message)

    def _on_moderated(self, change: ModerationChange) -> None:
        self._window.statusBar().showMessage(done_message(change), 8000)
        if change.action is ActionKind.UNDO:
            row = self._queue.row_of(change.comment_ids[0])
            if row is not None:
                self.select_row(row)

    def move(self, step: int) -> None:
        """The next (or previous) comment nobody else has open; past those others have."""
        current = self._view.currentIndex()
        row = current.row() + step if current.isValid() else 0
        self.select_row(self._open_row(row, step))

    def _open_row(self, row: int, step: int) -> int:
        """``row``, or the first row from it in the direction of ``step`` whose comment no other
        desk has open; ``row`` itself if every one to the end is open elsewhere. Looks at the
        rows held only (claims are few, and the rows near the view are held)."""
        probe = row
        while 0 <= probe < self._queue.rowCount():
            comment = self._queue.held.get(probe)
            if comment is None or self._queue.claimed_by(comment.id) is None:
                return probe
            probe += 1 if step >= 0 else -1
        return row

    def select_row(self, row: int) -> None:
        row = min(max(row, 0), self._queue.rowCount() - 1)
        if row < 0:
            return
        index = self._queue.index(row, 0)
        self._view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self._view.scrollTo(index)


def rows_spanned(selection: QItemSelection) -> int:
    """How many rows a selection covers, from its ranges (which may overlap) without listing
    the rows: Ctrl+A in a long queue is one range of a million rows."""
    parts = (selection.at(i) for i in range(selection.size()))
    spans = sorted((part.top(), part.bottom()) for part in parts)
    count, reached = 0, -1
    for top, bottom in spans:
        if bottom > reached:
            count += bottom - max(top, reached + 1) + 1
            reached = bottom
    return count
