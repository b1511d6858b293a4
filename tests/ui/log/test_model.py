"""The log's table model: newest first, every entry counted, pages read only when shown."""

from __future__ import annotations

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.log.queries import LogFilter
from moderator.services import moderation
from moderator.store.database import Database
from tests.ui.conftest import AddArticle
from ui.log import model as log_model_module
from ui.log.model import COLUMNS, NOT_READ_YET, LogColumn, LogModel, cell, status_change


@pytest.fixture(autouse=True)
def _application(qapp: object) -> None:
    """The model's timer needs the application's event loop, made before it."""


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(log_model_module, "PAGE", 5)
    monkeypatch.setattr(log_model_module, "KEEP_PAGES", 3)
    return 5


def decide_each(database: Database, ids: list[int]) -> None:
    """One entry per comment (approve), each in its own unit of work."""
    for comment_id in ids:
        with database.transaction() as session:
            actor = moderation.ensure_profile(session, "ann")
            moderation.approve(session, [comment_id], actor=actor)


@pytest.fixture
def logged(database: Database, add_article: AddArticle) -> list[int]:
    """An article of 30 comments, each approved: 32 entries (the import, ann's profile, 30)."""
    article = add_article(count=30)
    with database.session() as session:
        from moderator.queries.queue import QueueFilter, list_queue  # noqa: PLC0415

        ids = [row.id for row in list_queue(session, QueueFilter(article_id=article))]
    decide_each(database, ids)
    return ids


def seqs(model: LogModel) -> list[int]:
    found = []
    for row in range(model.rowCount()):
        entry = model.entry(row)
        assert entry is not None
        found.append(entry.seq)
    return found


def test_rows_are_entries_newest_first_read_a_page_at_a_time(
    database: Database, logged: list[int], small_pages: int, qtmodeltester: ModelTester
) -> None:
    model = LogModel(database)
    model.reload()
    assert model.rowCount() == 32
    assert model.held_pages == [0]
    seq_column = COLUMNS.index(LogColumn.SEQ)
    assert model.data(model.index(0, seq_column)) == "32"
    # A row far down is not read by data(): it says so and its page is asked for.
    assert model.data(model.index(31, seq_column)) == NOT_READ_YET
    assert model.reading
    assert seqs(model) == list(range(32, 0, -1))
    # Only a few pages are kept: the ones near where the view was last.
    assert len(model.held_pages) <= 4
    qtmodeltester.check(model)


def test_pages_read_from_the_far_end_or_a_neighbour_agree(
    database: Database, logged: list[int], small_pages: int
) -> None:
    model = LogModel(database)
    model.set_filter(LogFilter(action="approve"))
    assert model.rowCount() == 30
    last = model.entry(29)  # from the oldest end, not by skipping 25 rows
    assert last is not None
    assert last.comment == logged[0]
    middle = model.entry(17)
    assert middle is not None
    assert [model.entry(row).seq for row in range(30)] == list(range(32, 2, -1))  # type: ignore[union-attr]


def test_a_row_not_read_is_read_on_the_next_turn(
    database: Database, logged: list[int], small_pages: int, qtbot: QtBot
) -> None:
    model = LogModel(database)
    model.reload()
    column = COLUMNS.index(LogColumn.SEQ)
    assert model.data(model.index(12, column)) == NOT_READ_YET
    with qtbot.waitSignal(model.dataChanged):
        pass
    assert model.data(model.index(12, column)) == "20"


def test_refresh_takes_in_new_entries_on_top(
    database: Database, add_article: AddArticle, small_pages: int, qtbot: QtBot
) -> None:
    add_article(count=3)
    model = LogModel(database)
    model.reload()
    before = model.rowCount()
    with database.session() as session:
        from moderator.queries.queue import QueueFilter, list_queue  # noqa: PLC0415

        ids = [row.id for row in list_queue(session, QueueFilter())]
    decide_each(database, ids[:2])
    # Until refreshed, the rows shown stop at the head the model read.
    assert model.rowCount() == before
    with qtbot.waitSignal(model.rowsInserted):
        added = model.refresh()
    assert added == 3  # ann's profile, then two approvals
    assert model.rowCount() == before + 3
    first = model.entry(0)
    assert first is not None
    assert (first.action, first.comment) == ("approve", ids[1])
    assert model.refresh() == 0


def test_filters_and_cells(database: Database, logged: list[int]) -> None:
    model = LogModel(database)
    model.set_filter(LogFilter(comment_id=logged[3]))
    assert model.rowCount() == 1
    entry = model.entry(0)
    assert entry is not None
    texts = {column: cell(entry, column) for column in LogColumn}
    assert texts[LogColumn.ACTOR] == "ann (moderator)"
    assert texts[LogColumn.ACTION] == "approve"
    assert texts[LogColumn.COMMENT] == f"#{logged[3]}"
    assert texts[LogColumn.CHANGE] == "pending → approved"
    assert status_change(entry) == "pending → approved"
    model.set_filter(LogFilter(actor="nobody"))
    assert model.rowCount() == 0
    assert model.entry(0) is None
