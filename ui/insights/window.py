"""The insights window: how the desk and its rules are doing, in charts and tables.

Tabs for decisions over time, the queue's health, the rules, the moderators and the
articles. The period, the step (day or hour), a moderator and an article narrow the views
over time; every chart saves itself as a PNG and its numbers as CSV. Everything is read in
a worker (``moderator.insights.snapshot``); the window shows the snapshot it gets back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from moderator.insights import rows as stats_rows
from moderator.insights.period import Bucket, Period, Recent
from moderator.insights.snapshot import Insights, read_insights
from moderator.output.files import check_output
from moderator.store.database import Database
from ui.common.funnel import Desk
from ui.common.jobs import Job
from ui.common.messages import warn
from ui.insights.pages import (
    ArticlesPage,
    ChartPanel,
    DecisionsPage,
    ModeratorsPage,
    QueuePage,
    RulesPage,
    current_row,
)

# Asks where to save a file: (parent, title, suggested file name, filter) -> path or None.
SavePicker = Callable[[QWidget, str, str, str], Path | None]
# How soon other desks' decisions are counted here (this desk's are counted at once).
OTHERS_EVERY_MS = 20_000
RANGES: tuple[tuple[str, Recent | None], ...] = (
    ("Last 7 days", Recent(7)),
    ("Last 30 days", Recent(30)),
    ("Last 90 days", Recent(90)),
    ("Last 12 months", Recent(12, "months")),
    ("All time", None),
)


def ask_save_path(parent: QWidget, title: str, suggested: str, pattern: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested, pattern)
    return Path(chosen) if chosen else None


@dataclass(frozen=True, slots=True)
class Choice:
    """What the filter bar asks for."""

    recent: Recent | None
    by: Bucket
    actor: str | None
    article_id: int | None

    def period(self, now: datetime) -> Period:
        if self.recent is None:
            return Period(actor=self.actor, article_id=self.article_id)
        return self.recent.period(now, actor=self.actor, article_id=self.article_id)


class InsightsWindow(QMainWindow):
    """Insights on one desk's database.

    Signals:
        goToComment(int, int): a comment (id) and its article (id) to show on the desk.
        goToArticle(int): an article to open on the desk.
    """

    goToComment = Signal(int, int)
    goToArticle = Signal(int)
    # A snapshot arrived and is shown (for whoever waits on it: tests, the status bar).
    shown = Signal()

    def __init__(
        self,
        desk: Desk,
        *,
        save_picker: SavePicker = ask_save_path,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("InsightsWindow")
        self.setWindowTitle("Insights — Moderator")
        self.resize(1180, 760)
        self.desk = desk
        self._save_picker = save_picker
        self._clock = clock
        self._job: Job | None = None
        self._again = False
        self.insights: Insights | None = None

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(self._build_filters())
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("insightsTabs")
        self.tabs.setDocumentMode(True)
        self.decisions = DecisionsPage(self.save_chart, self)
        self.queue = QueuePage(self.save_chart, self)
        self.rules = RulesPage(self.save_chart, self)
        self.moderators = ModeratorsPage(self.save_chart, self)
        self.articles = ArticlesPage(self.save_chart, self)
        for page, title in (
            (self.decisions, "&Decisions"),
            (self.queue, "&Queue"),
            (self.rules, "&Rules"),
            (self.moderators, "&Moderators"),
            (self.articles, "&Articles"),
        ):
            self.tabs.addTab(page, title)
        self.rules.table.doubleClicked.connect(self.show_rule_example)
        self.rules.example_button.clicked.connect(self.show_rule_example)
        self.articles.table.doubleClicked.connect(self.open_article)
        self.articles.open_button.clicked.connect(self.open_article)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("insightsState")
        self.statusBar().addPermanentWidget(self.state_label)

        for signal in (desk.moderated, desk.imported, desk.rules_ran):
            signal.connect(self.refresh)
        # Other desks' work is counted too, at most once in a while: a busy team decides
        # many times a minute, and a count of a large log takes a second of a core.
        self.others_timer = QTimer(self)
        self.others_timer.setSingleShot(True)
        self.others_timer.setInterval(OTHERS_EVERY_MS)
        self.others_timer.timeout.connect(self.refresh)
        for signal in (desk.arrived, desk.reread, desk.elsewhere):
            signal.connect(self._others_worked)

    # --- building ------------------------------------------------------------------------

    def _build_filters(self) -> QHBoxLayout:
        self.range_box = QComboBox(self)
        self.range_box.setObjectName("insightsRange")
        for label, recent in RANGES:
            self.range_box.addItem(label, recent)
        self.range_box.setCurrentIndex(1)
        self.by_box = QComboBox(self)
        self.by_box.setObjectName("insightsBy")
        self.by_box.addItem("Per day", Bucket.DAY)
        self.by_box.addItem("Per hour", Bucket.HOUR)
        self.actor_box = QComboBox(self)
        self.actor_box.setObjectName("insightsActor")
        self.actor_box.addItem("Everyone", None)
        self.article_box = QComboBox(self)
        self.article_box.setObjectName("insightsArticle")
        self.article_box.addItem("All articles", None)
        self.article_box.setMinimumContentsLength(28)
        self.article_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("insightsRefresh")
        self.refresh_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_button.setToolTip("Count again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        for label, box in (
            ("Period", self.range_box),
            ("Step", self.by_box),
            ("Moderator", self.actor_box),
            ("Article", self.article_box),
        ):
            caption = QLabel(f"{label}:", self)
            caption.setBuddy(box)
            row.addWidget(caption)
            row.addWidget(box)
            box.setAccessibleName(label)
            box.currentIndexChanged.connect(self.refresh)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        return row

    # --- reading -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _others_worked(self, *_args: object) -> None:
        if self.isVisible() and not self.others_timer.isActive():
            self.others_timer.start()

    def choice(self) -> Choice:
        return Choice(
            recent=self.range_box.currentData(),
            by=Bucket(self.by_box.currentData()),
            actor=self.actor_box.currentData(),
            article_id=self.article_box.currentData(),
        )

    def refresh(self) -> None:
        """Count again in a worker (once more after the one running, if one is)."""
        if not self.isVisible():
            return
        if self._job is not None and self._job.running:
            self._again = True
            return
        choice = self.choice()
        now = self._clock()
        database: Database = self.desk.database
        period = choice.period(now)

        def work(_progress: object, stop_requested: Callable[[], bool]) -> Insights | None:
            return read_insights(
                database, period, choice.by, now=now, stop_requested=stop_requested
            )

        self.state_label.setText("Counting…")
        job = Job(work, self)
        job.succeeded.connect(self._arrived)
        job.failed.connect(self._failed)
        job.finished.connect(self._job_done)
        self._job = job
        job.start()

    def _job_done(self) -> None:
        if self._job is not None:
            self._job.deleteLater()
        self._job = None
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, error: object) -> None:
        self.state_label.setText("Could not count")
        warn(self, "Insights", f"The insights could not be read: {error}")

    def _arrived(self, insights: Insights | None) -> None:
        if insights is not None:  # None: stopped (the window closed) before it was read
            self.show_insights(insights)

    def show_insights(self, insights: Insights) -> None:
        """Draw a snapshot: every chart and table, and the filters' choices."""
        self.insights = insights
        self._fill_filters(insights)
        self.decisions.show_insights(insights, self.range_box.currentText().lower())
        self.queue.show_insights(insights)
        self.rules.show_insights(insights)
        self.moderators.show_insights(insights)
        self.articles.show_insights(insights)
        local = insights.read_at.astimezone().strftime("%H:%M")
        self.state_label.setText(f"Counted at {local}")
        self.shown.emit()

    def _fill_filters(self, insights: Insights) -> None:
        for box, items in (
            (self.actor_box, [(name, name) for name in insights.actors]),
            (self.article_box, [(_short_title(title), aid) for aid, title in insights.titles]),
        ):
            chosen = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for label, value in items:
                box.addItem(label, value)
            box.setCurrentIndex(max(0, box.findData(chosen)))
            box.blockSignals(False)

    # --- acting --------------------------------------------------------------------------

    def show_rule_example(self, _index: QModelIndex | None = None) -> None:
        rule = current_row(self.rules.table, self.rules.model)
        if rule is None or rule.example_comment_id is None or rule.example_article_id is None:
            return
        self.goToComment.emit(rule.example_comment_id, rule.example_article_id)

    def open_article(self, _index: QModelIndex | None = None) -> None:
        article = current_row(self.articles.table, self.articles.model)
        if article is not None:
            self.goToArticle.emit(article.article_id)

    def save_chart(self, panel: ChartPanel, kind: str) -> Path | None:
        """Save a chart as "png" or its numbers as "csv", where the user says."""
        return self.save_png(panel) if kind == "png" else self.save_csv(panel)

    def save_png(self, panel: ChartPanel) -> Path | None:
        path = self._save_picker(
            self, "Save Chart as PNG", f"{panel.file_stem}.png", "PNG images (*.png)"
        )
        if path is None:
            return None
        try:
            # Qt writes the image itself: the same refusals as every export (the database,
            # a device, a link ...) are checked first.
            check_output(path)
        except OSError as error:
            warn(self, "Save Chart", f"Could not write {path}: {error}")
            return None
        if not panel.chart.save_png(path):
            warn(self, "Save Chart", f"Could not write {path}")
            return None
        self.statusBar().showMessage(f"Saved the chart to {path}", 8000)
        return path

    def save_csv(self, panel: ChartPanel) -> Path | None:
        path = self._save_picker(
            self, "Save Data as CSV", f"{panel.file_stem}.csv", "CSV files (*.csv)"
        )
        if path is None:
            return None
        try:
            stats_rows.write_csv(path, panel.rows)
        except OSError as error:
            warn(self, "Save Data", f"Could not write {path}: {error.strerror or error}")
            return None
        self.statusBar().showMessage(f"Saved {len(panel.rows):,} rows to {path}", 8000)
        return path

    def closeEvent(self, event: Any) -> None:
        # A first roll-up of a large log stops after its current step (what is counted
        # stays counted); a read under way ends in a moment.
        self._again = False
        if self._job is not None:
            self._job.stop()
            self._job.wait()
        super().closeEvent(event)


def _short_title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= 60 else title[:59] + "…"
