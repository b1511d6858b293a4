"""Undo steps: each decision the desk made, undone with a compensating entry and redone anew."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtGui import QUndoCommand
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain import ActionKind
from moderator.domain.errors import ServiceError
from moderator.output.display import one_line
from moderator.services.changes import ModerationChange
from moderator.services.moderation import Seen
from ui.common.funnel import Desk
from ui.common.messages import refusal

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


# Comment numbers written out in a message at most; "and N more" says the rest.
NAMED_AT_MOST = 3


def named(ids: Sequence[int], authors: Mapping[int, str] | None = None) -> str:
    """The comments a message is about: "#4512 (Maureen Mc)" for one, "3 comments (#12, #14,
    #15)" or "40 comments (#12, #14, #15 and 37 more)" for several."""
    if len(ids) == 1:
        author = (authors or {}).get(ids[0])
        return f"#{ids[0]} ({one_line(author, 40)})" if author else f"#{ids[0]}"
    listed = ", ".join(f"#{comment_id}" for comment_id in ids[:NAMED_AT_MOST])
    more = len(ids) - NAMED_AT_MOST
    return f"{len(ids):,} comments ({listed}{f' and {more:,} more' if more > 0 else ''})"


def describe(change: ModerationChange, authors: Mapping[int, str] | None = None) -> str:
    """A decision as the Edit menu and the status bar name it: "Hide #4512 (Maureen Mc) as
    Spam", "Approve 3 comments (#12, #14, #15)"."""
    reason = f" as {change.reason.label}" if change.reason is not None else ""
    return f"{_VERBS[change.action]} {named(change.comment_ids, authors)}{reason}"


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
        authors: Mapping[int, str] | None = None,
    ) -> None:
        described = describe(change, authors)
        # "&" would make the next letter a mnemonic in the Edit menu's "Undo ..." text.
        super().__init__(described.replace("&", "&&"))
        self.described = described
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
        self._report(f"Cannot {verb}", f"{self.described}: {refusal(error)}")
