"""The insights window: it draws what the core counts, narrows by its filters, saves charts
as PNG and their numbers as CSV, and takes the desk to a rule's example or an article."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QHeaderView, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from moderator.domain import Severity
from moderator.insights.period import Bucket, Period
from moderator.insights.snapshot import read_insights
from moderator.rules.model import Hit, RuleAction, RuleSet
from moderator.services import moderation
from moderator.services.flagging import store_hits
from moderator.store.database import Database
from moderator.store.models import Comment
from tests.conftest import add_comments
from tests.ui.conftest import WORK_TIMEOUT_MS
from ui.common.funnel import Desk
from ui.desk.main_window import MainWindow
from ui.insights.charts import Chart
from ui.insights.models import RowsModel
from ui.insights.pages import ChartPanel
from ui.insights.window import InsightsWindow

# The window's clock in these tests: the moment each test begins (not the module's import:
# a whole run takes minutes, and data made after an hour's turn fell outside the period).
NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _now_is_when_the_test_begins() -> None:
    global NOW  # noqa: PLW0603 - the tests read it as a constant, fixed per test
    NOW = datetime.now(UTC)


@pytest.fixture
def decided(database: Database) -> dict[str, list[int]]:
    """Article "Calm" (4 comments) and "Heated" (3). The rule "links" flags two comments;
    Ann approves one of them (the rule was wrong) and hides the other; Bob hides all of
    "Heated"."""
    calm = add_comments(database, 4, title="Calm")
    heated = add_comments(database, 3, title="Heated")
    hit = [Hit("links", Severity.MEDIUM, RuleAction.FLAG, "a link", ((0, 4),))]
    with database.transaction() as session:
        store_hits(session, [(calm[0], hit), (calm[1], hit)], rule_set=RuleSet("t", (), "v1"))
        ann = moderation.ensure_profile(session, "ann")
        bob = moderation.ensure_profile(session, "bob")
        moderation.approve(session, [calm[0]], actor=ann)
        moderation.hide(session, [calm[1]], actor=ann, reason="spam")
        moderation.hide(session, heated, actor=bob, reason="abuse")
    return {"calm": calm, "heated": heated}


class Saves:
    """Answers the window's "save as" questions with paths in a folder, and records them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[str] = []

    def __call__(self, _parent: QWidget, title: str, suggested: str, _pattern: str) -> Path:
        self.asked.append(title)
        return self.folder / suggested


@pytest.fixture
def saves(tmp_path: Path) -> Saves:
    return Saves(tmp_path)


@pytest.fixture
def insights(
    desk: Desk, qtbot: QtBot, saves: Saves, decided: dict[str, list[int]]
) -> InsightsWindow:
    window = InsightsWindow(desk, save_picker=saves, clock=lambda: NOW)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.shown, timeout=WORK_TIMEOUT_MS):
        window.show()
    return window


def test_each_tab_draws_what_the_core_counts(
    insights: InsightsWindow, database: Database, qtmodeltester: ModelTester
) -> None:
    window = insights
    expected = read_insights(database, window.choice().period(NOW), Bucket.DAY, now=NOW)
    # Today: Ann's approve and hide, Bob's three hides.
    assert window.decisions.chart.drawn == {"approve": [1.0], "hide": [4.0]}
    assert [d.by_action for d in expected.decisions] == [{"approve": 1, "hide": 4}]
    # Seven comments arrived, five decided: two pending at the end of today.
    assert window.queue.pending_chart.drawn == {"pending comments": [2.0]}
    assert window.queue.waits_model.rowCount() == 2
    assert "half of 5 comments were decided within" in window.queue.desk_wait.text()
    # The rule: one flag hidden, one published.
    rules = window.rules
    assert rules.chart.labels == ["links"]
    assert rules.chart.drawn == {
        "published by people": [1.0],
        "hidden by people": [1.0],
        "hidden by rules": [0.0],
        "pending": [0.0],
    }
    assert _row_texts(rules.model, 0) == ["links", "2", "1", "1", "0", "0", "50%", "0"]
    # Bob decided most; the moderators' columns are the actions anybody took.
    moderators = window.moderators
    assert moderators.chart.labels == ["bob", "ann"]
    assert [moderators.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == [
        "Moderator",
        "Decisions",
        "Approve",
        "Hide",
    ]
    assert _row_texts(moderators.model, 1)[:4] == ["ann", "2", "50%", "50%"]
    # The thread that went bad comes first.
    assert window.articles.chart.labels == ["Heated", "Calm"]
    assert window.articles.chart.drawn == {"hidden": [100.0, 25.0]}
    for model in (window.queue.waits_model, rules.model, moderators.model, window.articles.model):
        qtmodeltester.check(model)
    assert window.state_label.text().startswith("Counted at ")


def _row_texts(model: RowsModel[Any], row: int) -> list[str]:
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_filters_narrow_the_views_over_time(insights: InsightsWindow, qtbot: QtBot) -> None:
    window = insights
    assert window.actor_box.findText("ann") > 0
    assert window.actor_box.findText("system") == -1
    with qtbot.waitSignal(window.shown, timeout=WORK_TIMEOUT_MS):
        window.actor_box.setCurrentIndex(window.actor_box.findText("ann"))
    assert window.decisions.chart.drawn == {"approve": [1.0], "hide": [1.0]}
    assert "(ann, last 30 days)" in window.decisions.chart.title.text()
    assert [m.actor for m in window.moderators.model._rows] == ["ann"]
    with qtbot.waitSignal(window.shown, timeout=WORK_TIMEOUT_MS):
        window.article_box.setCurrentIndex(window.article_box.findText("Heated"))
    # Ann decided nothing on "Heated"; its queue is empty of pending comments.
    assert window.decisions.chart.drawn == {}
    assert not window.decisions.chart.empty.isHidden()
    assert window.queue.pending_chart.drawn == {"pending comments": [0.0]}
    with qtbot.waitSignal(window.shown, timeout=WORK_TIMEOUT_MS):
        window.by_box.setCurrentIndex(1)  # per hour
    assert window.insights is not None
    assert window.insights.by is Bucket.HOUR
    assert window.decisions.chart.plot.getAxis("bottom").labelText == "Hour (UTC)"


def test_a_decision_on_the_desk_is_counted_again(
    insights: InsightsWindow, desk: Desk, qtbot: QtBot, decided: dict[str, list[int]]
) -> None:
    with qtbot.waitSignal(insights.shown, timeout=WORK_TIMEOUT_MS):
        desk.approve([decided["calm"][2]])
    assert insights.decisions.chart.drawn["approve"] == [2.0]
    assert insights.queue.pending_chart.drawn == {"pending comments": [1.0]}


def test_a_chart_saves_as_png_and_its_numbers_as_csv(
    insights: InsightsWindow, saves: Saves, qtbot: QtBot
) -> None:
    panel = insights.articles.panel
    assert isinstance(panel, ChartPanel)
    insights.tabs.setCurrentWidget(insights.articles)
    png = insights.findChild(QWidget, "articlesChartPng")
    csv_button = insights.findChild(QWidget, "articlesChartCsv")
    assert png is not None
    assert csv_button is not None
    qtbot.mouseClick(png, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(csv_button, Qt.MouseButton.LeftButton)
    assert saves.asked == ["Save Chart as PNG", "Save Data as CSV"]
    image = QImage(str(saves.folder / "articles.png"))
    assert not image.isNull()
    assert image.width() > 200
    with (saves.folder / "articles.csv").open(encoding="utf-8", newline="") as data:
        rows = list(csv.DictReader(data))
    assert [(r["title"], r["hidden"], r["hidden_share"]) for r in rows] == [
        ("Heated", "3", "1.0"),
        ("Calm", "1", "0.25"),
    ]
    assert "Saved 2 rows" in insights.statusBar().currentMessage()


def test_a_csv_that_cannot_be_written_says_so_and_leaves_nothing(
    insights: InsightsWindow, saves: Saves, qtbot: QtBot
) -> None:
    saves.folder = saves.folder / "missing-folder"
    assert insights.save_csv(insights.rules.panel) is None
    box = insights.findChild(QWidget, "warningBox")
    assert box is not None
    assert "Could not write" in box.text()  # type: ignore[attr-defined]
    assert not saves.folder.exists()


def test_the_rules_example_and_an_article_go_to_the_desk(
    insights: InsightsWindow, qtbot: QtBot, decided: dict[str, list[int]], database: Database
) -> None:
    insights.tabs.setCurrentWidget(insights.rules)
    with qtbot.waitSignal(insights.goToComment) as shown:
        qtbot.mouseClick(insights.rules.example_button, Qt.MouseButton.LeftButton)
    calm_article = _article_of(database, decided["calm"][0])
    # The example is the flagged comment people published: where the rule was wrong.
    assert shown.args == [decided["calm"][0], calm_article]
    insights.tabs.setCurrentWidget(insights.articles)
    insights.articles.table.selectRow(1)
    with qtbot.waitSignal(insights.goToArticle) as opened:
        qtbot.mouseClick(insights.articles.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [calm_article]


def _article_of(database: Database, comment_id: int) -> int:
    with database.session() as session:
        return session.scalars(select(Comment.article_id).where(Comment.id == comment_id)).one()


def test_charts_follow_a_dark_palette(insights: InsightsWindow) -> None:
    dark = QPalette(insights.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    chart = insights.decisions.chart
    chart.setPalette(dark)
    chart.follow_palette()
    assert chart.plot_widget.backgroundBrush().color().name() == "#1e1e1e"
    assert chart.plot.getAxis("left").textPen().color().name() == "#e6e6e6"


def test_ctrl_i_opens_insights_and_an_example_lands_on_the_desk(
    database: Database, desk: Desk, qtbot: QtBot, decided: dict[str, list[int]]
) -> None:
    window = MainWindow(desk)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
    window.action_map["actionInsights"].trigger()
    insights = window.insights.insights_window
    assert insights is not None
    qtbot.waitUntil(lambda: insights.insights is not None, timeout=WORK_TIMEOUT_MS)
    insights.show_rule_example()
    current = window.commentQueue.currentIndex()
    assert current.isValid()
    assert window.queue.comment_id(current.row()) == decided["calm"][0]


def test_nothing_to_show_on_an_empty_desk(desk: Desk, qtbot: QtBot, saves: Saves) -> None:
    window = InsightsWindow(desk, save_picker=saves, clock=lambda: NOW)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.shown, timeout=WORK_TIMEOUT_MS):
        window.show()
    for chart in (window.decisions.chart, window.queue.pending_chart, window.rules.chart):
        assert chart.drawn == {}
        # Said in words, not as empty axes (the other tabs' pages are hidden themselves).
        assert not chart.empty.isHidden()
        assert chart.plot_widget.isHidden()
    assert window.queue.desk_wait.text() == "No comment has been decided by a person yet."
    assert not window.rules.example_button.isEnabled()
    assert window.insights is not None
    # "Last 30 days": today and the 29 before it, whole days (UTC).
    today = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    assert window.insights.period == Period(since=today - timedelta(days=29))


def test_the_rules_own_hides_are_a_column_of_their_own(
    desk: Desk, database: Database, qtbot: QtBot, saves: Saves, qtmodeltester: ModelTester
) -> None:
    # The rule hides three of four comments as they come in; nobody decides anything.
    *rough, _ = add_comments(database, 4, title="Rough")
    hit = [Hit("severe", Severity.HIGH, RuleAction.HIDE, "a slur", ((0, 4),))]
    with database.transaction() as session:
        change = store_hits(
            session, [(comment, hit) for comment in rough], rule_set=RuleSet("t", (), "v1")
        )
    assert len(change.hidden) == 3
    window = InsightsWindow(desk, save_picker=saves, clock=lambda: NOW)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.shown, timeout=WORK_TIMEOUT_MS):
        window.show()
    model = window.rules.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[2:7] == [
        "Hidden by people",
        "Published by people",
        "Hidden by rules",
        "Pending",
        "Precision",
    ]
    # No precision yet, however many the rules hid.
    assert _row_texts(model, 0)[:7] == ["severe", "3", "0", "0", "3", "0", "\N{EN DASH}"]
    assert window.rules.chart.drawn["hidden by rules"] == [3.0]
    assert window.rules.chart.drawn["hidden by people"] == [0.0]
    qtmodeltester.check(model)


def test_another_desks_decisions_are_counted_within_a_while(
    insights: InsightsWindow,
    desk: Desk,
    other_desk: Database,
    qtbot: QtBot,
    decided: dict[str, list[int]],
) -> None:
    with other_desk.transaction() as session:
        moderation.approve(
            session, [decided["calm"][2]], actor=moderation.ensure_profile(session, "bob")
        )
    # The live feed says another desk worked; the count waits a while, then runs once.
    desk.reread.emit()
    desk.reread.emit()
    assert insights.others_timer.isActive()
    assert insights.queue.pending_chart.drawn == {"pending comments": [2.0]}
    with qtbot.waitSignal(insights.shown, timeout=WORK_TIMEOUT_MS):
        insights.others_timer.timeout.emit()
    assert insights.queue.pending_chart.drawn == {"pending comments": [1.0]}
    assert "bob" in [m.actor for m in insights.moderators.model._rows]


def test_a_chart_over_time_spans_the_whole_period(insights: InsightsWindow, qtbot: QtBot) -> None:
    # Every decision was made today, yet "last 30 days" shows all 30 of them, and the last
    # 12 months all of theirs.
    today = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    for chart in (insights.decisions.chart, insights.queue.pending_chart):
        first, last = chart.plot.viewRange()[0]
        assert first <= (today - timedelta(days=29)).timestamp()
        assert last >= (today + timedelta(days=1)).timestamp()
        assert last - first < 30 * 86400 * 1.1  # and a little room either side
    with qtbot.waitSignal(insights.shown, timeout=WORK_TIMEOUT_MS):
        insights.range_box.setCurrentIndex(insights.range_box.findText("Last 12 months"))
    first, last = insights.decisions.chart.plot.viewRange()[0]
    assert first <= (today - timedelta(days=364)).timestamp()
    assert last >= (today + timedelta(days=1)).timestamp()


def test_count_axes_tick_at_whole_numbers_only(qtbot: QtBot) -> None:
    across = Chart("across", "Counts", over_time=False)
    over_time = Chart("overTime", "Counts", over_time=True)
    for chart in (across, over_time):
        qtbot.addWidget(chart)
    across.bars_across(["ann", "bob"], {"hide": [1, 3]}, stacked=True)
    over_time.stacked_over_time([NOW], {"hide": [3]}, 86400.0)
    for axis in (across.value_axis, over_time.value_axis):
        for size in (100, 400, 800):
            levels = axis.tickValues(0, 3.24, size)
            assert levels
            assert all(float(value).is_integer() for _, values in levels for value in values)
    # Hours are not counts: a wait of an hour and a half keeps its half.
    over_time.lines_over_time([NOW], {"oldest wait": [1.5]})
    assert any(
        not float(value).is_integer()
        for _, values in over_time.value_axis.tickValues(0, 1.62, 800)
        for value in values
    )


def test_tables_show_every_column_whole_at_1024_by_700(
    insights: InsightsWindow, qtbot: QtBot
) -> None:
    insights.resize(1024, 700)
    tables = {
        insights.queue: insights.queue.waits_table,
        insights.rules: insights.rules.table,
        insights.moderators: insights.moderators.table,
        insights.articles: insights.articles.table,
    }
    for page, table in tables.items():
        insights.tabs.setCurrentWidget(page)
        qtbot.waitUntil(table.isVisible)
        qtbot.waitUntil(lambda table=table: table.viewport().width() > 0)
        header = table.horizontalHeader()
        assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch
        for column in range(1, header.count()):
            wanted = max(header.sectionSizeHint(column), table.sizeHintForColumn(column))
            assert header.sectionSize(column) >= wanted, (table.objectName(), column)
        # Nothing hides to the right.
        assert table.horizontalScrollBar().maximum() == 0, table.objectName()
    assert insights.width() <= 1024


def test_a_line_of_gaps_only_draws_nothing_and_warns_of_nothing(qtbot: QtBot) -> None:
    chart = Chart("oldestWait", "Hours", over_time=True)
    qtbot.addWidget(chart)
    # No comment pending in the whole period: every moment a gap (pyqtgraph warned "All-NaN
    # slice" measuring it, which the app printed and the tests turn into an error).
    chart.lines_over_time([NOW, NOW + timedelta(hours=1)], {"oldest wait": [None, None]})
    assert all(math.isnan(value) for value in chart.drawn["oldest wait"])  # gaps


def test_a_chart_is_never_saved_over_a_link_or_a_fifo(
    insights: InsightsWindow, saves: Saves, tmp_path: Path
) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("kept", encoding="utf-8")
    (saves.folder / "articles.png").symlink_to(target)
    assert insights.save_png(insights.articles.panel) is None
    box = insights.findChild(QWidget, "warningBox")
    assert box is not None
    assert "Could not write" in box.text()  # type: ignore[attr-defined]
    assert target.read_text(encoding="utf-8") == "kept"
