"""The queue's health: pending comments and the oldest one's wait over time, and the waits
from import to a person's first decision, against a database built by hand. Runs on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, ReasonCode
from moderator.insights.queue import (
    bucket_bounds,
    decision_waits,
    desk_waits,
    percentile,
    queue_over_time,
    wait_bucket,
)
from moderator.insights.queue import roll_up as roll_up_queue
from moderator.insights.stats import Bucket, Period, roll_up
from moderator.services import moderation
from moderator.services.history import Actor
from moderator.store.database import Database
from moderator.store.models import Comment, LogEntryRow, LogHead, Profile, StatsRollup
from tests.conftest import add_comments

T0 = datetime(2026, 3, 2, 8, 10, tzinfo=UTC)  # article A's four comments arrive
T1 = datetime(2026, 3, 2, 12, 20, tzinfo=UTC)  # article B's two
NOW = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _stamp_since(database: Database, last: int, moment: datetime) -> int:
    """Date the entries logged after ``last`` at ``moment``; the log's head."""
    with database.transaction() as session:
        session.execute(update(LogEntryRow).where(LogEntryRow.seq > last).values(created_at=moment))
        return session.scalar(select(LogHead.seq)) or 0


def _arrive(database: Database, count: int, title: str, moment: datetime) -> list[int]:
    with database.session() as session:
        last = session.scalar(select(LogHead.seq)) or 0
    ids = add_comments(database, count, title=title)
    _stamp_since(database, last, moment)
    with database.transaction() as session:
        session.execute(update(Comment).where(Comment.id.in_(ids)).values(imported_at=moment))
    return ids


@pytest.fixture
def desk(database: Database) -> dict[str, list[int]]:
    """A: 4 comments at T0 (the rules hide one at once); B: 2 at T1. Ann and Bob decide
    over three days; Ann undoes one approval and Bob decides that comment again later."""
    a = _arrive(database, 4, "A", T0)
    b = _arrive(database, 2, "B", T1)
    with database.session() as session:
        last = session.scalar(select(LogHead.seq)) or 0

    def step(moment: datetime, act: Callable[..., object]) -> None:
        nonlocal last
        with database.transaction() as session:
            act(session)
        last = _stamp_since(database, last, moment)

    def ann(session: Session) -> Profile:
        return moderation.ensure_profile(session, "ann")

    def bob(session: Session) -> Profile:
        return moderation.ensure_profile(session, "bob")

    rules = Actor.rules("v1")
    step(T0, lambda s: moderation.hide_each(s, {a[3]: "x"}, actor=rules, reason=ReasonCode.ABUSE))
    step(T0 + HOUR, lambda s: moderation.approve(s, [a[0]], actor=ann(s)))
    step(T0 + 2 * HOUR, lambda s: moderation.hide(s, [a[1]], actor=ann(s), reason="spam"))
    step(T1 + HOUR, lambda s: moderation.approve(s, [b[0]], actor=bob(s)))
    step(T0 + 24 * HOUR, lambda s: moderation.approve(s, [a[2]], actor=ann(s)))
    day2 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    step(day2, lambda s: moderation.approve(s, [b[1]], actor=ann(s)))
    step(day2 + timedelta(minutes=30), lambda s: _undo_last(s, b[1], ann(s)))
    step(T1 + 48 * HOUR, lambda s: moderation.approve(s, [b[1]], actor=bob(s)))
    return {"a": a, "b": b}


def _undo_last(session: Session, comment_id: int, actor: Profile) -> None:
    entry = session.scalars(
        select(LogEntryRow)
        .where(LogEntryRow.comment_id == comment_id)
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    ).one()
    assert entry.action == ActionKind.APPROVE
    moderation.revert(session, entry.seq, actor=actor)


def _article(database: Database, comment_id: int) -> int:
    with database.session() as session:
        return session.scalars(select(Comment.article_id).where(Comment.id == comment_id)).one()


def test_the_queue_at_the_end_of_each_day(database: Database, desk: dict[str, list[int]]) -> None:
    with database.session() as session:
        days = queue_over_time(session, now=NOW)
        only_b = queue_over_time(
            session, Period(article_id=_article(database, desk["b"][0])), now=NOW
        )
    assert [(d.start, d.at, d.pending, d.oldest_since) for d in days] == [
        # A's third comment and B's second wait overnight; A's since T0.
        (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC), 2, T0),
        # A's is decided; B's was approved, then the approval undone: back in the queue.
        (datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC), 1, T1),
        # Decided at last; the current day is measured now.
        (datetime(2026, 3, 4, tzinfo=UTC), NOW, 0, None),
    ]
    assert days[1].oldest_wait == datetime(2026, 3, 4, tzinfo=UTC) - T1
    assert [(d.pending, d.oldest_since) for d in only_b] == [(1, T1), (1, T1), (0, None)]


def test_the_queue_hour_by_hour(database: Database, desk: dict[str, list[int]]) -> None:
    day = Period(since=datetime(2026, 3, 2, tzinfo=UTC), until=datetime(2026, 3, 2, 15, tzinfo=UTC))
    with database.session() as session:
        hours = queue_over_time(session, day, Bucket.HOUR, now=NOW)
    # From the first hour with a comment: A arrives at 08:10 and the rules hide one at once.
    assert [(h.start.hour, h.pending, h.oldest_since) for h in hours] == [
        (8, 3, T0),
        (9, 2, T0),  # Ann approves one
        (10, 1, T0),  # and hides one
        (11, 1, T0),
        (12, 3, T0),  # B arrives
        (13, 2, T0),  # Bob approves one of B's
        (14, 2, T0),
    ]
    assert hours[0].at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert hours[0].oldest_wait == timedelta(minutes=50)


def test_no_queue_before_any_comment(database: Database) -> None:
    with database.session() as session:
        assert queue_over_time(session, now=NOW) == []
        assert decision_waits(session) == []
        assert desk_waits(session) is None


def test_waits_from_import_to_a_persons_first_decision(
    database: Database, desk: dict[str, list[int]]
) -> None:
    with database.session() as session:
        found = decision_waits(session)
        desk_wide = desk_waits(session)
    # A: 1 h, 2 h, 24 h (the rules' hide is no wait); B: 1 h and 20 h 40 min (its first
    # decision; the one after the undo is not counted again).
    assert [(w.title, w.decided) for w in found] == [("A", 3), ("B", 2)]
    a, b = found
    # Read from spans of 9%: within that of the exact values.
    assert a.median.total_seconds() == pytest.approx(2 * 3600, rel=0.09)
    assert a.p90.total_seconds() == pytest.approx(24 * 3600, rel=0.09)
    assert b.median.total_seconds() == pytest.approx(3600, rel=0.09)
    assert b.p90.total_seconds() == pytest.approx(20 * 3600 + 40 * 60, rel=0.09)
    assert desk_wide is not None
    assert (desk_wide.article_id, desk_wide.decided) == (None, 5)
    assert desk_wide.median.total_seconds() == pytest.approx(2 * 3600, rel=0.09)


@pytest.mark.parametrize("step", [1, 3])
def test_the_views_are_the_same_rolled_up_in_steps_or_not_at_all(
    database: Database, desk: dict[str, list[int]], step: int
) -> None:
    def views() -> tuple[object, ...]:
        with database.session() as session:
            return (
                queue_over_time(session, now=NOW),
                queue_over_time(session, by=Bucket.HOUR, now=NOW),
                decision_waits(session),
            )

    before = views()
    with database.transaction() as session:
        assert roll_up_queue(session, at_most=step) == step
    partly = views()
    with database.transaction() as session:
        while roll_up_queue(session, at_most=step):
            pass
        roll_up(session)
        assert roll_up(session) == 0
    assert before == partly == views()


def test_a_spell_that_ends_and_opens_again_in_its_first_hour(database: Database) -> None:
    """Rolled up after each step: a comment arrives, is decided and put back within one hour;
    the import's spell with a pending comment is one spell, still open."""
    moment = datetime(2026, 3, 5, 10, 5, tzinfo=UTC)
    (only,) = _arrive(database, 1, "C", moment)
    with database.transaction() as session:
        roll_up(session)
    with database.session() as session:
        last = session.scalar(select(LogHead.seq)) or 0
    for minutes, act in (
        (10, lambda s: moderation.approve(s, [only], actor=moderation.ensure_profile(s, "ann"))),
        (20, lambda s: _undo_last(s, only, moderation.ensure_profile(s, "ann"))),
    ):
        with database.transaction() as session:
            act(session)
        last = _stamp_since(database, last, moment + timedelta(minutes=minutes))
        with database.transaction() as session:
            roll_up(session)
    with database.session() as session:
        hours = queue_over_time(session, by=Bucket.HOUR, now=moment + 3 * HOUR)
    assert [(h.start.hour, h.pending, h.oldest_since) for h in hours] == [
        (10, 1, moment),
        (11, 1, moment),
        (12, 1, moment),
        (13, 1, moment),  # now, 13:05
    ]


@pytest.mark.parametrize("seconds", [0, 0.5, 1, 1.5, 2, 59, 60, 3600, 86_399, 86_400, 3e7])
def test_a_wait_falls_inside_its_span(seconds: float) -> None:
    low, high = bucket_bounds(wait_bucket(seconds))
    assert low <= seconds < high
    assert high <= max(1.0, low * 1.091)


def test_percentiles_spread_each_span_evenly() -> None:
    one_span = {wait_bucket(100): 4}
    low, high = bucket_bounds(wait_bucket(100))
    assert percentile(one_span, 0.5) == pytest.approx(low + (high - low) / 2)
    assert percentile(one_span, 1.0) == pytest.approx(high)
    assert percentile({}, 0.5) == 0.0
    # Nine quick waits and a slow one: the 90th percentile is still a quick one.
    mixed = {wait_bucket(60): 9, wait_bucket(86_400): 1}
    assert percentile(mixed, 0.9) < 66
    assert percentile(mixed, 0.95) > 80_000


def _decide_and_put_back(database: Database, *, roll_up_after_put_back: bool) -> datetime:
    """One comment arrives at 10:05 and is approved at 10:15 (rolled up after each), then
    put back at 14:15 (rolled up after, or not); its arrival."""
    moment = datetime(2026, 3, 5, 10, 5, tzinfo=UTC)
    (only,) = _arrive(database, 1, "D", moment)
    with database.transaction() as session:
        roll_up(session)
    with database.session() as session:
        last = session.scalar(select(LogHead.seq)) or 0
    steps = (
        (10, lambda s: moderation.approve(s, [only], actor=moderation.ensure_profile(s, "ann"))),
        (250, lambda s: _undo_last(s, only, moderation.ensure_profile(s, "ann"))),
    )
    for number, (minutes, act) in enumerate(steps):
        with database.transaction() as session:
            act(session)
        last = _stamp_since(database, last, moment + timedelta(minutes=minutes))
        if number == 0 or roll_up_after_put_back:
            with database.transaction() as session:
                roll_up(session)
    return moment


@pytest.mark.parametrize("rolled", [True, False], ids=["rolled-up", "behind"])
def test_an_import_with_two_spells_of_pending_comments(database: Database, rolled: bool) -> None:
    moment = _decide_and_put_back(database, roll_up_after_put_back=rolled)
    with database.session() as session:
        days = queue_over_time(session, now=moment + 6 * HOUR)
        hours = queue_over_time(session, by=Bucket.HOUR, now=moment + 6 * HOUR)
    assert [(d.pending, d.oldest_since) for d in days] == [(1, moment)]
    assert [(h.start.hour, h.pending, h.oldest_since) for h in hours] == [
        (10, 0, None),
        (11, 0, None),
        (12, 0, None),
        (13, 0, None),
        (14, 1, moment),
        (15, 1, moment),
        (16, 1, moment),
    ]


def test_comments_older_than_the_logs_imports_are_not_counted(database: Database) -> None:
    """Comments stored before the log began (migration 0005 carried their decisions into it,
    not their imports) neither arrive nor leave."""
    moment = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    old = _arrive(database, 3, "Old", datetime(2025, 1, 1, tzinfo=UTC))
    with database.transaction() as session:
        session.execute(delete(LogEntryRow).where(LogEntryRow.action == "import"))
        last = session.scalar(select(LogHead.seq)) or 0
        moderation.approve(session, old, actor=moderation.ensure_profile(session, "ann"))
    _stamp_since(database, last, moment - HOUR)
    _arrive(database, 2, "New", moment)
    for roll in (False, True):
        if roll:
            with database.transaction() as session:
                roll_up(session)
        with database.session() as session:
            (day,) = queue_over_time(session, now=moment + HOUR)
        assert (day.pending, day.oldest_since) == (2, moment)


def test_the_first_roll_up_makes_its_row_to_lock(database: Database) -> None:
    """A roll-up locks its row before it reads where the last one ended; the first one makes
    the row (so that two desks' first roll-ups wait for each other, not count twice)."""
    add_comments(database, 2, title="A")
    with database.transaction() as session:
        assert roll_up_queue(session) > 0
        assert roll_up_queue(session) == 0
    with database.session() as session:
        rows = session.execute(select(StatsRollup.id, StatsRollup.rolled_upto)).all()
        head = session.scalar(select(LogHead.seq))
    assert [tuple(row) for row in rows] == [(2, head)]
