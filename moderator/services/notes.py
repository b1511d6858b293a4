"""Notes on a comment or on an author: logged, and kept where the desk shows them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator.domain.errors import MissingInputError, NotFoundError
from moderator.formats.modlog import evidence_text
from moderator.services.history import Actor, NewEntry, append
from moderator.services.moderation import MAX_NOTE_LENGTH
from moderator.store.models import Author, Comment, Note, Profile, utc_now

COMMENT_NOTE = "note"
AUTHOR_NOTE = "author-note"


@dataclass(frozen=True, slots=True)
class NoteChange:
    """A note added: on a comment (``comment_id``) or an author (``author``)."""

    entry_seq: int
    text: str
    actor: str
    comment_id: int | None = None
    article_id: int | None = None
    author: str | None = None


def _checked(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise MissingInputError("a note needs some text")
    if len(text) > MAX_NOTE_LENGTH:
        raise MissingInputError(
            f"the note is {len(text)} characters; the limit is {MAX_NOTE_LENGTH}"
        )
    return text


def _keep(
    session: Session,
    actor: Profile,
    entry: NewEntry,
    *,
    comment_id: int | None = None,
    author_id: int | None = None,
) -> tuple[Actor, int]:
    """Log the note, then keep it where the desk finds it; who acted and the entry's number."""
    acting = Actor.of(actor)
    (seq,) = append(session, acting, [entry])
    session.add(
        Note(
            comment_id=comment_id,
            author_id=author_id,
            text=entry.note,
            actor=acting.name,
            role=acting.role,
            created_at=utc_now(),
            entry_seq=seq,
        )
    )
    session.flush()
    return acting, seq


def note_comment(session: Session, comment_id: int, text: str, *, actor: Profile) -> NoteChange:
    """Add a note to a comment; its status stays as it is. Any role may."""
    text = _checked(text)
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFoundError(f"no comment with id {comment_id}")
    entry = NewEntry(
        COMMENT_NOTE,
        comment_id=comment.id,
        article_id=comment.article_id,
        from_status=str(comment.status),
        to_status=str(comment.status),
        escalated=comment.escalated,
        note=text,
    )
    acting, seq = _keep(session, actor, entry, comment_id=comment.id)
    return NoteChange(seq, text, acting.name, comment_id=comment.id, article_id=comment.article_id)


def note_author(session: Session, author: str, text: str, *, actor: Profile) -> NoteChange:
    """Add a note to an author (a pattern seen, a warning given). Any role may."""
    text = _checked(text)
    found = session.scalar(select(Author).where(Author.name == author))
    if found is None:
        raise NotFoundError(f"no author called {author!r}")
    entry = NewEntry(AUTHOR_NOTE, note=text, evidence=evidence_text({"author": found.name}))
    acting, seq = _keep(session, actor, entry, author_id=found.id)
    return NoteChange(seq, text, acting.name, author=found.name)
