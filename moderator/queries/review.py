"""The editors' read side: troubled threads ranked for review, and a thread as a reply tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, select, union
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, Severity, Status
from moderator.queries.queue import QueueFilter, list_queue
from moderator.queries.snapshots import CommentRow
from moderator.store.models import NOT_FLAGGED, Article, Comment, Flag, LogEntryRow

_SEVERITY_OF_URGENCY = {0: Severity.HIGH, 1: Severity.MEDIUM, 2: Severity.LOW}


@dataclass(frozen=True, slots=True)
class TroubledThread:
    """An article with comments that need a look: escalated ones, or pending ones a rule
    flagged; with what ranks it."""

    article_id: int
    title: str
    escalated: int
    flagged: int
    hits: int
    # The gravest flag among those comments (0 high ... 3 none).
    urgency: int
    waiting_since: datetime
    locked: bool = False

    @property
    def severity(self) -> Severity | None:
        return _SEVERITY_OF_URGENCY.get(self.urgency)

    @property
    def priority(self) -> tuple[int, int, int, datetime]:
        """Escalations first (an editor was asked), then the gravest flag, then the number of
        rule hits, then the longest waiting: smaller comes first."""
        return (-self.escalated, self.urgency, -self.hits, self.waiting_since)

    def why(self) -> str:
        """The ranking in words, for the list."""
        parts = []
        if self.escalated:
            parts.append(f"{self.escalated:,} escalated")
        if self.flagged:
            severity = f" ({self.severity})" if self.severity else ""
            parts.append(f"{self.flagged:,} flagged{severity}")
        parts.append(f"{self.hits:,} rule hit{'s' * (self.hits != 1)}")
        return " · ".join(parts)


def ranked(threads: Iterable[TroubledThread]) -> list[TroubledThread]:
    return sorted(threads, key=lambda thread: (thread.priority, thread.article_id))


def troubled_threads(session: Session) -> list[TroubledThread]:
    """Articles with escalated comments or flagged pending ones, most urgent first.

    The two kinds are read each through its own (partial) index and put together, so that
    the many comments that need nothing are never read.
    """
    columns = (
        Comment.id,
        Comment.article_id,
        Comment.escalated,
        Comment.status,
        Comment.urgency,
        Comment.posted_at,
    )
    flagged = select(*columns).where(
        Comment.status == Status.PENDING, Comment.urgency < NOT_FLAGGED
    )
    escalated = select(*columns).where(Comment.escalated == True)  # noqa: E712 - as the index
    # UNION, not UNION ALL: a flagged pending comment may be escalated too.
    needing = union(flagged, escalated).subquery()
    # Each comment's hits counted beside it (through the flags' index), rather than the flags
    # of all these comments grouped apart: that read the union a second time.
    hits = select(func.count()).where(Flag.comment_id == needing.c.id).scalar_subquery()
    flagged_pending = (needing.c.status == Status.PENDING) & (needing.c.urgency < NOT_FLAGGED)
    query = (
        select(
            needing.c.article_id,
            Article.title,
            Article.locked,
            func.sum(case((needing.c.escalated, 1), else_=0)),
            func.sum(case((flagged_pending, 1), else_=0)),
            func.coalesce(func.sum(hits), 0),
            func.min(needing.c.urgency),
            func.min(needing.c.posted_at),
        )
        .join(Article, Article.id == needing.c.article_id)
        .group_by(needing.c.article_id, Article.title, Article.locked)
    )
    return ranked(
        TroubledThread(
            article_id=article_id,
            title=title,
            locked=bool(locked),
            escalated=int(escalated),
            flagged=int(flagged),
            hits=int(hit_count),
            urgency=int(urgency),
            waiting_since=_aware(waiting),
        )
        for article_id, title, locked, escalated, flagged, hit_count, urgency, waiting in (
            session.execute(query)
        )
    )


def _aware(value: datetime | str) -> datetime:
    # Through a UNION the column type is lost on SQLite: the stored text comes back.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class ThreadItem:
    """A comment in its thread: how deep it sits in the reply tree (0: not a reply)."""

    comment: CommentRow
    depth: int
    parent_id: int | None = None


def thread(session: Session, article_id: int) -> list[ThreadItem]:
    """Every comment of the article, whatever its status: in thread order, or as a reply tree
    (each reply under the comment it answers) when the source gave parents."""
    comments = list_queue(session, QueueFilter(article_id=article_id, status=None))
    rows = session.execute(
        select(Comment.id, Comment.parent_id).where(Comment.article_id == article_id)
    )
    parents = {row[0]: row[1] for row in rows}
    return reply_tree(comments, parents)


def reply_tree(comments: list[CommentRow], parents: dict[int, int | None]) -> list[ThreadItem]:
    """``comments`` (in thread order) arranged depth first under their parents; a comment whose
    parent is missing from the thread (or part of a loop, which only bad data makes) stands
    at the top level where it was."""
    present = {comment.id for comment in comments}
    children: dict[int | None, list[CommentRow]] = {}
    for comment in comments:
        parent = parents.get(comment.id)
        children.setdefault(parent if parent in present else None, []).append(comment)
    placed: list[ThreadItem] = []
    seen: set[int] = set()

    def place(comment: CommentRow, depth: int) -> None:
        # Iterative: a long chain of replies must not exhaust the stack.
        stack = [(comment, depth)]
        while stack:
            current, level = stack.pop()
            if current.id in seen:
                continue
            seen.add(current.id)
            parent = parents.get(current.id)
            placed.append(ThreadItem(current, level, parent if parent in present else None))
            stack.extend((child, level + 1) for child in reversed(children.get(current.id, [])))

    for root in children.get(None, []):
        place(root, 0)
    # Comments only reachable through a loop of parents: shown at the top level, in order.
    for comment in comments:
        if comment.id not in seen:
            place(comment, 0)
    return placed


@dataclass(frozen=True, slots=True)
class Escalation:
    """Who asked an editor to look at a comment, when, and what they said."""

    actor: str
    at: datetime
    note: str | None


def escalation_of(session: Session, comment_id: int) -> Escalation | None:
    """The comment's last escalation (from the log), or None if it was never escalated."""
    row = session.execute(
        select(LogEntryRow.actor, LogEntryRow.created_at, LogEntryRow.note)
        .where(LogEntryRow.comment_id == comment_id, LogEntryRow.action == ActionKind.ESCALATE)
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else Escalation(row[0], row[1], row[2])
