"""What each role may do, enforced here in the core: the window only hides what this refuses."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from moderator.domain import Role
from moderator.domain.errors import ServiceError
from moderator.services.history import Actor
from moderator.store.batching import chunked
from moderator.store.models import Article, Comment, LogEntryRow, Profile

# The log entry that records a profile made or its role changed.
PROFILE_ACTION = "profile"


class RoleError(ServiceError):
    """An action the acting profile's role does not allow; the message names the role needed."""


class LockedError(ServiceError):
    """A decision on a comment of an article an editor locked."""


def require_editor(actor: Actor, what: str) -> None:
    """Refuse ``what`` (e.g. "overturning a decision") unless ``actor`` is an editor."""
    if actor.role != Role.EDITOR:
        raise RoleError(f"{what} needs the editor role; {actor.name} is a {actor.role}")


def refuse_locked(session: Session, article_ids: Iterable[int]) -> None:
    """Refuse any decision on comments of a locked article, naming it."""
    for chunk in chunked(sorted(set(article_ids))):
        locked = session.execute(
            select(Article.id, Article.title).where(Article.id.in_(chunk), Article.locked)
        ).first()
        if locked is not None:
            raise LockedError(
                f"article #{locked[0]} ({locked[1][:60]!r}) is locked by an editor: its comments"
                " cannot be changed until an editor unlocks it"
            )


def refuse_locked_comments(session: Session, comments: Iterable[Comment]) -> None:
    refuse_locked(session, {comment.article_id for comment in comments})


def may_change_role(
    session: Session, *, name: str, current: Role | None, role: Role, by: Actor
) -> None:
    """Whether ``by`` may give profile ``name`` (now ``current``, None if new) the ``role``
    (``RoleError`` if not).

    An editor changes anyone's role, their own included (stepping down); anyone may start
    as a moderator. Until a database has had an editor nobody outranks anyone, so whoever is
    at the desk may name the first editor; after that only an editor makes one, even when
    none is left (a demoted last editor does not reopen the door).
    """
    if by.role == Role.EDITOR or (current is None and role is Role.MODERATOR):
        return
    if role is Role.EDITOR and not had_editor(session):
        return
    article = "an" if role is Role.EDITOR else "a"
    why = ""
    if role is Role.EDITOR and by.name == name:
        why = " (this database has had an editor, so nobody names themselves the first one)"
    raise RoleError(
        f"making {name} {article} {role} needs the editor role; {by.name} is a {by.role}{why}"
    )


def had_editor(session: Session) -> bool:
    """Whether any profile is or ever was an editor, by the profiles and the log.

    An entry made in the editor role proves one; so does a role entry granting it (a first
    editor names themselves while still a moderator). The log is kept whole by its chain.
    """
    if session.scalar(select(Profile.id).where(Profile.role == Role.EDITOR).limit(1)) is not None:
        return True
    granted = and_(
        LogEntryRow.action == PROFILE_ACTION,
        LogEntryRow.evidence.contains(f'"role":"{Role.EDITOR}"'),
    )
    found = session.scalar(
        select(LogEntryRow.seq).where(or_(LogEntryRow.role == Role.EDITOR, granted)).limit(1)
    )
    return found is not None
