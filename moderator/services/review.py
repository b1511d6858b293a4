"""Editors' decisions: escalations resolved (upheld, overturned, returned) and articles locked."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, Outcome, ReasonCode, Status
from moderator.domain.errors import MissingInputError, NotFoundError, TransitionError
from moderator.services.changes import ModerationChange
from moderator.services.history import Actor, NewEntry, append
from moderator.services.moderation import (
    MAX_NOTE_LENGTH,
    Move,
    Seen,
    load_comments,
    log_moves,
    refuse_changed_since_seen,
)
from moderator.services.roles import refuse_locked_comments, require_editor
from moderator.store.models import Article, LogEntryRow, Profile

_TARGETS = {
    Outcome.UPHOLD: Status.HIDDEN,
    Outcome.OVERTURN: Status.APPROVED,
    Outcome.RETURN: Status.PENDING,
}


def resolve(
    session: Session,
    comment_ids: Iterable[int],
    *,
    actor: Profile,
    outcome: Outcome | str,
    note: str,
    reason: ReasonCode | str | None = None,
    seen: Seen | None = None,
) -> ModerationChange:
    """An editor's decision on escalated comments, with a note (required) and, to uphold, a
    reason. Each entry names the escalating moderator beside the deciding editor. ``seen``:
    the version of each comment the editor was shown (one changed since is refused)."""
    acting = Actor.of(actor)
    require_editor(acting, "resolving an escalation")
    outcome = Outcome(outcome)
    note = (note or "").strip()
    if not note:
        raise MissingInputError(f"{outcome} needs a note saying why")
    if len(note) > MAX_NOTE_LENGTH:
        raise MissingInputError(
            f"the note is {len(note)} characters; the limit is {MAX_NOTE_LENGTH}"
        )
    code = None
    if outcome is Outcome.UPHOLD:
        if reason is None or reason == "":
            raise MissingInputError("upholding hides the comment: it needs a reason")
        try:
            code = ReasonCode(reason)
        except ValueError:
            raise MissingInputError(
                f"unknown reason {reason!r}; choose one of: " + ", ".join(ReasonCode)
            ) from None
    ids = list(dict.fromkeys(comment_ids))
    if not ids:
        raise MissingInputError(f"{outcome} needs at least one comment id")
    comments = load_comments(session, ids)
    refuse_changed_since_seen(session, comments, seen)
    refuse_locked_comments(session, comments)
    for comment in comments:
        if not comment.escalated:
            raise TransitionError(f"comment {comment.id} is not escalated; nothing to resolve")
    escalated_by = _escalated_by(session, ids)
    moves = [
        Move(
            comment,
            _TARGETS[outcome],
            False,
            f"{note} (escalated by {escalated_by.get(comment.id, 'unknown')})",
        )
        for comment in comments
    ]
    return log_moves(session, ActionKind(str(outcome)), moves, actor=acting, reason=code, note=note)


def _escalated_by(session: Session, ids: list[int]) -> dict[int, str]:
    """Who escalated each comment last (from the log)."""
    found: dict[int, str] = {}
    rows = session.execute(
        select(LogEntryRow.comment_id, LogEntryRow.actor)
        .where(LogEntryRow.comment_id.in_(ids), LogEntryRow.action == ActionKind.ESCALATE)
        .order_by(LogEntryRow.seq)
    )
    for comment_id, name in rows:
        if comment_id is not None:
            found[comment_id] = name
    return found


def set_locked(
    session: Session, article_id: int, *, locked: bool, actor: Profile, note: str | None = None
) -> bool:
    """Lock an article's comments against every change (or unlock them); editors only.
    Whether anything changed (locking a locked article changes nothing and logs nothing)."""
    acting = Actor.of(actor)
    require_editor(acting, "locking an article" if locked else "unlocking an article")
    article = session.get(Article, article_id, with_for_update=True)
    if article is None:
        raise NotFoundError(f"no article with id {article_id}")
    if article.locked == locked:
        return False
    article.locked = locked
    session.flush()
    action = "lock" if locked else "unlock"
    append(
        session,
        acting,
        [NewEntry(action, article_id=article_id, note=(note or "").strip() or None)],
    )
    return True
