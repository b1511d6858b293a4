"""Records of what a service changed, for the caller to report, undo or broadcast."""

from __future__ import annotations

from dataclasses import dataclass

from moderator.domain import ActionKind, ReasonCode, Status
from moderator.formats.errors import FormatWarning


@dataclass(frozen=True, slots=True)
class CommentChange:
    """One comment's step: its status and escalation before and after, and its log entry."""

    comment_id: int
    article_id: int
    entry_seq: int
    from_status: Status
    to_status: Status
    was_escalated: bool
    escalated: bool
    # Whether rules flagged the comment: views that count or list flagged comments follow.
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class ModerationChange:
    """One decision applied to one or more comments, all in the same transaction."""

    action: ActionKind
    actor: str
    reason: ReasonCode | None
    note: str | None
    comments: tuple[CommentChange, ...]

    @property
    def comment_ids(self) -> tuple[int, ...]:
        return tuple(change.comment_id for change in self.comments)

    @property
    def article_ids(self) -> frozenset[int]:
        return frozenset(change.article_id for change in self.comments)


@dataclass(frozen=True, slots=True)
class ImportChange:
    """One article imported: new or recognised, and how many comments were added or kept."""

    article_id: int
    title: str
    source: str
    created: bool
    added: int
    already_present: int
    warnings: tuple[FormatWarning, ...] = ()
    # Identities of the comments this import added, for work that follows in the same unit.
    added_fingerprints: tuple[str, ...] = ()
    # An editor locked the article: nothing about it changed, its new comments were skipped.
    locked: bool = False
    skipped_locked: int = 0
