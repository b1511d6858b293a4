"""What each role may do, enforced here in the core: the window only hides what this refuses."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.batching import chunked
from moderator.domain import Role
from moderator.models import Article, Comment, Profile
from moderator.services.errors import ServiceError
from moderator.services.history import Actor


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


def may_grant(session: Session, *, name: str, role: Role, granted_by: str | None) -> None:
    """Whether ``granted_by`` may give ``name`` the ``role``: anyone may step down to moderator
    and the first editor may name themselves; after that only an editor makes an editor."""
    if role is not Role.EDITOR:
        return
    editors = set(session.scalars(select(Profile.name).where(Profile.role == Role.EDITOR)))
    if not editors or (granted_by is not None and granted_by in editors):
        return
    role_of = session.scalar(select(Profile.role).where(Profile.name == granted_by))
    giver = f"{granted_by} is a {role_of or Role.MODERATOR}" if granted_by else "nobody asked"
    raise RoleError(f"making {name} an editor needs the editor role; {giver}")
