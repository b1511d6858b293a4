"""Undo steps: each decision the desk made, undone with a compensating entry and redone anew."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain import ActionKind
from moderator.services.changes import ModerationChange
from moderator.services.errors import ServiceError
from moderator.services.moderation import Seen
from ui.desk import Desk
from ui.messages import refusal

# Told when an undo or redo could not be done: (title, message).
Report = Callable[[str, str], None]
# Makes a decision again, on the comments as last seen (their versions).
Again = Callable[[Seen], ModerationChange]

_VERBS = {
    ActionKind.APPROVE: "Approve",
    ActionKind.HIDE: "Hide",
    ActionKind.RESTORE: "Restore",
    ActionKind.ESCALATE: "Escalate",
    ActionKind.UNDO: "Undo",
    ActionKind.REVERT: "Revert",
    ActionKind.UPHOLD: "Uphold",
    ActionKind.OVERTURN: "Overturn",
    ActionKind.RETURN: "Return",
}


def counted(change: ModerationChange) -> tuple[str, str]:
    """("3 comments", " (Spam)"): how many comments a decision touched, and its reason if any."""
    count = len(change.comments)
    reason = f" ({change.reason.label})" if change.reason is not None else ""
    return f"{count} comment{'' if count == 1 else 's'}", reason


def describe(change: ModerationChange) -> str:
    """A decision as the Edit menu names it: "Hide 3 comments (Spam)"."""
    comments, reason = counted(change)
    return f"{_VERBS[change.action]} {comments}{reason}"


class DecisionCommand(QUndoCommand):
    """One decision on one or many comments, as one step of the undo stack.

    The decision is made before the command is pushed (so that a refused decision never
    reaches the stack): the first ``redo`` that ``push`` calls does nothing. ``undo`` asks the
    desk to put the comments back, which appends "undo" entries to the history; a later
    ``redo`` makes the decision again, as new entries, given the comments' versions as the
    undo left them (``again(seen)``). If either is refused (another desk changed a comment
    meanwhile), ``report`` is told and the step leaves the stack.
    """

    def __init__(
        self,
        desk: Desk,
        change: ModerationChange,
        again: Again,
        report: Report,
    ) -> None:
        super().__init__(describe(change))
        self._desk = desk
        self._change = change
        self._again = again
        self._report = report
        self._done = True
        self._undone: Seen = {}

    @property
    def change(self) -> ModerationChange:
        """The decision as last made (a redo makes it anew, with new history entries)."""
        return self._change

    def redo(self) -> None:
        if self._done:
            return
        try:
            self._change = self._again(self._undone)
        except (ServiceError, SQLAlchemyError) as error:
            self._give_up("redo", error)
            return
        self._done = True

    def undo(self) -> None:
        try:
            undone = self._desk.undo(self._change)
        except (ServiceError, SQLAlchemyError) as error:
            self._give_up("undo", error)
            return
        # A redo decides on the comments as this undo left them, or not at all.
        self._undone = {step.comment_id: step.entry_seq for step in undone.comments}
        self._done = False

    def _give_up(self, verb: str, error: Exception) -> None:
        # An obsolete command is dropped by the stack once this call returns.
        self.setObsolete(True)
        self._report(f"Cannot {verb}", f"{self.text()}: {refusal(error)}")
