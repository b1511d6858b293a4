"""The bookkeeping of rows held: runs, joins, shifts on removal and insertion, letting go."""

from __future__ import annotations

from datetime import UTC, datetime

from moderator.domain import Status
from moderator.queries.snapshots import CommentRow
from ui.comments.held_rows import Gap, HeldRows

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def comment(comment_id: int) -> CommentRow:
    return CommentRow(
        id=comment_id,
        article_id=1,
        article_title="A",
        position=comment_id,
        author="a",
        posted_at=T0,
        body=f"c{comment_id}",
        status=Status.PENDING,
        escalated=False,
    )


def comments(first: int, end: int) -> list[CommentRow]:
    return [comment(n) for n in range(first, end)]


def ids(held: HeldRows, first: int, end: int) -> list[int | None]:
    return [None if (row := held.get(n)) is None else row.id for n in range(first, end)]


def test_touching_runs_join_and_rows_are_found_by_id() -> None:
    held = HeldRows()
    held.put(10, comments(10, 13))
    held.put(0, comments(0, 3))
    assert held.runs == [(0, 3), (10, 13)]
    held.put(3, comments(3, 10))
    assert held.runs == [(0, 13)]
    assert ids(held, 0, 14) == [*range(13), None]
    assert [held.row_of(n) for n in (0, 9, 12, 13)] == [0, 9, 12, None]
    assert held.held == 13


def test_removing_a_row_moves_the_rows_after_it_up_whether_held_or_not() -> None:
    held = HeldRows()
    held.put(0, comments(0, 3))
    held.put(5, comments(5, 8))
    held.remove(1)  # held
    assert held.runs == [(0, 2), (4, 7)]
    held.remove(2)  # not held, between the runs
    assert held.runs == [(0, 2), (3, 6)]
    held.remove(2)  # the last row not held between them: the runs now touch
    assert held.runs == [(0, 5)]
    assert ids(held, 0, 5) == [0, 2, 5, 6, 7]
    assert held.row_of(5) == 2
    assert held.row_of(1) is None


def test_inserting_a_row_moves_the_rows_from_it_down() -> None:
    held = HeldRows()
    held.put(0, comments(0, 3))
    held.put(6, comments(6, 8))
    held.insert(1, comment(100))  # inside a run
    held.insert(4, comment(101))  # just after a run: joins it
    held.insert(8, comment(102))  # where a run starts: goes before it, and joins it
    assert held.runs == [(0, 5), (8, 11)]
    assert ids(held, 0, 11) == [0, 100, 1, 2, 101, None, None, None, 102, 6, 7]
    assert held.row_of(7) == 10


def test_rows_far_from_one_are_let_go() -> None:
    held = HeldRows()
    held.put(0, comments(0, 10))
    held.put(20, comments(20, 30))
    held.keep_near(22, 4)
    assert held.runs == [(20, 27)]
    assert ids(held, 18, 28) == [None, None, 20, 21, 22, 23, 24, 25, 26, None]
    assert held.row_of(5) is None


def test_the_gap_to_read_is_the_page_widened_to_touch_near_runs() -> None:
    held = HeldRows()
    held.put(0, comments(0, 10))
    # Far from both ends: the row's page only, read from whichever neighbour is nearer.
    assert held.gap(55, 100, 10) == Gap(50, 60, comment(9), 40, None, 40)
    # Less than a page from the run before: read from it, so that the runs join.
    assert held.gap(15, 100, 10) == Gap(10, 20, comment(9), 0, None, 80)
    assert held.gap(95, 100, 10) == Gap(90, 100, comment(9), 80, None, 0)
    held.put(60, comments(60, 70))
    assert held.gap(55, 100, 10) == Gap(50, 60, comment(9), 40, comment(60), 0)
