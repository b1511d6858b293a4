"""The article list model: titles, counts, and following decisions in place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.queries.queue import QueueFilter
from moderator.store.database import Database
from tests.ui.conftest import AddArticle, queue_model
from ui.common.funnel import Desk
from ui.desk.article_model import ArticleListModel


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
