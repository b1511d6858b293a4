"""Moderation decisions: approve, hide, restore to pending and escalate, each one logged."""

from __future__ import annotations

import getpass
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, ReasonCode, Role, Status
from moderator.domain.errors import (
    ConflictError,
    MissingInputError,
    NotFoundError,
    TransitionError,
)
from moderator.domain.names import normal_name, refuse_look_alike
from moderator.formats.modlog import evidence_text
from moderator.log.queries import decided_by, get_entry, made_by, previous_state
from moderator.services.changes import CommentChange, ModerationChange
from moderator.services.history import (
    Actor,
    NewEntry,
    append,
    evidence,
    lock_log,
    stored_hits,
)
from moderator.services.importing import PLATFORM_STATE
from moderator.services.roles import (
    PROFILE_ACTION,
    may_change_role,
    refuse_locked_comments,
    require_editor,
)
from moderator.services.team import refuse_other_name
from moderator.store.batching import chunked
from moderator.store.models import Comment, LogEntryRow, Profile

# Which statuses each decision may start from, and where it leaves the comment.
_TRANSITIONS: dict[ActionKind, tuple[frozenset[Status], Status | None]] = {
    ActionKind.APPROVE: (frozenset({Status.PENDING, Status.HIDDEN}), Status.APPROVED),
    ActionKind.HIDE: (frozenset({Status.PENDING, Status.APPROVED}), Status.HIDDEN),
    ActionKind.RESTORE: (frozenset({Status.APPROVED, Status.HIDDEN}), Status.PENDING),
    # Escalation keeps the status: it asks an editor to look, it decides nothing.
    ActionKind.ESCALATE: (frozenset(Status), None),
}
MAX_NOTE_LENGTH = 2000


def may_apply(action: ActionKind, status: Status, *, escalated: bool) -> bool:
    """Whether ``action`` can apply to a comment in this state (the check every decision
    makes before anything else; who may is a matter of roles, decided later)."""
    if action is ActionKind.ESCALATE and escalated:
        return False
    return status in _TRANSITIONS[action][0]


# Each comment's version as the decider was shown it (``Comment.version``), by comment id.
Seen = Mapping[int, int]
ENV_USER = "MODERATOR_USER"


def default_actor_name(
    environ: Mapping[str, str] | None = None, *, remembered: str | None = None
) -> str:
    """Who is at the desk when nobody says: ``$MODERATOR_USER``, else the name the user chose
    (``remembered``), else the login name."""
    environ = os.environ if environ is None else environ
    return environ.get(ENV_USER, "").strip() or (remembered or "").strip() or getpass.getuser()


def ensure_profile(
    session: Session, name: str, *, role: Role | None = None, granted_by: str | None = None
) -> Profile:
    """The profile called ``name``, created as a moderator (or ``role``) on first use.

    Every way a person comes to the desk (``--as``, ``$MODERATOR_USER``, the profile dialog,
    an import) passes here, so the name rules hold for all: the name is stored in NFC, and a
    reserved, unprintable or look-alike name is refused (``ProfileNameError``).

    ``granted_by`` (by default ``name`` itself) is who gives the role and whom the profile's
    entry names as its actor; what they may give is ``roles.may_change_role`` (``RoleError``).
    """
    name = normal_name(name)
    if not name:
        raise MissingInputError("a profile needs a name")
    # On a team's PostgreSQL database the login is who acts, whatever name was asked for.
    refuse_other_name(session, normal_name(granted_by) if granted_by else name)
    profile = session.scalar(select(Profile).where(Profile.name == name))
    if profile is not None and role in (None, profile.role):
        return profile
    if profile is None:
        # The name first: a look-alike is refused whatever role it asks for.
        refuse_look_alike(name, session.scalars(select(Profile.name)))
    current = None if profile is None else profile.role
    by = _granter(session, name, current, granted_by)
    target = role or Role.MODERATOR
    may_change_role(session, name=name, current=current, role=target, by=by)
    facts: dict[str, object] = {"profile": name, "role": str(target)}
    if profile is None:
        profile = Profile(name=name, role=target)
        session.add(profile)
        session.flush()
        note = f"{name}: new {target}"
    else:
        facts["previous_role"] = str(profile.role)
        note = f"{name}: role changed from {profile.role} to {target}"
        profile.role = target
    append(session, by, [NewEntry(PROFILE_ACTION, note=note, evidence=evidence_text(facts))])
    return profile


def _granter(session: Session, name: str, current: Role | None, granted_by: str | None) -> Actor:
    """Who gives ``name`` a role: ``name`` itself in the role it has (a newcomer acts as a
    moderator), else ``granted_by``'s profile, or, for a name with none yet, that name acting
    as a moderator (held to the name rules, as it will stand in the log)."""
    given = normal_name(granted_by) if granted_by else name
    if not given or given == name:
        return Actor(name, str(current or Role.MODERATOR))
    giver = session.scalar(select(Profile).where(Profile.name == given))
    if giver is not None:
        return Actor.of(giver)
    refuse_look_alike(given, session.scalars(select(Profile.name)))
    return Actor(given, str(Role.MODERATOR))


def approve(
    session: Session, comment_ids: Iterable[int], *, actor: Profile, seen: Seen | None = None
) -> ModerationChange:
    """Publish the comments."""
    return _decide(session, ActionKind.APPROVE, comment_ids, actor=Actor.of(actor), seen=seen)


def hide(
    session: Session,
    comment_ids: Iterable[int],
    *,
    actor: Profile,
    reason: ReasonCode | str | None,
    note: str | None = None,
    seen: Seen | None = None,
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
    return _decide(
        session,
        ActionKind.HIDE,
        comment_ids,
        actor=Actor.of(actor),
        reason=code,
        note=note,
        seen=seen,
    )


def hide_each(
    session: Session, notes: Mapping[int, str], *, actor: Actor, reason: ReasonCode
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


def restore(
    session: Session, comment_ids: Iterable[int], *, actor: Profile, seen: Seen | None = None
) -> ModerationChange:
    """Send decided comments back to the pending queue."""
    return _decide(session, ActionKind.RESTORE, comment_ids, actor=Actor.of(actor), seen=seen)


def escalate(
    session: Session,
    comment_ids: Iterable[int],
    *,
    actor: Profile,
    note: str | None = None,
    seen: Seen | None = None,
) -> ModerationChange:
    """Ask an editor to review the comments; their status stays as it is."""
    return _decide(
        session, ActionKind.ESCALATE, comment_ids, actor=Actor.of(actor), note=note, seen=seen
    )


def undo(
    session: Session,
    change: ModerationChange,
    *,
    actor: Profile,
    kind: ActionKind = ActionKind.UNDO,
) -> ModerationChange:
    """Put the comments back as ``change`` found them: status and escalation.

    Each comment gets an entry (``kind``: an undo, or a revert made from the log) naming the
    entry it reverses; nothing is deleted, so the log shows the decision and its undoing.
    Refused for the whole batch (``TransitionError``) when any comment moved on since, by
    another decision or desk.
    """
    steps = {step.comment_id: step for step in change.comments}
    if not steps:
        raise MissingInputError("there is nothing to undo")
    acting = Actor.of(actor)
    if change.actor != acting.name:
        require_editor(acting, f"putting back {change.actor}'s decision")
    comments = load_comments(session, list(steps))
    refuse_locked_comments(session, comments)
    for comment in comments:
        step = steps[comment.id]
        # By version: a comment sent back and decided the same way again by someone else is
        # theirs now, though its status is as the change left it. (Version 0: unchanged since
        # versions began, when only its state can tell.)
        moved_on = (
            comment.version != step.entry_seq
            if comment.version
            else (comment.status, comment.escalated) != (step.to_status, step.escalated)
        )
        if moved_on:
            state = f"{comment.status}{', escalated' if comment.escalated else ''}"
            raise TransitionError(
                f"comment {comment.id} changed since ({change.action}); it is now {state}"
                f"{made_by(session, comment.version) if comment.version else ''}: cannot {kind}"
            )
    # Checked once the comments are known to be as the change left them: then the last
    # decision is the change's own, and only its maker's role matters.
    _refuse_others_decisions(session, acting, comments)
    return log_moves(
        session,
        kind,
        [
            Move(
                comment,
                steps[comment.id].from_status,
                steps[comment.id].was_escalated,
                None,
                reverts=steps[comment.id].entry_seq,
            )
            for comment in comments
        ],
        actor=acting,
    )


# A decision that turns another round: a published comment hidden, a hidden one published.
_OVERTURNS = {(ActionKind.APPROVE, Status.HIDDEN), (ActionKind.HIDE, Status.APPROVED)}


def _check_role(actor: Actor, action: ActionKind, comment: Comment) -> None:
    """Moderators decide pending comments and send decided ones back; an escalated comment
    waits for an editor, and only an editor overturns a decision."""
    if action is ActionKind.ESCALATE:
        return
    if comment.escalated:
        require_editor(actor, f"deciding escalated comment {comment.id}")
    if (action, comment.status) in _OVERTURNS:
        require_editor(actor, f"overturning the decision on comment {comment.id}")


def _refuse_others_decisions(session: Session, actor: Actor, comments: list[Comment]) -> None:
    """A moderator may not send back or put back what someone else decided last (another
    person, the rules, the source platform) nor what they decided as an editor: a hidden
    comment restored, then approved, would overturn that decision in two steps."""
    if actor.role == Role.EDITOR:
        return
    ids = [comment.id for comment in comments]
    last: dict[int, tuple[int, str, str]] = {}
    for chunk in chunked(sorted(ids)):
        # By comment only (its index), the kind of entry sorted out here: filtered by action
        # in SQL, the database may walk every such entry of the log instead.
        rows = session.execute(
            select(
                LogEntryRow.comment_id,
                LogEntryRow.seq,
                LogEntryRow.action,
                LogEntryRow.actor,
                LogEntryRow.role,
            ).where(LogEntryRow.comment_id.in_(chunk))
        )
        for comment_id, seq, action, who, role in rows:
            if comment_id is None or action not in _DECIDING:
                continue
            if seq > last.get(comment_id, (0, "", ""))[0]:
                last[comment_id] = (seq, who, role)
    for comment_id in ids:
        _, who, role = last.get(comment_id, (0, actor.name, str(actor.role)))
        if role == Role.EDITOR:
            require_editor(actor, f"changing an editor's decision on comment {comment_id}")
        if who != actor.name:
            require_editor(actor, f"changing {who}'s decision on comment {comment_id}")


# Entries that leave a comment's status decided by someone (notes and flags do not).
_DECIDING = (
    PLATFORM_STATE,
    "approve",
    "hide",
    "restore",
    "undo",
    "revert",
    "uphold",
    "overturn",
    "return",
)


# Entries a revert can put back: decisions on one comment.
REVERTIBLE = frozenset(
    {
        ActionKind.APPROVE,
        ActionKind.HIDE,
        ActionKind.RESTORE,
        ActionKind.ESCALATE,
        ActionKind.UNDO,
        ActionKind.REVERT,
        ActionKind.UPHOLD,
        ActionKind.OVERTURN,
        ActionKind.RETURN,
    }
)


def revert(session: Session, seq: int, *, actor: Profile) -> ModerationChange:
    """Put a comment back as log entry ``seq`` found it, with a compensating ``revert`` entry.

    Refused (``TransitionError``) unless the entry is a decision and the comment is still in
    the state it left, so that a revert never overrides a later decision unseen.
    """
    entry = get_entry(session, seq)
    if entry is None:
        raise NotFoundError(f"no log entry {seq}")
    if entry.action not in REVERTIBLE or entry.comment is None or entry.article is None:
        raise TransitionError(
            f"entry {seq} ({entry.action}) is not a decision on a comment; only "
            + ", ".join(sorted(REVERTIBLE))
            + " can be reverted"
        )
    before, was_escalated = previous_state(session, entry)
    step = CommentChange(
        comment_id=entry.comment,
        article_id=entry.article,
        entry_seq=seq,
        from_status=Status(entry.from_status or before),
        to_status=Status(entry.to_status or before),
        was_escalated=was_escalated,
        escalated=bool(entry.escalated),
    )
    decision = ModerationChange(
        action=ActionKind(entry.action),
        actor=entry.actor,
        reason=None,
        note=None,
        comments=(step,),
    )
    return undo(session, decision, actor=actor, kind=ActionKind.REVERT)


def _decide(
    session: Session,
    action: ActionKind,
    comment_ids: Iterable[int],
    *,
    actor: Actor,
    reason: ReasonCode | None = None,
    note: str | None = None,
    notes: Mapping[int, str] | None = None,
    seen: Seen | None = None,
) -> ModerationChange:
    """Apply one decision to the comments, logged; ``notes`` gives each comment its own note
    (then ``note`` is None). ``seen``: the version of each comment the decider was shown."""
    ids = list(dict.fromkeys(comment_ids))
    if not ids:
        raise MissingInputError(f"{action} needs at least one comment id")
    note = (note.strip() or None) if note is not None else None
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise MissingInputError(
            f"the note is {len(note)} characters; the limit is {MAX_NOTE_LENGTH}"
        )
    comments = load_comments(session, ids)
    allowed, target = _TRANSITIONS[action]
    refuse_changed_since_seen(session, comments, seen)
    refuse_locked_comments(session, comments)
    # Check every comment before touching any, so that a batch is all-or-nothing.
    for comment in comments:
        if comment.status not in allowed:
            # Who got there first matters when two desks decide at once.
            who = decided_by(session, comment.id)
            raise TransitionError(
                f"comment {comment.id} is already {comment.status}{who}; cannot {action} it"
            )
        if action is ActionKind.ESCALATE and comment.escalated:
            raise TransitionError(f"comment {comment.id} is already escalated to an editor")
        _check_role(actor, action, comment)
    if action is ActionKind.RESTORE:
        _refuse_others_decisions(session, actor, comments)

    moves = [
        Move(
            comment,
            target or comment.status,
            comment.escalated or action is ActionKind.ESCALATE,
            note if notes is None else notes[comment.id].strip(),
        )
        for comment in comments
    ]
    return log_moves(session, action, moves, actor=actor, reason=reason, note=note)


def refuse_changed_since_seen(
    session: Session, comments: Iterable[Comment], seen: Seen | None
) -> None:
    """``ConflictError`` if any comment changed after the decider was shown it (its version
    moved on): two desks deciding the same comment at once, the later is told who won."""
    if not seen:
        return
    for comment in comments:
        version = seen.get(comment.id)
        if version is not None and version != comment.version:
            state = f"{comment.status}{', escalated' if comment.escalated else ''}"
            raise ConflictError(
                f"comment {comment.id} is already {state}{made_by(session, comment.version)}:"
                " it changed while you had it open, so nothing was decided; look at it again"
            )


@dataclass(frozen=True, slots=True)
class Move:
    """Where one decision takes one comment, and the note its log entry gets."""

    comment: Comment
    to_status: Status
    escalated: bool
    note: str | None
    reverts: int | None = None


def log_moves(
    session: Session,
    action: ActionKind,
    moves: list[Move],
    *,
    actor: Actor,
    reason: ReasonCode | None = None,
    note: str | None = None,
) -> ModerationChange:
    """Move the comments (already checked) and log each move with its evidence (the rule
    hits and the text as they were); what changed, for the views. ``note`` is the decision's
    own (None when each comment has its own)."""
    hits = stored_hits(session, [move.comment.id for move in moves])
    entries = []
    before = []
    for move in moves:
        comment = move.comment
        before.append((comment.status, comment.escalated))
        entries.append(
            NewEntry(
                action=str(action),
                comment_id=comment.id,
                article_id=comment.article_id,
                from_status=str(comment.status),
                to_status=str(move.to_status),
                escalated=move.escalated,
                reason=None if reason is None else str(reason),
                reverts=move.reverts,
                note=move.note,
                evidence=evidence(comment.body, hits.get(comment.id, ())),
            )
        )
    # Logged first, then moved in one update naming its entry: on a team's database the
    # server refuses a change of state whose entry is not already there (moderator.services.team).
    seqs = append(session, actor, entries)
    for move, seq in zip(moves, seqs, strict=True):
        comment = move.comment
        comment.status, comment.escalated, comment.version = move.to_status, move.escalated, seq
    session.flush()
    return ModerationChange(
        action=action,
        actor=actor.name,
        reason=reason,
        note=note,
        comments=tuple(
            CommentChange(
                comment_id=move.comment.id,
                article_id=move.comment.article_id,
                entry_seq=seq,
                from_status=from_status,
                to_status=move.to_status,
                was_escalated=was_escalated,
                escalated=move.escalated,
                flagged=move.comment.id in hits,
            )
            for move, seq, (from_status, was_escalated) in zip(moves, seqs, before, strict=True)
        ),
    )


def load_comments(session: Session, ids: Collection[int]) -> list[Comment]:
    lock_log(session)
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
