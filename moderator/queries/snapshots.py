"""The read side: articles, comments, profiles and authors as plain snapshots.

The comment queue's filter and paging are in :mod:`moderator.queries.queue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from moderator.domain import Role, Severity, Status
from moderator.domain.names import spelled
from moderator.store.models import (
    NOT_FLAGGED,
    UNSCORED,
    Article,
    Author,
    Comment,
    Flag,
    Note,
    Profile,
)


@dataclass(frozen=True, slots=True)
class FlagRow:
    rule_id: str
    severity: Severity
    explanation: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A comment as the queue shows it; safe to hold in a view, it is not tied to a session."""

    id: int
    article_id: int
    article_title: str
    position: int
    author: str
    posted_at: datetime
    body: str
    status: Status
    escalated: bool
    flags: tuple[FlagRow, ...] = ()
    # The gravest flag as a sort key (0 high ... 3 none): where the row sits by severity.
    urgency: int = NOT_FLAGGED
    # The comment's version when read (``Comment.version``), sent back with a decision.
    version: int = 0
    # Its place by the ranker: 0 the likeliest to be hidden, UNSCORED not scored yet.
    hide_rank: int = UNSCORED

    @property
    def score(self) -> float | None:
        """How likely the ranker judged the comment to be hidden (0 to 1), if it has."""
        return None if self.hide_rank >= UNSCORED else round(1 - self.hide_rank / UNSCORED, 4)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "article_title": self.article_title,
            "position": self.position,
            "author": self.author,
            "posted_at": self.posted_at.isoformat(),
            "status": str(self.status),
            "escalated": self.escalated,
            "version": self.version,
            "score": self.score,
            "body": self.body,
            "flags": [
                {
                    "rule_id": flag.rule_id,
                    "severity": str(flag.severity),
                    "explanation": flag.explanation,
                    "spans": [list(span) for span in flag.spans],
                }
                for flag in self.flags
            ],
        }


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article with its queue counts."""

    id: int
    title: str
    source: str
    imported_at: datetime
    comments: int
    pending: int
    approved: int
    hidden: int
    flagged: int
    # Flagged and still pending: the Flagged queue.
    flagged_pending: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "imported_at": self.imported_at.isoformat(),
            "comments": self.comments,
            "pending": self.pending,
            "approved": self.approved,
            "hidden": self.hidden,
            "flagged": self.flagged,
            "flagged_pending": self.flagged_pending,
        }


def list_articles(
    session: Session, *, limit: int | None = None, offset: int = 0
) -> list[ArticleRow]:
    """Every article, newest import first, with how many comments stand in each state;
    ``limit`` and ``offset`` page them.

    A page counts its own articles' comments only (each article's through the index that
    starts with it), so that a page of fifty costs the same beside a million comments.
    """
    page = (
        select(Article.id)
        .order_by(Article.imported_at.desc(), Article.id.desc())
        .limit(limit)
        .offset(offset)
    )
    counts = (
        select(
            Comment.article_id,
            func.count().label("comments"),
            func.sum(case((Comment.status == Status.PENDING, 1), else_=0)).label("pending"),
            func.sum(case((Comment.status == Status.APPROVED, 1), else_=0)).label("approved"),
            func.sum(case((Comment.status == Status.HIDDEN, 1), else_=0)).label("hidden"),
        )
        .where(Comment.article_id.in_(page.scalar_subquery()))
        .group_by(Comment.article_id)
        .subquery()
    )
    pending_id = case((Comment.status == Status.PENDING, Flag.comment_id))
    flagged = (
        select(
            Comment.article_id,
            func.count(func.distinct(Flag.comment_id)).label("flagged"),
            func.count(func.distinct(pending_id)).label("flagged_pending"),
        )
        .join(Flag, Flag.comment_id == Comment.id)
        .where(Comment.article_id.in_(page.scalar_subquery()))
        .group_by(Comment.article_id)
        .subquery()
    )
    query = (
        select(
            Article.id,
            Article.title,
            Article.source,
            Article.imported_at,
            func.coalesce(counts.c.comments, 0),
            func.coalesce(counts.c.pending, 0),
            func.coalesce(counts.c.approved, 0),
            func.coalesce(counts.c.hidden, 0),
            func.coalesce(flagged.c.flagged, 0),
            func.coalesce(flagged.c.flagged_pending, 0),
        )
        .outerjoin(counts, counts.c.article_id == Article.id)
        .outerjoin(flagged, flagged.c.article_id == Article.id)
        .order_by(Article.imported_at.desc(), Article.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [ArticleRow(*row) for row in session.execute(query)]


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    """An article's text for reading beside its queue."""

    id: int
    title: str
    source: str
    paragraphs: tuple[str, ...]
    imported_at: datetime


def get_article(session: Session, article_id: int) -> ArticleDetail | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    return ArticleDetail(
        id=article.id,
        title=article.title,
        source=article.source,
        paragraphs=tuple(article.paragraphs),
        imported_at=article.imported_at,
    )


@dataclass(frozen=True, slots=True)
class ProfileRow:
    name: str
    role: Role


def get_profile(session: Session, name: str) -> ProfileRow | None:
    # A name typed decomposed (``e`` and an accent) finds its profile, stored composed.
    profile = session.scalar(select(Profile).where(Profile.name == spelled(name)))
    return None if profile is None else ProfileRow(profile.name, profile.role)


@dataclass(frozen=True, slots=True)
class AuthorSummary:
    """What the desk knows of an author: their stored comments and how they were decided."""

    name: str
    comments: int
    pending: int
    approved: int
    hidden: int
    flagged: int


def author_summary(session: Session, name: str) -> AuthorSummary:
    """Counts over every article; an unknown name has none."""
    rows = session.execute(
        select(Comment.status, func.count(Comment.id))
        .join(Author, Author.id == Comment.author_id)
        .where(Author.name == name)
        .group_by(Comment.status)
    )
    by_status: dict[Status, int] = dict(rows.all())
    flagged = session.scalar(
        select(func.count(func.distinct(Flag.comment_id)))
        .join(Comment, Comment.id == Flag.comment_id)
        .join(Author, Author.id == Comment.author_id)
        .where(Author.name == name)
    )
    return AuthorSummary(
        name=name,
        comments=sum(by_status.values()),
        pending=by_status.get(Status.PENDING, 0),
        approved=by_status.get(Status.APPROVED, 0),
        hidden=by_status.get(Status.HIDDEN, 0),
        flagged=flagged or 0,
    )


def article_titles(session: Session) -> list[tuple[int, str]]:
    """Every article's id and title, in import order (for lists to choose from)."""
    return [(aid, title) for aid, title in session.execute(select(Article.id, Article.title))]


@dataclass(frozen=True, slots=True)
class NoteRow:
    """A note as the desk shows it."""

    text: str
    actor: str
    role: str
    created_at: datetime
    entry_seq: int


def _notes(session: Session, condition: Any) -> list[NoteRow]:
    rows = session.execute(
        select(Note.text, Note.actor, Note.role, Note.created_at, Note.entry_seq)
        .where(condition)
        .order_by(Note.entry_seq)
    )
    return [NoteRow(*row) for row in rows]


def comment_notes(session: Session, comment_id: int) -> list[NoteRow]:
    """The notes left on a comment, oldest first."""
    return _notes(session, Note.comment_id == comment_id)


def author_notes(session: Session, author: str) -> list[NoteRow]:
    """The notes left on an author, oldest first."""
    author_id = select(Author.id).where(Author.name == author).scalar_subquery()
    return _notes(session, Note.author_id == author_id)


def article_locked(session: Session, article_id: int) -> bool:
    """Whether an editor locked the article's comments."""
    return bool(session.scalar(select(Article.locked).where(Article.id == article_id)))
