"""Deciding on the queue's comments: through the desk, one undo step each, then the next one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QInputDialog, QMainWindow, QWidget
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain import ActionKind
from moderator.domain.errors import ServiceError
from moderator.output.display import one_line
from moderator.services.changes import ModerationChange
from moderator.services.moderation import MAX_NOTE_LENGTH, Seen
from moderator.store.refusals import explain_refusal
from ui.comments.queue_model import CommentQueueModel
from ui.comments.queue_view import CommentQueueView
from ui.common.commands import Again, DecisionCommand, named
from ui.common.funnel import Desk
from ui.common.messages import warn
from ui.common.placement import beside_the_comment
from ui.dialogs.reason import ReasonChoice


class ReasonPicker(Protocol):
    """Asks why ``count`` comments (``about``: which, "#12 (ann)") are hidden; None when
    cancelled. Injected so tests (and later a command palette) answer without a dialog."""

    def __call__(self, parent: QWidget, count: int, about: str = "") -> ReasonChoice | None: ...


class NotePicker(Protocol):
    """Asks for the note to the editor on ``count`` comments (``about``: which): "" for none,
    None when cancelled."""

    def __call__(self, parent: QWidget, count: int, about: str = "") -> str | None: ...


# Asks for a note's text (None: cancelled); injected so tests answer without a modal dialog.
NoteTextPicker = Callable[[QWidget, str], str | None]
# Makes a decision one step of the desk's undo stack: (change, how to make it again).
Record = Callable[[ModerationChange, Again], None]


def ask_note_text(parent: QWidget, about: str) -> str | None:
    text, ok = QInputDialog.getMultiLineText(parent, "Add a note", f"A note on {about}:")
    return text if ok and text.strip() else None


def ask_escalation_note(parent: QWidget, count: int, about: str = "") -> str | None:
    noun = "this comment" if count == 1 else f"these {count} comments"
    dialog = QInputDialog(parent)
    dialog.setObjectName("escalationNote")
    dialog.setWindowTitle(f"Escalate {about} to an editor" if about else "Escalate to an editor")
    dialog.setLabelText(f"What should the editor look at in {noun}? (optional)")
    beside_the_comment(dialog, parent)
    try:
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return None
        return dialog.textValue().strip()[:MAX_NOTE_LENGTH]
    finally:
        dialog.deleteLater()


# Comments one action takes at most: Ctrl+A in a queue of a million would otherwise read and
# decide them all in one go, in one transaction, with no way to stop it.
BULK_LIMIT = 5000
# How long a line stays in the status bar.
MESSAGE_MS = 10_000

# What the status bar says after each kind of decision; "{}" names the comments.
DONE_WORDS = {
    ActionKind.APPROVE: "Approved {}",
    ActionKind.HIDE: "Hid {}",
    ActionKind.RESTORE: "Restored {} to pending",
    ActionKind.ESCALATE: "Escalated {} to an editor",
    ActionKind.UPHOLD: "Upheld the hide of {}",
    ActionKind.OVERTURN: "Overturned the hide of {}: published",
    ActionKind.RETURN: "Returned {} to the moderators",
    ActionKind.UNDO: "Undone: {} back as they were",
    ActionKind.REVERT: "Reverted from the log: {} back as the entry found them",
}


def done_message(change: ModerationChange, authors: Mapping[int, str] | None = None) -> str:
    """The status bar's line after a decision: "Hid #4512 (Maureen Mc) as Spam"."""
    reason = f" as {change.reason.label}" if change.reason is not None else ""
    return DONE_WORDS[change.action].format(named(change.comment_ids, authors)) + reason


def arrived_message(change: ModerationChange, authors: Mapping[int, str] | None = None) -> str:
    """The status bar's line when another desk decided: "ann, at another desk: Hid #12 ..."."""
    return f"{one_line(change.actor, 60)}, at another desk: {done_message(change, authors)}"


class Decisions(QObject):
    """Approve, hide, restore and escalate the comments the queue's selection holds.

    What a decision acts on is :meth:`CommentQueueView.targets`, the rule the detail pane
    shows too. Each decision goes through the desk and, once committed, becomes one step of
    ``stack`` (a bulk decision is one step). After a decision the next comment is selected;
    after an undo, the first comment it brought back. Refusals that concern the comments
    (already decided, changed at another desk) are said in the status bar; a database that
    refuses the write is a warning box.
    """

    def __init__(
        self,
        window: QMainWindow,
        desk: Desk,
        queue: CommentQueueModel,
        view: CommentQueueView,
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
        # Who wrote the comments last acted on: a decision takes them off the queue before
        # its message and its undo step are written, and both name them.
        self._named: dict[int, str] = {}
        desk.moderated.connect(self._on_moderated)

    def say(self, message: str) -> None:
        self._window.statusBar().showMessage(message, MESSAGE_MS)

    def selected_ids(self) -> list[int]:
        """The ids a decision acts on (see :meth:`CommentQueueView.targets`) in queue order;
        none (after saying why) if more are selected than one action takes."""
        targets = self._view.targets(BULK_LIMIT)
        if targets.count > BULK_LIMIT:
            warn(
                self._window,
                "Too many comments selected",
                f"One action takes at most {BULK_LIMIT:,} comments, and {targets.count:,} are "
                "selected. Select fewer, or narrow the queue with a search.",
            )
            return []
        comments = [self._queue.comment(row) for row in targets.rows]
        self._named = {comment.id: comment.author for comment in comments if comment is not None}
        return list(self._named)

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
        note = self._note_picker(self._window, len(ids), named(ids, self._named))
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
        # The dialog says what it is about: a queue read again behind it may show another.
        choice = self._reason_picker(self._window, len(ids), named(ids, self._named))
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
        authors = self._authors(change.comment_ids)
        self.stack.push(DecisionCommand(self._desk, change, again, self._report, authors))

    def _authors(self, ids: Sequence[int]) -> dict[int, str]:
        return {**self._named, **self._queue.authors(ids)}

    def undo(self) -> None:
        self._step(self.stack.index() - 1, self.stack.undo, "Undid")

    def redo(self) -> None:
        self._step(self.stack.index(), self.stack.redo, "Redid")

    def _step(self, at: int, run: Callable[[], None], done: str) -> None:
        command = self.stack.command(at)
        if not isinstance(command, DecisionCommand):
            return
        kept = self.stack.count()
        run()
        # A step that could not be made leaves the stack (and said why); one made says what.
        if self.stack.count() == kept:
            verb, _, rest = command.described.partition(" ")
            self.say(f"{done}: {verb.lower()} of {rest}")

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
            # About these comments, not the desk: said where the moderator is looking, and
            # the next key works at once (no box to dismiss).
            self.say(f"Cannot {verb} {named(ids, self._authors(ids))}: {error}")
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
        # An undo or redo refused concerns its comments (changed since): said where the
        # moderator looks, as other refusals are, with no box in the way of the next key.
        self.say(f"{title}: {message}")

    def _on_moderated(self, change: ModerationChange) -> None:
        self.say(done_message(change, self._authors(change.comment_ids)))
        if change.action is ActionKind.UNDO:
            row = self._queue.row_of(change.comment_ids[0])
            if row is not None:
                self.select_row(row)

    def move(self, step: int) -> None:
        """The next (or previous) comment nobody else has open; past those others have, saying
        so; at either end of the queue, saying that."""
        rows = self._queue.rowCount()
        if not rows:
            self.say("No comments in this queue")
            return
        current = self._view.currentIndex()
        row = current.row() + step if current.isValid() else 0
        if not 0 <= row < rows:
            self.say("This is the last comment" if step > 0 else "This is the first comment")
            # The selection may have been several rows: J/K always leave one, the one shown.
            self.select_row(current.row())
            return
        landed = self._open_row(row, step)
        self.select_row(landed)
        skipped = [
            comment
            for probe in range(row, landed, 1 if step > 0 else -1)
            if (comment := self._queue.held.get(probe)) is not None
        ]
        if skipped:
            holders = {self._queue.claimed_by(comment.id) or "" for comment in skipped}
            self.say(
                f"Skipped {named([comment.id for comment in skipped])}: "
                f"{', '.join(sorted(holders))} {'has' if len(holders) == 1 else 'have'} "
                "it open at another desk"
            )

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
        if row >= 0:
            self._view.select_row(row)
