"""Reading every insight at once (the window's worker): rolled up step by step, each step
its own unit of work, and stoppable between steps. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from moderator.insights.period import ALL_TIME, Bucket
from moderator.insights.snapshot import read_insights
from moderator.insights.stats import roll_up_all
from moderator.services import moderation
from moderator.store.database import Database
from moderator.store.models import LogHead, StatsRollup
from tests.conftest import add_comments


def _rolled(database: Database) -> dict[int, int]:
    with database.session() as session:
        rows = session.execute(select(StatsRollup.id, StatsRollup.rolled_upto))
        return dict(rows.all())


def _decide(database: Database) -> int:
    ids = add_comments(database, 3, title="A")
    with database.transaction() as session:
        moderation.approve(session, ids[:2], actor=moderation.ensure_profile(session, "ann"))
        return session.scalar(select(LogHead.seq)) or 0


def test_everything_is_read_after_the_counts_are_rolled_up(database: Database) -> None:
    head = _decide(database)
    found = read_insights(database, ALL_TIME, Bucket.DAY, now=datetime.now(UTC))
    assert found is not None
    assert _rolled(database) == {1: head, 2: head}
    assert [d.by_action for d in found.decisions] == [{"approve": 2}]
    assert [q.pending for q in found.queue] == [1]
    assert found.actors == ["ann"]
    assert [title for _, title in found.titles] == ["A"]


def test_a_stop_between_steps_keeps_what_was_counted(database: Database) -> None:
    head = _decide(database)
    asked = 0

    def stop_after_one_step() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1

    assert (
        read_insights(
            database,
            ALL_TIME,
            Bucket.DAY,
            now=datetime.now(UTC),
            stop_requested=stop_after_one_step,
        )
        is None
    )
    # The first step (the whole of this small log) was committed on its own.
    assert _rolled(database) == {1: head, 2: head}
    assert roll_up_all(database) == 0
    assert roll_up_all(database, stop_requested=lambda: True) == 0
