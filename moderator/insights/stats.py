"""Insights, the read side: how the desk and its rules are doing, as numbers for charts.

Decisions over time (by day or hour, by action), each moderator's decisions and how often an
editor overturned them, each rule's hits and how people decided the comments it flagged, and
each article's share of hidden comments. Decisions are read from the moderation log (the
record of who did what, when); comments' standing from the comments themselves. Every count
is of decisions by people unless said otherwise: the rules' own hides are the rules', not
the desk's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, literal_column, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from moderator.domain import SYSTEM, ActionKind, Status
from moderator.insights import hours as stats_hours
from moderator.insights import queue as stats_queue
from moderator.insights.period import ALL_TIME, PERSON_ACTIONS, Bucket, Period, people
from moderator.queries.snapshots import list_articles
from moderator.store.batching import chunked
from moderator.store.database import Database
from moderator.store.models import Comment, Flag, LogEntryRow
from moderator.store.refusals import cannot_write

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
    if database.read_only is not None:
        return total
    while not stop_requested():
        try:
            with database.transaction() as session:
                done = roll_up_step(session)
        except SQLAlchemyError as error:
            # A database that takes no writes (read-only, a full disk) is still counted: the
            # views add what lies past the roll-ups from the log itself, only more slowly.
            if cannot_write(error):
                break
            raise
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
    """One rule: the comments it flagged and where each stands now. ``hidden_by_people`` and
    ``approved_by_people``: as a person's latest decision on it left it (not by ``system``);
    ``hidden_by_rules``: hidden by a rule's action, and no person decided it since (the
    rules' verdict, not the desk's); ``overturned_hides``: comments the rules hid that
    people published. ``precision``: of the flagged comments people decided, the share they
    hid (None before people decided any: the rules' own hides are no evidence for them)."""

    rule_id: str
    hits: int
    hidden_by_people: int
    approved_by_people: int
    hidden_by_rules: int
    pending: int
    overturned_hides: int
    example_comment_id: int | None
    example_article_id: int | None = None

    @property
    def precision(self) -> float | None:
        decided = self.hidden_by_people + self.approved_by_people
        return self.hidden_by_people / decided if decided else None


class _Standing(StrEnum):
    """Where a flagged comment stands, for its rules' counts (a comment in none of these,
    say one a platform's import published, is only a hit)."""

    PEOPLE_HID = "people-hid"
    PEOPLE_APPROVED = "people-approved"
    # Published by people after the rules had hid it: the rule's hide overturned.
    PEOPLE_OVERTURNED = "people-overturned"
    RULES_HID = "rules-hid"
    PENDING = "pending"


def rule_stats(session: Session) -> list[RuleStats]:
    """Every rule that flagged a comment, the noisiest first (lowest precision, then most
    hits): where the desk most often disagrees with its rules."""
    system_hid = exists().where(
        LogEntryRow.comment_id == Flag.comment_id,
        LogEntryRow.actor == SYSTEM,
        LogEntryRow.action == ActionKind.HIDE.value,
    )
    # Each flag with its comment's standing (a look-up or two in the log by comment),
    # grouped by rule and standing: by the named column of a subquery, not by the
    # expression again, so that PostgreSQL need not match the two.
    flagged = (
        select(Flag.rule_id, Flag.comment_id, _standing(system_hid).label("standing"))
        .join(Comment, Comment.id == Flag.comment_id)
        .subquery()
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[str, dict[str, int]] = defaultdict(dict)
    for rule_id, where, count, lowest in session.execute(
        select(
            flagged.c.rule_id,
            flagged.c.standing,
            func.count(func.distinct(flagged.c.comment_id)),
            func.min(flagged.c.comment_id),
        ).group_by(flagged.c.rule_id, flagged.c.standing)
    ):
        counts[rule_id][where or ""] += count
        first[rule_id][where or ""] = lowest
    published = (_Standing.PEOPLE_APPROVED, _Standing.PEOPLE_OVERTURNED)
    # An example to look at: one people published (the rule was wrong), else any.
    examples = {
        rule_id: min([lowest[where] for where in published if where in lowest] or lowest.values())
        for rule_id, lowest in first.items()
    }
    article_of = dict(
        session.execute(
            select(Comment.id, Comment.article_id).where(Comment.id.in_(list(examples.values())))
        ).all()
    )
    found = [
        RuleStats(
            rule_id,
            hits=sum(by_standing.values()),
            hidden_by_people=by_standing[_Standing.PEOPLE_HID],
            approved_by_people=sum(by_standing[where] for where in published),
            hidden_by_rules=by_standing[_Standing.RULES_HID],
            pending=by_standing[_Standing.PENDING],
            overturned_hides=by_standing[_Standing.PEOPLE_OVERTURNED],
            example_comment_id=examples[rule_id],
            example_article_id=article_of.get(examples[rule_id]),
        )
        for rule_id, by_standing in counts.items()
    ]
    found.sort(key=lambda s: (1.0 if s.precision is None else s.precision, -s.hits, s.rule_id))
    return found


# A person's verdict on a comment: what the learned order learns from too (an undo or a
# revert of one takes it back; an escalation, a restore or a return decides nothing).
_VERDICTS = tuple(
    str(kind)
    for kind in (ActionKind.APPROVE, ActionKind.HIDE, ActionKind.UPHOLD, ActionKind.OVERTURN)
)


def people_verdicts(session: Session, comment_ids: Sequence[int]) -> dict[int, Status]:
    """Where each comment's latest verdict by a person (not taken back) left it, for those
    that have one: a comment stands as people decided it when this is its status now."""
    decision = aliased(LogEntryRow)
    taken_back = aliased(LogEntryRow)
    found: dict[int, Status] = {}
    for chunk in chunked(list(comment_ids)):
        rows = session.execute(
            select(decision.comment_id, decision.to_status)
            .where(
                decision.comment_id.in_(chunk),
                decision.actor != SYSTEM,
                decision.action.in_(_VERDICTS),
                ~exists().where(
                    taken_back.comment_id == decision.comment_id,
                    taken_back.reverts == decision.seq,
                ),
            )
            .order_by(decision.seq)
        )
        # In log order: the latest verdict on each comment is the one kept.
        for comment_id, to_status in rows:
            if comment_id is not None and to_status is not None:
                found[comment_id] = Status(to_status)
    return found


def _standing(system_hid: ColumnElement[bool]) -> ColumnElement[Any]:
    """A flagged comment's :class:`_Standing` (NULL: none of them), as one expression so that
    the database looks in the log once per flag. People decided it if their latest verdict on
    it, not taken back, left it as it stands now: one a person published, sent back to the
    queue and the rules then hid, say, is the rules' again."""
    decision = aliased(LogEntryRow)
    taken_back = aliased(LogEntryRow)
    verdict = (
        select(decision.to_status)
        .where(
            decision.comment_id == Flag.comment_id,
            decision.actor != SYSTEM,
            decision.action.in_(_VERDICTS),
            ~exists().where(
                taken_back.comment_id == decision.comment_id, taken_back.reverts == decision.seq
            ),
        )
        .order_by(decision.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case(
        # A pending comment stands undecided: no need to look in the log.
        (Comment.status == Status.PENDING, literal(_Standing.PENDING.value)),
        (
            verdict == Comment.status,
            case(
                (Comment.status == Status.HIDDEN, literal(_Standing.PEOPLE_HID.value)),
                (system_hid, literal(_Standing.PEOPLE_OVERTURNED.value)),
                else_=literal(_Standing.PEOPLE_APPROVED.value),
            ),
        ),
        (and_(Comment.status == Status.HIDDEN, system_hid), literal(_Standing.RULES_HID.value)),
    )


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
