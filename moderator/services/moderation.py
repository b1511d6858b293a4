"""Moderation decisions: approve, hide, restore to pending and escalate, each one logged."""

from __future__ import annotations

import getpass
import os
from collections.abc import Collection, Container, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.batching import chunked
from moderator.domain import ActionKind, ReasonCode, Role, Status
from moderator.models import Comment, Flag, ModerationAction, Profile, utc_now
from moderator.services.changes import CommentChange, ModerationChange
from moderator.services.errors import MissingInputError, NotFoundError, TransitionError

# Which statuses each decision may start from, and where it leaves the comment.
_TRANSITIONS: dict[ActionKind, tuple[frozenset[Status], Status | None]] = {
    ActionKind.APPROVE: (frozenset({Status.PENDING, Status.HIDDEN}), Status.APPROVED),
    ActionKind.HIDE: (frozenset({Status.PENDING, Status.APPROVED}), Status.HIDDEN),
    ActionKind.RESTORE: (frozenset({Status.APPROVED, Status.HIDDEN}), Status.PENDING),
    # Escalation keeps the status: it asks an editor to look, it decides nothing.
    ActionKind.ESCALATE: (frozenset(Status), None),
}
MAX_NOTE_LENGTH = 2000
ENV_USER = "MODERATOR_USER"


def default_actor_name(
    environ: Mapping[str, str] | None = None, *, remembered: str | None = None
) -> str:
    """Who is at the desk when nobody says: ``$MODERATOR_USER``, else the name the user chose
    (``remembered``), else the login name."""
    environ = os.environ if environ is None else environ
    return environ.get(ENV_USER, "").strip() or (remembered or "").strip() or getpass.getuser()


def ensure_profile(session: Session, name: str, *, role: Role | None = None) -> Profile:
    """The profile called ``name``, created as a moderator (or ``role``) on first use."""
    name = name.strip()
    if not name:
        raise MissingInputError("a profile needs a name")
    profile = session.scalar(select(Profile).where(Profile.name == name))
    if profile is None:
        profile = Profile(name=name, role=role or Role.MODERATOR)
        session.add(profile)
        session.flush()
    elif role is not None and profile.role != role:
        profile.role = role
    return profile


def approve(session: Session, comment_ids: Iterable[int], *, actor: Profile) -> ModerationChange:
    """Publish the comments."""
    return _decide(session, ActionKind.APPROVE, comment_ids, actor=actor)


def hide(
    session: Session,
    comment_ids: Iterable[int],
    *,
    actor: Profile,
    reason: ReasonCode | str | None,
    note: str | None = None,
) -> ModerationChange:
    """Take the comments down; a reason from the fixed list is required ("other" needs a note)."""
    if reason is None or reason == "":
        raise MissingInputError("hiding needs a reason: " + ", ".join(ReasonCode))
    try:
        code = ReasonCode(reason)
    except ValueError:
        raise MissingInputError(
            f"unknown reason {reason!r}; choose one of: " + ", ".join(ReasonCode)
        ) from None
    if code is ReasonCode.OTHER and not (note and note.strip()):
        raise MissingInputError("reason 'other' needs a note saying what the reason is")
    return _decide(session, ActionKind.HIDE, comment_ids, actor=actor, reason=code, note=note)


def hide_each(
    session: Session, notes: Mapping[int, str], *, actor: Profile, reason: ReasonCode
) -> ModerationChange:
    """Take the comments down at once, each with its own note (a rule's evidence, say)."""
    for comment_id, note in notes.items():
        if not note.strip():
            raise MissingInputError(f"the note for comment {comment_id} is empty")
        if len(note.strip()) > MAX_NOTE_LENGTH:
            raise MissingInputError(
                f"the note for comment {comment_id} is {len(note.strip())} characters;"
                f" the limit is {MAX_NOTE_LENGTH}"
            )
    return _decide(session, ActionKind.HIDE, notes, actor=actor, reason=reason, notes=notes)


def restore(session: Session, comment_ids: Iterable[int], *, actor: Profile) -> ModerationChange:
    """Send decided comments back to the pending queue."""
    return _decide(session, ActionKind.RESTORE, comment_ids, actor=actor)


def escalate(
    session: Session, comment_ids: Iterable[int], *, actor: Profile, note: str | None = None
) -> ModerationChange:
    """Ask an editor to review the comments; their status stays as it is."""
    return _decide(session, ActionKind.ESCALATE, comment_ids, actor=actor, note=note)


def undo(session: Session, change: ModerationChange, *, actor: Profile) -> ModerationChange:
    """Put the comments back as ``change`` found them: status and escalation.

    Each comment gets an "undo" entry naming the action it reverses; nothing is deleted, so
    the history shows the decision and its undoing. Refused for the whole batch
    (``TransitionError``) when any comment moved on since, by another decision or desk.
    """
    steps = {step.comment_id: step for step in change.comments}
    if not steps:
        raise MissingInputError("there is nothing to undo")
    comments = _load(session, list(steps))
    for comment in comments:
        step = steps[comment.id]
        if (comment.status, comment.escalated) != (step.to_status, step.escalated):
            state = f"{comment.status}{', escalated' if comment.escalated else ''}"
            raise TransitionError(
                f"comment {comment.id} changed since ({change.action}); it is now {state}:"
                " cannot undo"
            )
    return _log(
        session,
        ActionKind.UNDO,
        [
            _Move(
                comment,
                steps[comment.id].from_status,
                steps[comment.id].was_escalated,
                f"undo of action #{steps[comment.id].action_id} ({change.action})",
            )
            for comment in comments
        ],
        actor=actor,
        flagged={step.comment_id for step in steps.values() if step.flagged},
    )


def _flagged(session: Session, ids: Collection[int]) -> set[int]:
    """Which of these comments the rules flagged."""
    found: set[int] = set()
    for chunk in chunked(sorted(ids)):
        found.update(session.scalars(select(Flag.comment_id).where(Flag.comment_id.in_(chunk))))
    return found


def _decide(
    session: Session,
    action: ActionKind,
    comment_ids: Iterable[int],
    *,
    actor: Profile,
    reason: ReasonCode | None = None,
    note: str | None = None,
    notes: Mapping[int, str] | None = None,
) -> ModerationChange:
    """Apply one decision to the comments, logged; ``notes`` gives each comment its own note
    (then ``note`` is None)."""
    ids = list(dict.fromkeys(comment_ids))
    if not ids:
        raise MissingInputError(f"{action} needs at least one comment id")
    note = (note.strip() or None) if note is not None else None
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise MissingInputError(
            f"the note is {len(note)} characters; the limit is {MAX_NOTE_LENGTH}"
        )
    comments = _load(session, ids)
    allowed, target = _TRANSITIONS[action]
    # Check every comment before touching any, so that a batch is all-or-nothing.
    for comment in comments:
        if comment.status not in allowed:
            raise TransitionError(
                f"comment {comment.id} is already {comment.status}; cannot {action} it"
            )
        if action is ActionKind.ESCALATE and comment.escalated:
            raise TransitionError(f"comment {comment.id} is already escalated to an editor")

    moves = [
        _Move(
            comment,
            target or comment.status,
            comment.escalated or action is ActionKind.ESCALATE,
            note if notes is None else notes[comment.id].strip(),
        )
        for comment in comments
    ]
    return _log(
        session,
        action,
        moves,
        actor=actor,
        reason=reason,
        note=note,
        flagged=_flagged(session, ids),
    )


@dataclass(frozen=True, slots=True)
class _Move:
    """Where one decision takes one comment, and the note its history entry gets."""

    comment: Comment
    to_status: Status
    escalated: bool
    note: str | None


def _log(
    session: Session,
    action: ActionKind,
    moves: list[_Move],
    *,
    actor: Profile,
    flagged: Container[int],
    reason: ReasonCode | None = None,
    note: str | None = None,
) -> ModerationChange:
    """Move the comments (already checked) and add an entry to each one's history; what
    changed, for the views. ``note`` is the decision's own (None when each has its own)."""
    now = utc_now()
    done = []
    for move in moves:
        comment = move.comment
        from_status, was_escalated = comment.status, comment.escalated
        comment.status, comment.escalated = move.to_status, move.escalated
        record = ModerationAction(
            comment_id=comment.id,
            actor_id=actor.id,
            role=actor.role,
            action=action,
            from_status=from_status,
            to_status=move.to_status,
            reason=reason,
            note=move.note,
            created_at=now,
        )
        session.add(record)
        done.append((comment, record, from_status, was_escalated))
    session.flush()
    return ModerationChange(
        action=action,
        actor=actor.name,
        reason=reason,
        note=note,
        comments=tuple(
            CommentChange(
                comment_id=comment.id,
                article_id=comment.article_id,
                action_id=record.id,
                from_status=from_status,
                to_status=comment.status,
                was_escalated=was_escalated,
                escalated=comment.escalated,
                flagged=comment.id in flagged,
            )
            for comment, record, from_status, was_escalated in done
        ),
    )


def _load(session: Session, ids: Collection[int]) -> list[Comment]:
    found: dict[int, Comment] = {}
    # Locked in id order (PostgreSQL; SQLite's write transaction already excludes others), so
    # two desks deciding on the same comment cannot both start from its old status.
    for chunk in chunked(sorted(ids)):
        query = select(Comment).where(Comment.id.in_(chunk)).order_by(Comment.id)
        found.update((comment.id, comment) for comment in session.scalars(query.with_for_update()))
    missing = [i for i in ids if i not in found]
    if missing:
        listed = ", ".join(map(str, missing))
        raise NotFoundError(f"no comment with id {listed}")
    return [found[i] for i in ids]
