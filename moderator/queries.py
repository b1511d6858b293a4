"""The read side: articles and comment queues as plain snapshots, filtered and paged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, case, exists, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session

from moderator.batching import chunked
from moderator.domain import Role, Severity, Status
from moderator.models import NOT_FLAGGED, Article, Author, Comment, Flag, Profile

_SelectT = TypeVar("_SelectT", bound=Select[*tuple[Any, ...]])


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
    urgency: int = 3

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


class QueueOrder(StrEnum):
    """How a queue is ordered: as posted (thread order within an article), or the gravest
    flags first (then as posted)."""

    TIME = "time"
    SEVERITY = "severity"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which comments a queue shows, and in what order; ``None`` means any."""

    article_id: int | None = None
    status: Status | None = None
    flagged: bool = False
    order: QueueOrder = QueueOrder.TIME
    # Words the comment's text or its author's name must contain (any case); "" for any.
    search: str = ""

    def apply(self, query: _SelectT) -> _SelectT:
        if self.article_id is not None:
            query = query.where(Comment.article_id == self.article_id)
        if self.status is not None:
            query = query.where(Comment.status == self.status)
        if self.flagged:
            query = query.where(exists().where(Flag.comment_id == Comment.id))
        for word in self.search.split():
            # Typed text, matched as text: % and _ are not wildcards here.
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            authors = select(Author.id).where(Author.name.ilike(pattern, escape="\\"))
            query = query.where(
                or_(Comment.body.ilike(pattern, escape="\\"), Comment.author_id.in_(authors))
            )
        return query


def list_queue(
    session: Session,
    queue: QueueFilter,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: CommentRow | None = None,
) -> list[CommentRow]:
    """A page of the queue: one article's comments in thread order, or all by time posted;
    by severity, the gravest flags first and then in that order.

    ``after`` continues from a row of the previous page (keyset paging): unlike ``offset``, it
    costs the same on the thousandth page as on the first.
    """
    if queue.article_id is None and queue.status is None and not offset:
        return _merged_statuses(session, queue, limit=limit, after=after)
    if queue.order is QueueOrder.SEVERITY and queue.article_id is None and not offset:
        rows = _across_by_urgency(session, queue, limit=limit, after=after)
    else:
        order: tuple[Any, ...]
        resume: tuple[Any, ...] | None
        if queue.article_id is not None:
            order = (Comment.position, Comment.id)
            resume = None if after is None else (after.position, after.id)
        else:
            order = (Comment.posted_at, Comment.id)
            resume = None if after is None else (after.posted_at, after.id)
        if queue.order is QueueOrder.SEVERITY:
            order = (Comment.urgency, *order)
            resume = None if after is None or resume is None else (after.urgency, *resume)
        rows = _page(session, queue.apply(_comment_rows()), order, resume, limit, offset=offset)
    flags = _flags_for(session, [row.id for row in rows])
    return [_snapshot(row, flags) for row in rows]


def _merged_statuses(
    session: Session, queue: QueueFilter, *, limit: int | None, after: CommentRow | None
) -> list[CommentRow]:
    """Every article's comments of every status: a page of each status (each served by an
    index that starts with the status), merged. Ordering all of them in one query has no index
    to follow and sorts the whole table for every page."""
    rows = [
        row
        for status in Status
        for row in list_queue(session, replace(queue, status=status), limit=limit, after=after)
    ]
    if queue.order is QueueOrder.SEVERITY:
        rows.sort(key=lambda row: (row.urgency, row.posted_at, row.id))
    else:
        rows.sort(key=lambda row: (row.posted_at, row.id))
    return rows if limit is None else rows[:limit]


def _page(
    session: Session,
    query: Select[*tuple[Any, ...]],
    order: tuple[Any, ...],
    resume: tuple[Any, ...] | None,
    limit: int | None,
    *,
    offset: int = 0,
) -> list[Any]:
    """Rows of ``query`` in ``order``, after ``resume`` (a row's values of the order's columns)."""
    query = query.order_by(*order)
    if resume is not None:
        bound = (literal(value, column.type) for column, value in zip(order, resume, strict=True))
        query = query.where(tuple_(*order) > tuple_(*bound))
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return list(session.execute(query).all())


def _across_by_urgency(
    session: Session, queue: QueueFilter, *, limit: int | None, after: CommentRow | None
) -> list[Any]:
    """Every article's queue by severity, as two runs: the flagged comments by urgency (from
    their partial index), then the rest by time (the status index). One sorted query over
    all of them would sort a million rows for every page."""
    rows: list[Any] = []
    by_time = (Comment.posted_at, Comment.id)
    rest_after: tuple[Any, ...] | None = None
    if after is None or after.urgency < NOT_FLAGGED:
        # Written as a literal, not a parameter: only then can SQLite see that the partial
        # index (urgency < 3) covers the query.
        flagged = queue.apply(_comment_rows()).where(
            Comment.urgency < literal_column(str(NOT_FLAGGED))
        )
        resume = None if after is None else (after.urgency, after.posted_at, after.id)
        rows = _page(session, flagged, (Comment.urgency, *by_time), resume, limit)
        if limit is not None and len(rows) >= limit:
            return rows
    else:
        rest_after = (after.posted_at, after.id)
    rest = queue.apply(_comment_rows()).where(Comment.urgency == NOT_FLAGGED)
    left = None if limit is None else limit - len(rows)
    return rows + _page(session, rest, by_time, rest_after, left)


def _comment_rows() -> Select[int, int, str, int, str, datetime, str, Status, bool, int]:
    """The columns of a :class:`CommentRow`, in its field order."""
    return (
        select(
            Comment.id,
            Comment.article_id,
            Article.title,
            Comment.position,
            Author.name,
            Comment.posted_at,
            Comment.body,
            Comment.status,
            Comment.escalated,
            Comment.urgency,
        )
        .join(Article, Article.id == Comment.article_id)
        .join(Author, Author.id == Comment.author_id)
    )


def _snapshot(row: Any, flags: dict[int, tuple[FlagRow, ...]]) -> CommentRow:
    comment_id, article_id, title, position, author, posted_at, body, status, escalated, urgency = (
        row
    )
    return CommentRow(
        id=comment_id,
        article_id=article_id,
        article_title=title,
        position=position,
        author=author,
        posted_at=posted_at,
        body=body,
        status=status,
        escalated=escalated,
        flags=flags.get(comment_id, ()),
        urgency=urgency,
    )


def count_queue(session: Session, queue: QueueFilter) -> int:
    return session.scalar(queue.apply(select(func.count(Comment.id)))) or 0


def get_comment(session: Session, comment_id: int) -> CommentRow | None:
    rows = list_queue_by_ids(session, [comment_id])
    return rows[0] if rows else None


def list_queue_by_ids(session: Session, ids: list[int]) -> list[CommentRow]:
    """Fresh snapshots of these comments, in the order asked for (missing ones left out)."""
    found: dict[int, CommentRow] = {}
    for chunk in chunked(ids):
        rows = session.execute(_comment_rows().where(Comment.id.in_(chunk))).all()
        flags = _flags_for(session, [row.id for row in rows])
        found.update((row.id, _snapshot(row, flags)) for row in rows)
    return [found[i] for i in ids if i in found]


def _flags_for(session: Session, ids: list[int]) -> dict[int, tuple[FlagRow, ...]]:
    flags: defaultdict[int, list[FlagRow]] = defaultdict(list)
    for chunk in chunked(ids):
        query = (
            select(Flag.comment_id, Flag.rule_id, Flag.severity, Flag.explanation, Flag.spans)
            .where(Flag.comment_id.in_(chunk))
            .order_by(Flag.comment_id, Flag.id)
        )
        for comment_id, rule_id, severity, explanation, spans in session.execute(query):
            flags[comment_id].append(
                FlagRow(rule_id, severity, explanation, tuple((a, b) for a, b in spans))
            )
    return {comment_id: tuple(rows) for comment_id, rows in flags.items()}


def list_articles(session: Session) -> list[ArticleRow]:
    """Every article, newest import first, with how many comments stand in each state."""
    counts = (
        select(
            Comment.article_id,
            func.count().label("comments"),
            func.sum(case((Comment.status == Status.PENDING, 1), else_=0)).label("pending"),
            func.sum(case((Comment.status == Status.APPROVED, 1), else_=0)).label("approved"),
            func.sum(case((Comment.status == Status.HIDDEN, 1), else_=0)).label("hidden"),
        )
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
    profile = session.scalar(select(Profile).where(Profile.name == name.strip()))
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
