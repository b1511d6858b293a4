"""The moderation log window: filter and read the log, go to a comment, revert, export, verify."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFontDatabase, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain.errors import ServiceError
from moderator.formats.modlog import LogEntry, time_text
from moderator.log.details import evidence_lines
from moderator.log.queries import distinct_values
from moderator.queries.snapshots import article_titles
from moderator.services.moderation import REVERTIBLE
from ui.common.funnel import Desk
from ui.common.messages import plain_box, plain_tooltip, refusal, warn
from ui.common.window_layout import restore_layout, save_layout
from ui.log.export_flow import LogExportFlow
from ui.log.filter_bar import LogFilterBar
from ui.log.model import COLUMNS, LogColumn, LogModel, local_time, status_change, who
from ui.log.status import LogStatus

SAVED_SPLITTERS = ("logSplitter",)
LAYOUT_PREFIX = "log/"

# Asks whether to revert an entry; injected so tests answer without a modal box.
RevertConfirmer = Callable[[QWidget, LogEntry], bool]


def confirm_revert(parent: QWidget, entry: LogEntry) -> bool:
    box = plain_box(
        parent,
        QMessageBox.Icon.Question,
        "Revert decision",
        f"Put comment #{entry.comment} back as entry #{entry.seq:,} found it"
        f" ({entry.from_status})? The log keeps entry #{entry.seq:,} and adds a revert.",
    )
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    return box.exec() == QMessageBox.StandardButton.Yes


def describe(entry: LogEntry) -> str:
    """An entry in full, as the detail pane shows it (plain text)."""
    lines = [
        f"Entry #{entry.seq:,}: {entry.action}"
        + (f" (reverts entry #{entry.reverts:,})" if entry.reverts else ""),
        f"When:     {local_time(entry)} (UTC {time_text(entry.time)})",
        f"Who:      {who(entry)}"
        + (f", rule set version {entry.rule_set}" if entry.rule_set else ""),
    ]
    if entry.comment is not None:
        lines.append(f"Comment:  #{entry.comment} on article #{entry.article}")
    elif entry.article is not None:
        lines.append(f"Article:  #{entry.article}")
    if entry.to_status is not None:
        lines.append(f"Status:   {status_change(entry)}")
    if entry.reason:
        lines.append(f"Reason:   {entry.reason}")
    if entry.note:
        lines.append(f"Note:     {entry.note}")
    evidence = entry.evidence_object()
    if evidence:
        lines.append("")
        lines += evidence_lines(evidence)
    lines += ["", f"Hash:     {entry.hash}", f"Previous: {entry.prev}"]
    return "\n".join(lines)


class LogWindow(QMainWindow):
    """The log, newest entry first, with its filters and the selected entry in full.

    Signals:
        goToComment(int, int): the comment (id) and its article (id) to show on the desk.
    """

    goToComment = Signal(int, int)

    def __init__(
        self,
        desk: Desk,
        status: LogStatus,
        *,
        confirm: RevertConfirmer = confirm_revert,
        export: LogExportFlow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("LogWindow")
        self.setWindowTitle("Moderation Log — Moderator")
        self.resize(1100, 700)
        self.desk = desk
        self.status = status
        self._confirm = confirm
        self._export = export

        self.model = LogModel(desk.database, self)
        self.filters = LogFilterBar(self)
        self.filters.changed.connect(self.apply_filters)

        self.table = self._build_table()

        self.detail = QPlainTextEdit(self)
        self.detail.setObjectName("logDetail")
        self.detail.setAccessibleName("Selected entry")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select an entry to see it in full.")
        # Fixed width: the labels line up, and hashes read as the columns of digits they are.
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("logSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([480, 200])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(splitter)
        self.setCentralWidget(central)

        self.actions_by_name = self._build_actions()
        self._build_status_bar()

        self.model.modelReset.connect(self._on_reset)
        self.model.rowsInserted.connect(self._update_count)
        desk.moderated.connect(self.refresh)
        desk.imported.connect(self.refresh)
        desk.rules_ran.connect(self.refresh)
        # What other desks commit shows here too.
        for signal in (desk.arrived, desk.reread, desk.elsewhere):
            signal.connect(self.refresh)
        restore_layout(self, SAVED_SPLITTERS, prefix=LAYOUT_PREFIX)

    def closeEvent(self, event: QCloseEvent) -> None:
        save_layout(self, SAVED_SPLITTERS, prefix=LAYOUT_PREFIX)
        super().closeEvent(event)

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("logTable")
        table.setAccessibleName("Log entries")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = {
            LogColumn.SEQ: 80,
            LogColumn.TIME: 150,
            LogColumn.ACTOR: 170,
            LogColumn.ACTION: 110,
            LogColumn.COMMENT: 80,
            LogColumn.ARTICLE: 70,
            LogColumn.CHANGE: 170,
            LogColumn.REASON: 110,
        }
        for column, width in widths.items():
            table.setColumnWidth(COLUMNS.index(column), width)
        table.selectionModel().currentRowChanged.connect(self._show_current)
        table.doubleClicked.connect(lambda _index: self.go_to_comment())
        return table

    def _build_status_bar(self) -> None:
        self.count_label = QLabel(self)
        self.count_label.setObjectName("logCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.verified_label = QLabel(self)
        self.verified_label.setObjectName("logVerified")
        self.verified_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.count_label, 1)
        self.statusBar().addPermanentWidget(self.verified_label)
        self.status.changed.connect(self._show_verification)
        self._show_verification()

    def _build_actions(self) -> dict[str, QAction]:
        toolbar = QToolBar("Log", self)
        toolbar.setObjectName("logToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(toolbar)
        found: dict[str, QAction] = {}
        for name, text, key, slot, tip in (
            (
                "actionGoToComment",
                "Go to Comment",
                "Return",
                self.go_to_comment,
                "Show the entry's comment on the desk",
            ),
            (
                "actionRevert",
                "Revert Decision…",
                "Ctrl+R",
                self.revert_current,
                "Put the comment back as this entry found it (a new entry; nothing is deleted)",
            ),
            (
                "actionExportLog",
                "Export…",
                "Ctrl+E",
                self.export,
                "Write the entries shown to a CSV, JSON Lines or JSON file",
            ),
            (
                "actionVerifyLog",
                "Verify Chain",
                "Ctrl+Shift+V",
                self.status.verify,
                "Check every entry's hash and link, and every comment's state",
            ),
            ("actionRefreshLog", "Refresh", "F5", self.refresh, "Show entries added since"),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{tip} ({QKeySequence(key).toString()})")
            action.triggered.connect(slot)
            toolbar.addAction(action)
            if name == "actionGoToComment":
                # Return belongs to the table here: in the search box it applies the search.
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.table.addAction(action)
            else:
                self.addAction(action)
            found[name] = action
        return found

    # --- reading ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """Offer the current names, actions and articles, then read the log afresh."""
        with self.desk.database.session() as session:
            self.filters.fill(
                actors=distinct_values(session, "actor"),
                actions=distinct_values(session, "action"),
                articles=article_titles(session),
            )
        self.apply_filters()

    def apply_filters(self) -> None:
        self.model.set_filter(self.filters.log_filter())

    def refresh(self) -> None:
        """Take in entries appended since; they go on top, and the view keeps the selected
        entry selected (the rows inserted move its index down)."""
        if self.isVisible():
            self.model.refresh()

    def current_entry(self) -> LogEntry | None:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    def _on_reset(self) -> None:
        self._update_count()
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.detail.clear()
            self._enable_for(None)

    def _update_count(self) -> None:
        total = self.model.total
        narrowed = "" if self.model.log_filter.is_empty else " (filtered)"
        self.count_label.setText(f"{total:,} entr{'y' if total == 1 else 'ies'}{narrowed}")

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry(current.row()) if current.isValid() else None
        self.detail.setPlainText("" if entry is None else describe(entry))
        self._enable_for(entry)

    def _enable_for(self, entry: LogEntry | None) -> None:
        on_comment = entry is not None and entry.comment is not None
        self.actions_by_name["actionGoToComment"].setEnabled(on_comment)
        self.actions_by_name["actionRevert"].setEnabled(
            on_comment and entry is not None and entry.action in REVERTIBLE
        )

    def _show_verification(self) -> None:
        self.verified_label.setText(self.status.text())
        self.verified_label.setToolTip(plain_tooltip(self.status.detail()))

    # --- acting ----------------------------------------------------------------------------

    def go_to_comment(self) -> None:
        entry = self.current_entry()
        if entry is not None and entry.comment is not None and entry.article is not None:
            self.goToComment.emit(entry.comment, entry.article)

    def revert_current(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.comment is None or entry.action not in REVERTIBLE:
            return
        if not self._confirm(self, entry):
            return
        try:
            change = self.desk.revert(entry.seq)
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, "Cannot revert", refusal(error))
            return
        step = change.comments[0]
        self.statusBar().showMessage(
            f"Comment #{step.comment_id} is {step.to_status} again (entry #{step.entry_seq:,})",
            8000,
        )

    def export(self) -> None:
        self._export.start(self.filters.log_filter(), parent=self)
