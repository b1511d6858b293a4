"""The comment queue's model: every row counted, only rows near the view read, columns from the
enum, and decisions followed in place (rows held or not)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import Role, Status
from moderator.queries.queue import QueueFilter, list_queue
from moderator.services.moderation import approve, ensure_profile
from moderator.store.database import Database
from tests.ui.conftest import HOSTILE, AddArticle, queue_model
from ui.comments import queue_model as queue_model_module
from ui.comments.queue_model import (
    COLUMNS,
    NOT_READ_YET,
    PAGE_SIZE,
    ChipsRole,
    Column,
    CommentQueueModel,
)
from ui.common.funnel import Desk


def texts(model: CommentQueueModel, column: Column) -> list[str]:
    col = COLUMNS.index(column)
    return [model.data(model.index(row, col)) for row in range(model.rowCount())]


def every_id(model: CommentQueueModel) -> list[int | None]:
    """Each row's comment, read as needed."""
    return [model.comment_id(row) for row in range(model.rowCount())]


def ids_in_database(database: Database, queue: QueueFilter) -> list[int | None]:
    with database.session() as session:
        return [row.id for row in list_queue(session, queue)]


def test_every_row_is_counted_but_only_the_first_page_read(
    database: Database, add_article: AddArticle, qtmodeltester: ModelTester
) -> None:
    article = add_article(count=450)
    model = queue_model(database, QueueFilter(article_id=article))

    assert (model.rowCount(), model.total) == (450, 450)
    assert model.held.runs == [(0, PAGE_SIZE)]
    # Reading a row far down reads its page from the end, not the rows between.
    assert model.comment(440) is not None
    assert model.held.runs == [(0, PAGE_SIZE), (400, 450)]
    assert model.comment(300) is not None
    assert model.held.runs == [(0, 450)]

    # Thread order, no row twice across the pages, whichever end each was read from.
    assert [model.comment(row).position for row in range(450)] == list(range(1, 451))
    ids = every_id(model)
    # The number shown is the comment's id, as the command line and the log write it.
    assert texts(model, Column.NUMBER) == [str(comment_id) for comment_id in ids]
    assert ids == ids_in_database(database, QueueFilter(article_id=article))
    assert all(model.row_of(comment_id) == row for row, comment_id in enumerate(ids) if comment_id)
    assert model.row_of(-1) is None
    assert model.comment(450) is None
    qtmodeltester.check(model)


def test_a_row_not_read_shows_so_and_is_read_on_the_next_turn(
    database: Database, add_article: AddArticle, qtbot: QtBot
) -> None:
    article = add_article(count=1200)
    model = queue_model(database, QueueFilter(article_id=article))
    excerpt = model.index(700, COLUMNS.index(Column.EXCERPT))
    author = model.index(700, COLUMNS.index(Column.AUTHOR))

    # data() only asks: the row is read when the event loop turns, and the view told.
    assert model.data(excerpt) == NOT_READ_YET
    assert model.data(author) is None
    assert model.held.get(700) is None
    with qtbot.waitSignal(model.dataChanged) as changed:
        pass
    top_left, bottom_right, *_ = changed.args
    assert top_left.row() <= 700 <= bottom_right.row()
    assert model.data(excerpt) == "comment 701"
    assert model.data(author) == "author0"


def test_a_jump_into_the_middle_reads_from_the_nearer_neighbour(
    database: Database, add_article: AddArticle
) -> None:
    article = add_article(count=2000)
    model = queue_model(database, QueueFilter(article_id=article, status=Status.PENDING))
    last = model.comment(1999)
    middle = model.comment(1000)
    assert (last and last.body, middle and middle.body) == ("comment 2000", "comment 1001")
    assert model.held.runs == [(0, 200), (1000, 1200), (1800, 2000)]
    assert every_id(model) == ids_in_database(
        database, QueueFilter(article_id=article, status=Status.PENDING)
    )


def test_rows_far_from_the_last_read_are_let_go(
    database: Database, add_article: AddArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_model_module, "REACH", 300)
    article = add_article(count=1000)
    model = queue_model(database, QueueFilter(article_id=article))
    assert model.comment(999) is not None
    assert model.held.runs == [(800, 1000)]
    first = model.comment(0)
    assert first is not None
    assert first.body == "comment 1"
    assert model.held.runs == [(0, 200)]


def test_no_queue_shows_nothing(database: Database, qtmodeltester: ModelTester) -> None:
    model = queue_model(database, None)
    qtmodeltester.check(model)
    assert model.rowCount() == 0
    assert model.comment(0) is None


def test_columns_come_from_the_enum_and_other_roles_are_none(
    database: Database, add_article: AddArticle, qtmodeltester: ModelTester
) -> None:
    add_article(["First comment.\n\nSecond paragraph."])
    model = queue_model(database, QueueFilter())
    qtmodeltester.check(model)
    headers = [
        model.headerData(section, Qt.Orientation.Horizontal) for section in range(len(COLUMNS))
    ]
    assert headers == ["#", "Author", "Comment", "Flags", "Likely", "Posted", "Article", "Status"]
    assert model.columnCount() == len(Column)
    assert texts(model, Column.AUTHOR) == ["author0"]
    assert texts(model, Column.POSTED) == ["14 Jan 2025 08:00"]
    assert texts(model, Column.STATUS) == ["Pending"]
    assert texts(model, Column.FLAGS) == [""]
    assert texts(model, Column.LIKELY) == [""]  # not scored by the ranker yet
    # The excerpt is one line: paragraph breaks fold into spaces.
    assert texts(model, Column.EXCERPT) == ["First comment. Second paragraph."]
    index = model.index(0, COLUMNS.index(Column.EXCERPT))
    for role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.FontRole, ChipsRole):
        assert model.data(index, role) is None
    # A cut-short cell's whole text is its tooltip, escaped: Qt would guess rich text.
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == (
        "<qt>First comment. Second paragraph.</qt>"
    )
    posted = model.index(0, COLUMNS.index(Column.POSTED))
    assert model.data(posted, Qt.ItemDataRole.ToolTipRole) is None


def test_markup_in_a_comment_is_data_not_markup(
    database: Database, add_article: AddArticle
) -> None:
    add_article([HOSTILE])
    model = queue_model(database, QueueFilter())
    assert texts(model, Column.EXCERPT) == [HOSTILE]


def test_a_decision_removes_rows_that_leave_a_status_queue(
    database: Database,
    add_article: AddArticle,
    desk: Desk,
    qtmodeltester: ModelTester,
    qtbot: QtBot,
) -> None:
    article = add_article(count=5)
    model = queue_model(database, QueueFilter(article_id=article, status=Status.PENDING))
    desk.moderated.connect(model.apply_change)
    qtmodeltester.check(model)
    ids = every_id(model)

    with qtbot.waitSignal(model.rowsRemoved), qtbot.assertNotEmitted(model.modelReset):
        desk.approve([ids[1], ids[3], ids[4]])  # type: ignore[list-item]
    assert every_id(model) == [ids[0], ids[2]]
    assert model.total == 2
    assert model.row_of(ids[2]) == 1  # type: ignore[arg-type]
    qtmodeltester.check(model)


def test_a_decision_repaints_rows_that_stay(
    database: Database, add_article: AddArticle, desk: Desk, qtbot: QtBot
) -> None:
    add_article(count=3)
    desk.create_profile("tester", Role.EDITOR)  # an escalated comment waits for an editor
    model = queue_model(database, QueueFilter())
    desk.moderated.connect(model.apply_change)
    target = model.comment_id(1)
    assert target is not None

    with qtbot.waitSignal(model.dataChanged) as changed:
        desk.escalate([target])
    top_left, bottom_right, *_roles = changed.args
    assert (top_left.row(), bottom_right.row()) == (1, 1)
    assert (top_left.column(), bottom_right.column()) == (0, len(COLUMNS) - 1)
    assert texts(model, Column.STATUS) == ["Pending", "Pending, escalated", "Pending"]

    desk.approve([target])
    assert texts(model, Column.STATUS) == ["Pending", "Approved, escalated", "Pending"]
    assert model.rowCount() == 3


def test_decisions_on_rows_not_read_take_them_out_at_their_places(
    database: Database,
    add_article: AddArticle,
    desk: Desk,
    qtmodeltester: ModelTester,
    qtbot: QtBot,
) -> None:
    article = add_article(count=900)
    pending = QueueFilter(article_id=article, status=Status.PENDING)
    model = queue_model(database, pending)
    desk.moderated.connect(model.apply_change)
    model.comment(899)
    assert model.held.runs == [(0, 200), (800, 900)]
    everything = ids_in_database(database, pending)
    # Held and not held, before and between the held runs.
    chosen = [everything[n] for n in (5, 300, 301, 650, 850)]

    removed: list[int] = []
    model.rowsRemoved.connect(lambda _parent, first, _last: removed.append(first))
    with qtbot.assertNotEmitted(model.modelReset):
        desk.approve(chosen)  # type: ignore[arg-type]
    assert removed == [5, 299, 299, 647, 846]
    assert model.held.runs == [(0, 199), (796, 895)]
    assert model.total == 895
    assert every_id(model) == ids_in_database(database, pending)
    qtmodeltester.check(model)


def test_comments_joining_the_queue_go_in_at_their_places(
    database: Database, add_article: AddArticle, desk: Desk, qtbot: QtBot
) -> None:
    article = add_article(count=600)
    everything = ids_in_database(database, QueueFilter(article_id=article))
    # Approved behind the model's back (as another desk would), then restored through this desk
    # (an editor's: sending back someone else's decision takes one).
    desk.create_profile("tester", Role.EDITOR)
    back = [everything[n] for n in (0, 2, 450)]
    with database.transaction() as session:
        approve(session, back, actor=ensure_profile(session, "elsewhere"))  # type: ignore[arg-type]
    pending = QueueFilter(article_id=article, status=Status.PENDING)
    model = queue_model(database, pending)
    desk.moderated.connect(model.apply_change)
    assert model.rowCount() == 597

    inserted: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, _last: inserted.append(first))
    with qtbot.assertNotEmitted(model.modelReset):
        desk.restore(back)  # type: ignore[arg-type]
    assert inserted == [0, 2, 450]
    assert model.comment_id(0) == back[0]
    assert every_id(model) == ids_in_database(database, pending)


def test_a_joining_comment_the_search_does_not_match_stays_out(
    database: Database, add_article: AddArticle, desk: Desk
) -> None:
    article = add_article(["apples", "pears", "apple pie"])
    everything = ids_in_database(database, QueueFilter(article_id=article))
    desk.approve([everything[1], everything[2]])  # type: ignore[list-item]
    searched = QueueFilter(article_id=article, status=Status.PENDING, search="apple")
    model = queue_model(database, searched)
    desk.moderated.connect(model.apply_change)
    assert every_id(model) == [everything[0]]

    desk.restore([everything[1], everything[2]])  # type: ignore[list-item]
    assert every_id(model) == [everything[0], everything[2]]


def test_many_rows_not_read_moving_read_the_queue_again(
    database: Database,
    add_article: AddArticle,
    desk: Desk,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queue_model_module, "PLACE_AT_MOST", 2)
    article = add_article(count=300)
    pending = QueueFilter(article_id=article, status=Status.PENDING)
    model = queue_model(database, pending)
    desk.moderated.connect(model.apply_change)
    far = ids_in_database(database, pending)[250:253]
    with qtbot.waitSignal(model.modelReset):
        desk.approve(far)  # type: ignore[arg-type]
    assert model.total == 297
    assert every_id(model) == ids_in_database(database, pending)


def test_a_queue_changed_behind_the_models_back_is_read_again(
    database: Database, add_article: AddArticle, qtbot: QtBot
) -> None:
    article = add_article(count=500)
    pending = QueueFilter(article_id=article, status=Status.PENDING)
    model = queue_model(database, pending)
    with database.transaction() as session:
        gone = ids_in_database(database, pending)[-450:]
        approve(session, gone, actor=ensure_profile(session, "elsewhere"))  # type: ignore[arg-type]
    # The last page comes up short: the model starts again rather than misplace rows.
    with qtbot.waitSignal(model.modelReset):
        assert model.comment(499) is None
    assert model.rowCount() == 50
    assert model.data(QModelIndex()) is None
