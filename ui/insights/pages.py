"""The insights window's tabs: each builds its charts and tables once and shows a snapshot
(``moderator.insights.snapshot.Insights``) when given one. Charts carry their numbers as rows for
the CSV export (``moderator.insights.rows``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QSize, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from moderator.insights import rows as stats_rows
from moderator.insights.period import PERSON_ACTIONS, Bucket, span
from moderator.insights.queue import span_text
from moderator.insights.snapshot import Insights
from ui.insights.charts import Chart
from ui.insights.models import (
    ARTICLE_COLUMNS,
    RULE_COLUMNS,
    SORT_ROLE,
    WAIT_COLUMNS,
    RowsModel,
    moderator_columns,
)

# The longest lists the charts draw (the tables beside hold every row).
CHART_ROWS = 15


class ChartPanel(QWidget):
    """A chart with its two exports: "PNG…" (the chart) and "CSV…" (its numbers, ``rows``)."""

    def __init__(
        self,
        chart: Chart,
        file_stem: str,
        save: Callable[[ChartPanel, str], object],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.chart = chart
        self.file_stem = file_stem
        self.rows: list[dict[str, Any]] = []
        chart.setParent(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 4, 0)
        bar.addStretch(1)
        for kind, tip in (
            ("png", "Save this chart as a PNG image"),
            ("csv", "Save this chart's numbers as CSV"),
        ):
            button = QToolButton(self)
            button.setObjectName(f"{chart.objectName()}{kind.capitalize()}")
            button.setText(f"{kind.upper()}…")
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(lambda _=False, kind=kind: save(self, kind))
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(chart, 1)
        layout.addLayout(bar)


# The least of the first column (titles, names) a table keeps in view beside its numbers.
FIRST_COLUMN_AT_LEAST = 80


class FittingTable(QTableView):
    """A table that asks for room for all of its numbers' columns (and some of its first):
    the splitter it is in gives it that before cutting a column off."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        header = self.horizontalHeader()
        columns = self.model().columnCount() if self.model() is not None else 0
        numbers = sum(
            max(header.sectionSizeHint(column), self.sizeHintForColumn(column))
            for column in range(1, columns)
        )
        needed = (
            numbers
            + FIRST_COLUMN_AT_LEAST
            + 2 * self.frameWidth()
            + self.verticalScrollBar().sizeHint().width()
        )
        return QSize(max(hint.width(), needed), hint.height())


def make_table(name: str, model: RowsModel[Any], parent: QWidget) -> QTableView:
    """A read-only table over ``model``, sortable by any column (by value, not text). The
    numbers' columns are as wide as their headers and values; the first (titles, names) takes
    the room they leave, cut with an ellipsis (its tooltip has it whole) when there is not
    enough."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    table = FittingTable(parent)
    table.setObjectName(name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the core's order until asked
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    # New rows (or columns) may need more room: the layout asks again.
    model.modelReset.connect(table.updateGeometry)
    return table


def current_row(table: QTableView, model: RowsModel[Any]) -> Any | None:
    """The snapshot of the table's current row (its first row if none is current)."""
    proxy = table.model()
    assert isinstance(proxy, QSortFilterProxyModel)
    index = table.currentIndex()
    if not index.isValid():
        index = proxy.index(0, 0)
    return model.row_at(proxy.mapToSource(index).row()) if index.isValid() else None


def _split(orientation: Qt.Orientation, parent: QWidget, *widgets: QWidget) -> QSplitter:
    split = QSplitter(orientation, parent)
    for widget in widgets:
        split.addWidget(widget)
    return split


def _column(parent: QWidget, *widgets: QWidget, button: QPushButton | None = None) -> QWidget:
    """The widgets one above the other, and a button at the bottom right."""
    holder = QWidget(parent)
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    if button is not None:
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
    return holder


def _page_with(page: QWidget, widget: QWidget) -> None:
    layout = QVBoxLayout(page)
    layout.addWidget(widget)


Save = Callable[[ChartPanel, str], object]


class DecisionsPage(QWidget):
    def __init__(self, save: Save, parent: QWidget) -> None:
        super().__init__(parent)
        self.chart = Chart("decisionsChart", "People's decisions", self, over_time=True)
        self.panel = ChartPanel(self.chart, "decisions", save, self)
        _page_with(self, self.panel)

    def show_insights(self, insights: Insights, span: str) -> None:
        found = insights.decisions
        step = _step(insights)
        actions = [a for a in PERSON_ACTIONS if any(a in d.by_action for d in found)]
        self.chart.stacked_over_time(
            [d.start for d in found],
            {action: [d.by_action.get(action, 0) for d in found] for action in actions},
            3600.0 if insights.by is Bucket.HOUR else 86400.0,
            span=_span(insights),
        )
        self.chart.set_axes(f"Decisions per {step}", f"{step.capitalize()} (UTC)")
        who = insights.period.actor or "everyone"
        self.chart.title.setText(f"People's decisions per {step}, by action ({who}, {span})")
        self.panel.rows = stats_rows.decision_rows(found)


class QueuePage(QWidget):
    def __init__(self, save: Save, parent: QWidget) -> None:
        super().__init__(parent)
        self.pending_chart = Chart("pendingChart", "Pending comments", self, over_time=True)
        self.oldest_chart = Chart(
            "oldestChart", "Wait of the oldest pending comment", self, over_time=True
        )
        self.waits_chart = Chart(
            "waitsChart",
            "Slowest articles (all time): wait from import to a first decision",
            self,
            over_time=False,
        )
        self.pending_panel = ChartPanel(self.pending_chart, "pending", save, self)
        self.oldest_panel = ChartPanel(self.oldest_chart, "oldest-wait", save, self)
        self.waits_panel = ChartPanel(self.waits_chart, "waits", save, self)
        self.waits_model: RowsModel[Any] = RowsModel(WAIT_COLUMNS, self)
        self.waits_table = make_table("waitsTable", self.waits_model, self)
        self.desk_wait = QLabel(self)
        self.desk_wait.setObjectName("deskWait")
        self.desk_wait.setTextFormat(Qt.TextFormat.PlainText)
        self.desk_wait.setWordWrap(True)
        over_time = _split(Qt.Orientation.Horizontal, self, self.pending_panel, self.oldest_panel)
        over_time.setSizes([580, 580])
        below = _split(
            Qt.Orientation.Horizontal,
            self,
            self.waits_panel,
            _column(self, self.desk_wait, self.waits_table),
        )
        below.setSizes([600, 560])
        _page_with(self, _split(Qt.Orientation.Vertical, self, over_time, below))

    def show_insights(self, insights: Insights) -> None:
        found = insights.queue
        step = _step(insights)
        moments = [q.at for q in found]
        self.pending_chart.lines_over_time(
            moments, {"pending comments": [q.pending for q in found]}, span=_span(insights)
        )
        self.pending_chart.set_axes("Comments", f"End of each {step} (UTC)")
        hours = [
            None if q.oldest_wait is None else q.oldest_wait.total_seconds() / 3600 for q in found
        ]
        self.oldest_chart.lines_over_time(moments, {"oldest wait": hours}, span=_span(insights))
        self.oldest_chart.set_axes("Hours", f"End of each {step} (UTC)")
        self.pending_panel.rows = self.oldest_panel.rows = stats_rows.queue_rows(found)
        slowest = insights.waits[:CHART_ROWS]
        self.waits_chart.bars_across(
            [w.title for w in slowest],
            {
                "median": [w.median.total_seconds() / 3600 for w in slowest],
                "90% within": [w.p90.total_seconds() / 3600 for w in slowest],
            },
            stacked=False,
        )
        self.waits_chart.set_axes("", "Hours to a first decision")
        desk = insights.desk_wait
        self.waits_panel.rows = stats_rows.wait_rows(([desk] if desk else []) + insights.waits)
        self.waits_model.set_rows(insights.waits)
        self.desk_wait.setText(
            "No comment has been decided by a person yet."
            if desk is None
            else f"All articles, all time: half of {desk.decided:,} comments were decided within"
            f" {span_text(desk.median.total_seconds())} of their import, nine in ten within"
            f" {span_text(desk.p90.total_seconds())}."
        )


class RulesPage(QWidget):
    def __init__(self, save: Save, parent: QWidget) -> None:
        super().__init__(parent)
        self.chart = Chart(
            "rulesChart",
            "Rules (all time), noisiest first: what became of the comments they flagged",
            self,
            over_time=False,
        )
        self.panel = ChartPanel(self.chart, "rules", save, self)
        self.model: RowsModel[Any] = RowsModel(RULE_COLUMNS, self)
        self.table = make_table("rulesTable", self.model, self)
        self.example_button = QPushButton("Show an Example Comment", self)
        self.example_button.setObjectName("showRuleExample")
        self.example_button.setToolTip(
            "Open a comment the rule flagged on the desk (one people published, if any)"
        )
        below = _column(self, self.table, button=self.example_button)
        # People's verdicts and the rules' own hides make a wide table: it goes below.
        split = _split(Qt.Orientation.Vertical, self, self.panel, below)
        split.setSizes([400, 260])
        _page_with(self, split)

    def show_insights(self, insights: Insights) -> None:
        shown = insights.rules[:CHART_ROWS]
        self.chart.bars_across(
            [r.rule_id for r in shown],
            {
                "published by people": [r.approved_by_people for r in shown],
                "hidden by people": [r.hidden_by_people for r in shown],
                "hidden by rules": [r.hidden_by_rules for r in shown],
                "pending": [r.pending for r in shown],
            },
            stacked=True,
        )
        self.chart.set_axes("", "Comments the rule flagged")
        self.panel.rows = stats_rows.rule_rows(insights.rules)
        self.model.set_rows(insights.rules)
        self.example_button.setEnabled(
            any(rule.example_comment_id is not None for rule in insights.rules)
        )


class ModeratorsPage(QWidget):
    def __init__(self, save: Save, parent: QWidget) -> None:
        super().__init__(parent)
        self.chart = Chart(
            "moderatorsChart", "Each person's decisions, by action", self, over_time=False
        )
        self.panel = ChartPanel(self.chart, "moderators", save, self)
        self.model: RowsModel[Any] = RowsModel(moderator_columns(()), self)
        self.table = make_table("moderatorsTable", self.model, self)
        # A column per action: the table needs the window's width, so it goes below.
        split = _split(Qt.Orientation.Vertical, self, self.panel, self.table)
        split.setSizes([420, 240])
        _page_with(self, split)

    def show_insights(self, insights: Insights) -> None:
        found = insights.moderators
        shown = found[:CHART_ROWS]
        actions = [a for a in PERSON_ACTIONS if any(a in m.by_action for m in found)]
        self.chart.bars_across(
            [m.actor for m in shown],
            {a: [m.by_action.get(a, 0) for m in shown] for a in actions},
            stacked=True,
        )
        self.chart.set_axes("", "Decisions in the period")
        self.panel.rows = stats_rows.moderator_rows(found)
        self.model.set_rows(found, moderator_columns(actions))


class ArticlesPage(QWidget):
    def __init__(self, save: Save, parent: QWidget) -> None:
        super().__init__(parent)
        self.chart = Chart(
            "articlesChart",
            "Threads that went bad (all time): share of comments hidden",
            self,
            over_time=False,
        )
        self.panel = ChartPanel(self.chart, "articles", save, self)
        self.model: RowsModel[Any] = RowsModel(ARTICLE_COLUMNS, self)
        self.table = make_table("articlesTable", self.model, self)
        self.open_button = QPushButton("Open on the Desk", self)
        self.open_button.setObjectName("openArticle")
        self.open_button.setToolTip("Show the chosen article and its comments on the desk")
        right = _column(self, self.table, button=self.open_button)
        # Titles need the width: the table goes below the chart.
        split = _split(Qt.Orientation.Vertical, self, self.panel, right)
        split.setSizes([400, 260])
        _page_with(self, split)

    def show_insights(self, insights: Insights) -> None:
        worst = insights.articles[:CHART_ROWS]
        self.chart.bars_across(
            [a.title for a in worst],
            {"hidden": [a.hidden_share * 100 for a in worst]},
            stacked=False,
        )
        self.chart.set_axes("", "Comments hidden (%)")
        self.panel.rows = stats_rows.article_rows(insights.articles)
        self.model.set_rows(insights.articles)
        self.open_button.setEnabled(bool(insights.articles))


def _span(insights: Insights) -> tuple[datetime, datetime] | None:
    return span(insights.period, insights.read_at, insights.by)


def _step(insights: Insights) -> str:
    return "hour" if insights.by is Bucket.HOUR else "day"
