"""Queue pages from either end: every way of addressing a page agrees with the whole queue."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from moderator.domain import Role, Severity, Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.queries.queue import (
    QueueFilter,
    QueueOrder,
    TabCounts,
    count_before,
    count_queue,
    count_tabs,
    hide_ranks,
    list_queue,
)
from moderator.queries.snapshots import CommentRow
from moderator.rules.model import Hit, RuleAction, RuleSet
from moderator.services.flagging import store_hits
from moderator.services.importing import import_article
from moderator.services.moderation import approve, ensure_profile, hide
from moderator.store.database import Database, open_database
from moderator.store.models import Comment
from tests.conftest import fresh_pg_database

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
SEVERITIES = (Severity.LOW, Severity.MEDIUM, Severity.HIGH)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """Three articles of nine comments whose times interleave across articles (and repeat, so
    the id must break ties), a third of them flagged, some approved or hidden; on SQLite, then
    on PostgreSQL (the keyset and merge queries must order alike on both)."""
    if request.param == "postgresql":
        with fresh_pg_database(request.getfixturevalue("postgres_server")) as database:
            _fill(database)
            yield database
        return
    database = open_database(str(tmp_path_factory.mktemp("queue") / "queue.sqlite3"))
    _fill(database)
    yield database
    database.close()


def _fill(database: Database) -> None:
    with database.transaction() as session:
        for article in range(3):
            comments = tuple(
                IncomingComment(
                    f"u{(article + i) % 4}",
                    # Same minute for pairs: ties broken by id.
                    T0 + timedelta(minutes=(i * 7 + article * 5) % 20 // 2 * 2),
                    f"{'abc'[article]}{i}",
                )
                for i in range(9)
            )
            import_article(
                session, IncomingArticle(f"T{article}", f"Body {article}.", "x", comments)
            )
        rows = list_queue(session, QueueFilter())
        hits = [
            (
                row.id,
                [Hit("r", SEVERITIES[n % 3], RuleAction.FLAG, "why", ((0, 1),))]
                if n % 3 == 0
                else [],
            )
            for n, row in enumerate(rows)
        ]
        store_hits(session, hits, rule_set=RuleSet(name="t", rules=(), version="v1"))
        actor = ensure_profile(session, "m", role=Role.EDITOR)
        approve(session, [row.id for row in rows[1::4]], actor=actor)
        hide(session, [row.id for row in rows[2::5]], actor=actor, reason="spam")
        # Some comments scored by the ranker (ties among them too), the rest not yet.
        session.execute(
            update(Comment)
            .where(Comment.id % 3 != 0)
            .values(hide_rank=(Comment.id * 37) % 5 * 1000)
        )


QUEUES = [
    QueueFilter(article_id=article, status=status, order=order, flagged=flagged)
    for article, status, order, flagged in itertools.product(
        (None, 2), (None, Status.PENDING, Status.APPROVED), QueueOrder, (False, True)
    )
]


def ids(rows: list[CommentRow]) -> list[int]:
    return [row.id for row in rows]


@pytest.mark.parametrize("queue", QUEUES, ids=str)
def test_pages_from_the_end_and_backward_match_the_whole_queue(
    database: Database, queue: QueueFilter
) -> None:
    with database.session() as session:
        whole = list_queue(session, queue)
        size = len(whole)
        assert size == count_queue(session, queue) > 0
        assert ids(list_queue(session, queue, limit=3, from_end=True)) == ids(whole[-3:])
        for i in range(size):
            before = list_queue(session, queue, limit=3, before=whole[i])
            assert ids(before) == ids(whole[max(0, i - 3) : i])
        # Walking back page by page from the end reads every row once, in order.
        walked: list[CommentRow] = []
        while page := list_queue(
            session, queue, limit=4, before=walked[0] if walked else None, from_end=True
        ):
            walked = page + walked
        assert ids(walked) == ids(whole)


@pytest.mark.parametrize("queue", QUEUES, ids=str)
def test_offsets_count_from_the_start_the_end_or_a_row(
    database: Database, queue: QueueFilter
) -> None:
    with database.session() as session:
        whole = list_queue(session, queue)
        size = len(whole)
        for skip in (0, 1, 4, size - 1, size, size + 2):
            assert ids(list_queue(session, queue, limit=3, offset=skip)) == ids(
                whole[skip : skip + 3]
            )
            tail = list_queue(session, queue, limit=3, offset=skip, from_end=True)
            assert ids(tail) == ids(whole[max(0, size - skip - 3) : max(0, size - skip)])
        middle = size // 2
        for skip in (0, 2, size):
            after = list_queue(session, queue, limit=2, offset=skip, after=whole[middle])
            assert ids(after) == ids(whole[middle + 1 + skip : middle + 3 + skip])
            before = list_queue(session, queue, limit=2, offset=skip, before=whole[middle])
            end = max(0, middle - skip)
            assert ids(before) == ids(whole[max(0, end - 2) : end])


def test_a_page_cannot_run_both_ways(database: Database) -> None:
    with database.session() as session:
        row = list_queue(session, QueueFilter(), limit=1)[0]
        with pytest.raises(ValueError, match="either after a row or towards the start"):
            list_queue(session, QueueFilter(), after=row, from_end=True)


@pytest.mark.parametrize("queue", QUEUES, ids=str)
def test_a_rows_number_is_counted_without_reading_the_rows_before(
    database: Database, queue: QueueFilter
) -> None:
    with database.session() as session:
        whole = list_queue(session, queue)
        assert [count_before(session, queue, row) for row in whole] == list(range(len(whole)))


def test_a_comment_that_left_the_queue_is_counted_where_it_was(database: Database) -> None:
    queue = QueueFilter(status=Status.PENDING, order=QueueOrder.SEVERITY)
    with database.transaction() as session:
        whole = list_queue(session, queue)
        leaving = whole[len(whole) // 2]
        approve(session, [leaving.id], actor=ensure_profile(session, "m"))
        assert count_before(session, queue, leaving) == len(whole) // 2
        session.rollback()
    with database.session() as session:
        assert ids(list_queue(session, queue)) == ids(whole)


@pytest.mark.parametrize(
    "queue",
    [
        QueueFilter(),
        QueueFilter(article_id=2, status=Status.PENDING),
        QueueFilter(search="a"),
        QueueFilter(search="u1", flagged=True, status=Status.PENDING),
        QueueFilter(article_id=1, search="zzz"),
    ],
)
def test_the_tabs_counted_at_once_agree_with_each_tab_counted_alone(
    database: Database, queue: QueueFilter
) -> None:
    with database.session() as session:
        counts = count_tabs(session, queue)

        def alone(status: Status | None, *, flagged: bool = False) -> int:
            return count_queue(session, replace(queue, status=status, flagged=flagged))

        assert counts.pending == alone(Status.PENDING)
        assert counts.flagged_pending == alone(Status.PENDING, flagged=True)
        assert counts.approved == alone(Status.APPROVED)
        assert counts.hidden == alone(Status.HIDDEN)
        assert counts.comments == alone(None)


def test_tab_counts_follow_a_comment_that_moves() -> None:
    counts = TabCounts(pending=3, flagged_pending=1, approved=0, hidden=2)
    hid = counts.moved(Status.PENDING, Status.HIDDEN, flagged=True)
    assert hid == TabCounts(pending=2, flagged_pending=0, approved=0, hidden=3)
    assert hid.moved(Status.HIDDEN, Status.PENDING, flagged=True) == counts
    assert counts.moved(Status.PENDING, Status.APPROVED, flagged=False).flagged_pending == 1


def test_the_ranks_of_rows_held_are_read_without_the_rows(database: Database) -> None:
    with database.session() as session:
        whole = list_queue(session, QueueFilter())
        asked = [row.id for row in whole[:5]] + [10**9]
        assert hide_ranks(session, asked) == {row.id: row.hide_rank for row in whole[:5]}
