"""The article panel: filtered, sorted, and "All articles" for a queue across them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import Status
from moderator.store.database import Database
from tests.ui.conftest import AddArticle, status_of
from ui.comments.queue_model import COLUMNS, Column
from ui.common.funnel import Desk
from ui.desk.article_model import ArticleListModel
from ui.desk.article_panel import SORTS, ArticlePanel
from ui.desk.main_window import MainWindow


@pytest.fixture
def three(add_article: AddArticle) -> list[int]:
    """Three articles: imported oldest to newest, with 1, 3 and 2 pending comments."""
    return [
        add_article(count=1, title="Budget vote tonight"),
        add_article(count=3, title="Ferry fares rise"),
        add_article(count=2, title="The budget, explained"),
    ]


@pytest.fixture
def panel(database: Database, three: list[int], qtbot: QtBot) -> ArticlePanel:
    model = ArticleListModel(database)
    model.reload()
    made = ArticlePanel(model)
    qtbot.addWidget(made)
    return made


def titles(panel: ArticlePanel) -> list[str]:
    proxy = panel.proxy
    return [
        proxy.index(row, 0).data(Qt.ItemDataRole.DisplayRole).split("\n")[0]
        for row in range(proxy.rowCount())
    ]


def test_the_proxy_is_a_sound_model(panel: ArticlePanel, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(panel.proxy)
    panel.filter_box.setText("budget")
    qtmodeltester.check(panel.proxy)


def test_the_filter_matches_titles_whatever_the_case(panel: ArticlePanel) -> None:
    assert titles(panel) == ["The budget, explained", "Ferry fares rise", "Budget vote tonight"]
    panel.filter_box.setText("BUDGET")
    assert titles(panel) == ["The budget, explained", "Budget vote tonight"]
    panel.filter_box.clear()
    assert len(titles(panel)) == 3


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "Newest import first",
            ["The budget, explained", "Ferry fares rise", "Budget vote tonight"],
        ),
        (
            "Most pending first",
            ["Ferry fares rise", "The budget, explained", "Budget vote tonight"],
        ),
        ("By title", ["Budget vote tonight", "Ferry fares rise", "The budget, explained"]),
    ],
)
def test_the_sort_choices(panel: ArticlePanel, sort: str, expected: list[str]) -> None:
    panel.sort_box.setCurrentIndex([label for label, _ in SORTS].index(sort))
    assert titles(panel) == expected


def test_all_articles_is_one_queue_across_them(
    desk: Desk, database: Database, three: list[int], qtbot: QtBot
) -> None:
    window = MainWindow(desk)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
    article_column = COLUMNS.index(Column.ARTICLE)
    assert window.commentQueue.isColumnHidden(article_column)

    qtbot.mouseClick(window.article_panel.all_button, Qt.MouseButton.LeftButton)
    assert window.windowTitle() == "All articles — Moderator"
    assert window.queue.rowCount() == 6
    assert not window.commentQueue.isColumnHidden(article_column)
    assert window.queueTabs.tabText(0) == "Pending (6)"
    # The middle shows the article the selected comment answers.
    first = window.queue.comment(0)
    assert window.articleView.toPlainText().startswith(first.article_title)

    qtbot.keyClick(window.commentQueue, Qt.Key.Key_A)
    assert status_of(database, first.id) is Status.APPROVED
    assert window.queueTabs.tabText(0) == "Pending (5)"
    following = window.queue.comment(window.commentQueue.currentIndex().row())
    assert window.articleView.toPlainText().startswith(following.article_title)

    # Picking an article in the list leaves "All articles".
    window.select_article(three[1])
    assert not window.article_panel.showing_all
    assert window.queue.rowCount() == 3
    assert window.commentQueue.isColumnHidden(article_column)
    assert window.windowTitle() == "Ferry fares rise — Moderator"
