"""The item models: paging, columns, and following decisions in place."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import Status
from moderator.queries import QueueFilter
from moderator.services.moderation import approve, ensure_profile
from moderator.storage import Database
from tests.ui.conftest import HOSTILE, AddArticle
from ui.desk import Desk
from ui.models import COLUMNS, PAGE_SIZE, ArticleListModel, Column, CommentQueueModel

ROOT = QModelIndex()


def texts(model: CommentQueueModel, column: Column) -> list[str]:
    col = COLUMNS.index(column)
    return [model.data(model.index(row, col)) for row in range(model.rowCount())]


def queue_model(database: Database, queue: QueueFilter | None) -> CommentQueueModel:
    model = CommentQueueModel(database)
    model.set_queue(queue)
    return model


def test_a_long_queue_loads_a_page_at_a_time(
    database: Database, add_article: AddArticle, qtmodeltester: ModelTester
) -> None:
    article = add_article(count=450)
    model = queue_model(database, QueueFilter(article_id=article))

    # Checked after paging: the model tester itself fetches everything there is.
    assert (model.rowCount(), model.total) == (PAGE_SIZE, 450)
    assert model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    assert model.rowCount() == 2 * PAGE_SIZE
    model.fetchMore(ROOT)
    assert model.rowCount() == 450
    assert not model.canFetchMore(ROOT)
    qtmodeltester.check(model)

    # Thread order, no row twice across the page boundaries.
    assert texts(model, Column.POSITION) == [str(n) for n in range(1, 451)]
    ids = [model.comment_id(row) for row in range(450)]
    assert len(set(ids)) == 450
    assert all(model.row_of(comment_id) == row for row, comment_id in enumerate(ids))
    assert model.row_of(-1) is None


def test_reload_starts_again_from_the_first_page(
    database: Database, add_article: AddArticle, qtmodeltester: ModelTester, qtbot: QtBot
) -> None:
    article = add_article(count=250)
    model = queue_model(database, QueueFilter(article_id=article))
    model.fetchMore(ROOT)
    assert model.rowCount() == 250
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.modelReset):
        model.reload()
    assert (model.rowCount(), model.total) == (PAGE_SIZE, 250)
    qtmodeltester.check(model)


def test_no_queue_shows_nothing(database: Database, qtmodeltester: ModelTester) -> None:
    model = queue_model(database, None)
    qtmodeltester.check(model)
    assert model.rowCount() == 0
    assert not model.canFetchMore(ROOT)


def test_columns_come_from_the_enum_and_other_roles_are_none(
    database: Database, add_article: AddArticle, qtmodeltester: ModelTester
) -> None:
    add_article(["First comment.\n\nSecond paragraph."])
    model = queue_model(database, QueueFilter())
    qtmodeltester.check(model)
    headers = [
        model.headerData(section, Qt.Orientation.Horizontal) for section in range(len(COLUMNS))
    ]
    assert headers == ["#", "Author", "Posted", "Article", "Status", "Flags", "Comment"]
    assert model.columnCount() == len(Column)
    assert texts(model, Column.AUTHOR) == ["author0"]
    assert texts(model, Column.POSTED) == ["14 Jan 2025 08:00"]
    assert texts(model, Column.STATUS) == ["Pending"]
    assert texts(model, Column.FLAGS) == [""]
    # The excerpt is one line: paragraph breaks fold into spaces.
    assert texts(model, Column.EXCERPT) == ["First comment. Second paragraph."]
    index = model.index(0, COLUMNS.index(Column.EXCERPT))
    for role in (
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
    ):
        assert model.data(index, role) is None


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
    ids = [model.comment_id(row) for row in range(5)]

    with qtbot.waitSignal(model.rowsRemoved), qtbot.assertNotEmitted(model.modelReset):
        desk.approve([ids[1], ids[3], ids[4]])
    assert [model.comment_id(row) for row in range(model.rowCount())] == [ids[0], ids[2]]
    assert model.total == 2
    assert model.row_of(ids[2]) == 1
    qtmodeltester.check(model)


def test_a_decision_repaints_rows_that_stay(
    database: Database, add_article: AddArticle, desk: Desk, qtbot: QtBot
) -> None:
    add_article(count=3)
    model = queue_model(database, QueueFilter())
    desk.moderated.connect(model.apply_change)
    target = model.comment_id(1)

    with qtbot.waitSignal(model.dataChanged) as changed:
        desk.escalate([target])
    top_left, bottom_right, *_roles = changed.args
    assert (top_left.row(), bottom_right.row()) == (1, 1)
    assert (top_left.column(), bottom_right.column()) == (0, len(COLUMNS) - 1)
    assert texts(model, Column.STATUS) == ["Pending", "Pending, escalated", "Pending"]

    desk.approve([target])
    assert texts(model, Column.STATUS) == ["Pending", "Approved, escalated", "Pending"]
    assert model.rowCount() == 3


def test_a_decision_on_a_row_not_fetched_keeps_paging_aligned(
    database: Database,
    add_article: AddArticle,
    desk: Desk,
    qtmodeltester: ModelTester,
) -> None:
    article = add_article(count=450)
    model = queue_model(database, QueueFilter(article_id=article, status=Status.PENDING))
    desk.moderated.connect(model.apply_change)
    everything = queue_model(database, QueueFilter(article_id=article))
    everything.fetchMore(ROOT)
    unfetched = everything.comment_id(300)

    desk.approve([unfetched])
    assert (model.rowCount(), model.total) == (PAGE_SIZE, 449)
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)
    ids = [model.comment_id(row) for row in range(model.rowCount())]
    assert len(ids) == len(set(ids)) == 449
    assert unfetched not in ids
    qtmodeltester.check(model)


def test_a_comment_joining_the_queue_reloads_it(
    database: Database, add_article: AddArticle, desk: Desk, qtbot: QtBot
) -> None:
    article = add_article(count=3)
    # Approved behind the model's back (as another desk would), then restored through this desk.
    first = queue_model(database, QueueFilter(article_id=article)).comment_id(0)
    with database.transaction() as session:
        approve(session, [first], actor=ensure_profile(session, "elsewhere"))
    model = queue_model(database, QueueFilter(article_id=article, status=Status.PENDING))
    desk.moderated.connect(model.apply_change)
    assert model.rowCount() == 2

    with qtbot.waitSignal(model.modelReset):
        desk.restore([first])
    assert model.rowCount() == 3
    assert model.comment_id(0) == first


def test_article_list_shows_titles_and_follows_counts(
    database: Database,
    add_article: AddArticle,
    desk: Desk,
    qtmodeltester: ModelTester,
    qtbot: QtBot,
) -> None:
    older = add_article(count=3, title="Older")
    newer = add_article(count=2, title="Newer")
    model = ArticleListModel(database)
    model.reload()
    desk.moderated.connect(model.apply_change)
    qtmodeltester.check(model)

    assert [model.article_id(row) for row in range(model.rowCount())] == [newer, older]
    assert model.data(model.index(1, 0)) == "Older\n3 pending · 3 comments"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.DecorationRole) is None

    queue = queue_model(database, QueueFilter(article_id=older))
    with qtbot.waitSignal(model.dataChanged):
        desk.hide([queue.comment_id(0)], "spam")
    assert model.data(model.index(1, 0)) == "Older\n2 pending · 1 hidden · 3 comments"
    assert model.article(1).hidden == 1
    assert model.row_of(newer) == 0
    qtmodeltester.check(model)
