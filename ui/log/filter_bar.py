"""The log's filters as a row of controls: dates, who, action, reason, article, words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moderator.domain import ReasonCode
from moderator.log.queries import LogFilter

# The first item of each list: no filter on that field.
ANY = None


def _day_start(day: QDate) -> datetime:
    """Midnight starting ``day`` on the reader's clock, in UTC (the log's times are UTC)."""
    local = datetime.combine(date(day.year(), day.month(), day.day()), time(0)).astimezone()
    return local.astimezone(UTC)


class LogFilterBar(QWidget):
    """Signals:
    changed(): a filter was changed (the search box: when Enter is pressed)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logFilterBar")
        today = QDate.currentDate()
        self.fromCheck = QCheckBox("From", self)
        self.fromDate = QDateEdit(today.addDays(-7), self)
        self.toCheck = QCheckBox("To", self)
        self.toDate = QDateEdit(today, self)
        for check, edit, name in (
            (self.fromCheck, self.fromDate, "First day shown"),
            (self.toCheck, self.toDate, "Last day shown"),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.setAccessibleName(name)
            check.setAccessibleName(f"Filter by {name.lower()}")
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self.changed)
            edit.dateChanged.connect(self.changed)
        self.actorBox = self._combo("logActorBox", "Who", "Anyone")
        self.actionBox = self._combo("logActionBox", "Action", "Any action")
        self.reasonBox = self._combo("logReasonBox", "Reason", "Any reason")
        for code in ReasonCode:
            self.reasonBox.addItem(code.label, str(code))
        self.articleBox = self._combo("logArticleBox", "Article", "Any article")
        self.articleBox.setMaximumWidth(260)
        self.searchBox = QLineEdit(self)
        self.searchBox.setObjectName("logSearchBox")
        self.searchBox.setAccessibleName("Search notes and names")
        self.searchBox.setPlaceholderText("Search notes and names (Enter)")
        self.searchBox.setClearButtonEnabled(True)
        self.searchBox.returnPressed.connect(self.changed)
        self.clearButton = QPushButton("Clear filters", self)
        self.clearButton.setObjectName("logClearFilters")
        self.clearButton.clicked.connect(self.clear)

        dates = QHBoxLayout()
        for widget in (self.fromCheck, self.fromDate, self.toCheck, self.toDate):
            dates.addWidget(widget)
        dates.addSpacing(12)
        for box in (self.actorBox, self.actionBox, self.reasonBox):
            box.setMinimumWidth(140)
            dates.addWidget(box)
        dates.addStretch(1)
        words = QHBoxLayout()
        self.articleBox.setMinimumWidth(280)
        words.addWidget(self.articleBox)
        words.addWidget(self.searchBox, 1)
        words.addWidget(self.clearButton)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(6, 6, 6, 2)
        rows.setSpacing(4)
        rows.addLayout(dates)
        rows.addLayout(words)

    def _combo(self, name: str, label: str, anything: str) -> QComboBox:
        box = QComboBox(self)
        box.setObjectName(name)
        box.setAccessibleName(label)
        box.setToolTip(label)
        box.addItem(anything, ANY)
        box.currentIndexChanged.connect(self.changed)
        return box

    def fill(
        self,
        *,
        actors: Sequence[str],
        actions: Sequence[str],
        articles: Sequence[tuple[int, str]],
    ) -> None:
        """Offer the names, actions and articles the log holds, keeping what is chosen."""
        self.blockSignals(True)
        try:
            for box, items in (
                (self.actorBox, [(name, name) for name in actors]),
                (self.actionBox, [(action, action) for action in actions]),
                (self.articleBox, [(f"#{aid} {title}", aid) for aid, title in articles]),
            ):
                chosen = box.currentData()
                while box.count() > 1:
                    box.removeItem(1)
                for text, data in items:
                    box.addItem(text, data)
                found = box.findData(chosen)
                box.setCurrentIndex(max(found, 0))
        finally:
            self.blockSignals(False)

    def log_filter(self) -> LogFilter:
        """The filter the controls describe; days are the reader's, from midnight to midnight."""
        return LogFilter(
            since=_day_start(self.fromDate.date()) if self.fromCheck.isChecked() else None,
            until=_day_start(self.toDate.date()) + timedelta(days=1)
            if self.toCheck.isChecked()
            else None,
            actor=self.actorBox.currentData(),
            action=self.actionBox.currentData(),
            reason=self.reasonBox.currentData(),
            article_id=self.articleBox.currentData(),
            text=self.searchBox.text().strip(),
        )

    def set_filter(self, log_filter: LogFilter) -> None:
        """Show ``log_filter`` (its dates as days); values the lists lack are added."""
        self.blockSignals(True)
        try:
            for check, edit, moment in (
                (self.fromCheck, self.fromDate, log_filter.since),
                (self.toCheck, self.toDate, log_filter.until),
            ):
                check.setChecked(moment is not None)
                if moment is not None:
                    day = moment.astimezone().date()
                    if edit is self.toDate:
                        day -= timedelta(days=1)
                    edit.setDate(QDate(day.year, day.month, day.day))
            for box, value in (
                (self.actorBox, log_filter.actor),
                (self.actionBox, log_filter.action),
                (self.reasonBox, log_filter.reason),
                (self.articleBox, log_filter.article_id),
            ):
                found = box.findData(value)
                if found < 0:
                    box.addItem(str(value), value)
                    found = box.count() - 1
                box.setCurrentIndex(found)
            self.searchBox.setText(log_filter.text)
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def clear(self) -> None:
        self.set_filter(LogFilter())
