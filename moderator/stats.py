"""Insights, the read side: how the desk and its rules are doing, as numbers for charts.

Decisions over time (by day or hour, by action), each moderator's decisions and how often an
editor overturned them, each rule's hits and how people decided the comments it flagged, and
each article's share of hidden comments. Decisions are read from the moderation log (the
record of who did what, when); comments' standing from the comments themselves. Every count
is of decisions by people unless said otherwise: the rules' own hides are the rules', not
the desk's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from moderator import stats_hours, stats_queue
from moderator.domain import ActionKind, Status
from moderator.formats.modlog import SYSTEM
from moderator.models import Comment, Flag, LogEntryRow
from moderator.queries import list_articles
from moderator.stats_period import ALL_TIME, PERSON_ACTIONS, Bucket, Period, people
from moderator.storage import Database

__all__ = ["ALL_TIME", "PERSON_ACTIONS", "Bucket", "Period"]


@dataclass(frozen=True, slots=True)
class DecisionsAt:
    """The decisions made in one hour or day (its start, UTC), by action."""

    start: datetime
    by_action: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_action.values())


def _bucket_of(session: Session, by: Bucket) -> ColumnElement[Any]:
    """The start of an entry's day or hour, as text the database can group by."""
    if session.get_bind().dialect.name == "postgresql":
        pattern = "YYYY-MM-DD" if by is Bucket.DAY else "YYYY-MM-DD HH24"
        return func.to_char(func.timezone("UTC", LogEntryRow.created_at), pattern)
    # SQLite keeps UTC times as text, "YYYY-MM-DD HH:MM:SS.ffffff".
    return func.substr(LogEntryRow.created_at, 1, 10 if by is Bucket.DAY else 13)


def decisions_over_time(
    session: Session, period: Period = ALL_TIME, by: Bucket = Bucket.DAY
) -> list[DecisionsAt]:
    """People's decisions per day (or hour), by action, oldest first; days without any are
    left out (a chart draws them as zero)."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    key = stats_hours.Key.DAY if by is Bucket.DAY else stats_hours.Key.HOUR
    counted = _counted(session, period, key)
    if counted is not None:
        for (start, action), count in sorted(counted.items()):
            found[start][action] = count
    else:
        bucket = _bucket_of(session, by).label("bucket")
        rows = session.execute(
            select(bucket, LogEntryRow.action, func.count())
            .where(*period.conditions())
            .group_by(bucket, LogEntryRow.action)
            .order_by(bucket)
        )
        for start, action, count in rows:
            found[start][action] = count
    layout = "%Y-%m-%d" if by is Bucket.DAY else "%Y-%m-%d %H"
    return [
        DecisionsAt(datetime.strptime(start, layout).replace(tzinfo=UTC), by_action)
        for start, by_action in found.items()
    ]


def roll_up_step(session: Session) -> int:
    """One step of each roll-up (the hourly counts, the queue's flow and the waits; see
    ``stats_hours`` and ``stats_queue``): how many log entries they went through (0: up to
    date). A write."""
    return stats_hours.roll_up(session, people()) + stats_queue.roll_up(session)


def roll_up(session: Session) -> int:
    """Every roll-up brought up to the log in this unit of work (a small log, a test)."""
    total = 0
    while done := roll_up_step(session):
        total += done
    return total


def roll_up_all(database: Database, stop_requested: Callable[[], bool] = lambda: False) -> int:
    """Every roll-up brought up to the log, each step its own unit of work, so that the first
    roll-up of a large log never holds the database's write lock for long (the desk's
    decisions go in between); ``stop_requested`` is asked between steps."""
    total = 0
    while not stop_requested():
        with database.transaction() as session:
            done = roll_up_step(session)
        if not done:
            break
        total += done
    return total


def _counted(session: Session, period: Period, key: stats_hours.Key) -> stats_hours.Counts | None:
    """The period's decisions from the hourly counts (and the log at the ends of the range),
    unless it is about one article; None: count the log itself (its article index)."""
    if period.article_id is not None:
        return None
    return stats_hours.counts_by(
        session,
        people(),
        key,
        since=period.since,
        until=period.until,
        actor=period.actor,
        people_by_time=people(by_time=True),
    )


@dataclass(frozen=True, slots=True)
class ModeratorStats:
    """One person's decisions: how many, of each action, and how many of their approvals and
    hides an editor later turned the other way."""

    actor: str
    decisions: int
    by_action: dict[str, int] = field(default_factory=dict)
    overturned: int = 0

    def share(self, action: str) -> float:
        return self.by_action.get(action, 0) / self.decisions if self.decisions else 0.0


def moderator_stats(session: Session, period: Period = ALL_TIME) -> list[ModeratorStats]:
    """Each person's decisions in the period, most decisions first."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    counted = _counted(session, period, stats_hours.Key.ACTOR)
    if counted is not None:
        for (actor, action), count in counted.items():
            counts[actor][action] = count
    else:
        for actor, action, count in session.execute(
            select(LogEntryRow.actor, LogEntryRow.action, func.count())
            .where(*period.conditions())
            .group_by(LogEntryRow.actor, LogEntryRow.action)
        ):
            counts[actor][action] = count
    overturned = _overturned(session, period)
    found = [
        ModeratorStats(actor, sum(by_action.values()), by_action, overturned.get(actor, 0))
        for actor, by_action in counts.items()
    ]
    found.sort(key=lambda stats: (-stats.decisions, stats.actor))
    return found


def _overturned(session: Session, period: Period) -> dict[str, int]:
    """For each person, how many of their approvals and hides an editor turned the other way
    (an editor's approve, hide, uphold or overturn leaving the comment in the other state),
    by the editor decisions in the period."""
    editor = aliased(LogEntryRow)
    before = aliased(LogEntryRow)
    made = aliased(LogEntryRow)
    last_before = (
        select(func.max(before.seq))
        .where(
            before.comment_id == editor.comment_id,
            before.seq < editor.seq,
            before.action.in_([ActionKind.APPROVE.value, ActionKind.HIDE.value]),
            before.actor != SYSTEM,
        )
        .scalar_subquery()
    )
    # Only an editor's step from one decided state to the other turns anything around: the
    # few such steps have a partial index of their own, and these are its conditions, with
    # the values written out (bound values would hide that the index applies).
    decided: list[ColumnElement[Any]] = [literal_column("'approved'"), literal_column("'hidden'")]
    conditions = [
        editor.role == literal_column("'editor'"),
        editor.from_status.in_(decided),
        editor.to_status.in_(decided),
        editor.from_status != editor.to_status,
        *period.bounds(editor, by_actor=False),
    ]
    rows = session.execute(
        select(made.actor, func.count())
        .select_from(editor)
        .join(made, made.seq == last_before)
        .where(*conditions, made.actor != editor.actor, made.to_status != editor.to_status)
        .group_by(made.actor)
    )
    found: dict[str, int] = {row[0]: row[1] for row in rows}
    if period.actor is not None:
        found = {period.actor: found.get(period.actor, 0)}
    return found


@dataclass(frozen=True, slots=True)
class RuleStats:
    """One rule: the comments it flagged, how people decided them, and the hides of the
    rules' own that people overturned. ``precision``: of the flagged comments people
    decided, the share they hid (None before any was decided)."""

    rule_id: str
    hits: int
    hidden: int
    approved: int
    pending: int
    overturned_hides: int
    example_comment_id: int | None
    example_article_id: int | None = None

    @property
    def precision(self) -> float | None:
        decided = self.hidden + self.approved
        return self.hidden / decided if decided else None


def rule_stats(session: Session) -> list[RuleStats]:
    """Every rule that flagged a comment, the noisiest first (lowest precision, then most
    hits): where the desk most often disagrees with its rules."""
    rows = session.execute(
        select(
            Flag.rule_id,
            func.count(func.distinct(Flag.comment_id)),
            func.count(func.distinct(_when(Comment.status == Status.HIDDEN, Flag.comment_id))),
            func.count(func.distinct(_when(Comment.status == Status.APPROVED, Flag.comment_id))),
            func.count(func.distinct(_when(Comment.status == Status.PENDING, Flag.comment_id))),
            func.min(_when(Comment.status == Status.APPROVED, Flag.comment_id)),
            func.min(Flag.comment_id),
        )
        .join(Comment, Comment.id == Flag.comment_id)
        .group_by(Flag.rule_id)
    ).all()
    system_hid = exists().where(
        LogEntryRow.comment_id == Flag.comment_id,
        LogEntryRow.actor == SYSTEM,
        LogEntryRow.action == ActionKind.HIDE.value,
    )
    overturned = dict(
        session.execute(
            select(Flag.rule_id, func.count(func.distinct(Flag.comment_id)))
            .join(Comment, Comment.id == Flag.comment_id)
            .where(Comment.status == Status.APPROVED, system_hid)
            .group_by(Flag.rule_id)
        ).all()
    )
    examples = [wrong if wrong is not None else first for *_, wrong, first in rows]
    article_of = dict(
        session.execute(
            select(Comment.id, Comment.article_id).where(
                Comment.id.in_([e for e in examples if e is not None])
            )
        ).all()
    )
    found = [
        RuleStats(
            rule_id,
            hits,
            hidden,
            approved,
            pending,
            overturned.get(rule_id, 0),
            # An example to look at: one people published (the rule was wrong), else any.
            example,
            article_of.get(example) if example is not None else None,
        )
        for (rule_id, hits, hidden, approved, pending, *_), example in zip(
            rows, examples, strict=True
        )
    ]
    found.sort(key=lambda s: (1.0 if s.precision is None else s.precision, -s.hits, s.rule_id))
    return found


def _when(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    """``value`` where ``condition`` holds, else NULL (which counts and minimums skip)."""
    return case((condition, value))


@dataclass(frozen=True, slots=True)
class ArticleStats:
    """One article's comments, how many a rule flagged, how many are hidden."""

    article_id: int
    title: str
    comments: int
    flagged: int
    hidden: int
    pending: int

    @property
    def hidden_share(self) -> float:
        return self.hidden / self.comments if self.comments else 0.0


def article_stats(session: Session, *, at_least: int = 1) -> list[ArticleStats]:
    """Every article with ``at_least`` comments, the largest share hidden first: the threads
    that went bad."""
    found = [
        ArticleStats(row.id, row.title, row.comments, row.flagged, row.hidden, row.pending)
        for row in list_articles(session)
        if row.comments >= at_least
    ]
    found.sort(key=lambda s: (-s.hidden_share, -s.comments, s.article_id))
    return found
