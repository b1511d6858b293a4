"""Exporting the log from the window: what to export and where, then the work in the
background with a progress dialog whose Stop leaves nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from moderator.formats.log_export import ChainSummary, LogFormat, side_file
from moderator.log.export import ExportStopped
from moderator.log.queries import LogFilter, count_entries, distinct_values
from moderator.queries.snapshots import article_titles
from moderator.store.database import Database
from moderator.store.refusals import driver_words
from ui.common.jobs import Job, dismiss, progress_dialog
from ui.common.messages import warn
from ui.log.filter_bar import LogFilterBar
from ui.log.jobs import start_export

_FORMATS = (
    (LogFormat.CSV, "CSV, for spreadsheets", "CSV files (*.csv)"),
    (LogFormat.JSONL, "JSON Lines, one entry a line (can be verified offline)", "*.jsonl"),
    (LogFormat.JSON, "JSON, one document", "JSON files (*.json)"),
)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    log_format: LogFormat
    log_filter: LogFilter
    bom: bool = False


# Asks what to export and where; injected so tests answer without a modal dialog.
ExportChooser = Callable[[QWidget, Database, LogFilter], ExportRequest | None]


class LogExportDialog(QDialog):
    """The entries to export (the log window's filters, to change here), the format, the file."""

    def __init__(self, parent: QWidget, database: Database, log_filter: LogFilter) -> None:
        super().__init__(parent)
        self.setObjectName("logExportDialog")
        self.setWindowTitle("Export Moderation Log")
        self._database = database
        self.filters = LogFilterBar(self)
        with database.session() as session:
            self.filters.fill(
                actors=distinct_values(session, "actor"),
                actions=distinct_values(session, "action"),
                articles=article_titles(session),
            )
        self.filters.set_filter(log_filter)
        self.filters.changed.connect(self._count)
        self.countLabel = QLabel(self)
        self.countLabel.setObjectName("exportCount")
        self.countLabel.setTextFormat(Qt.TextFormat.PlainText)

        self.formatBox = QComboBox(self)
        self.formatBox.setObjectName("exportFormat")
        self.formatBox.setAccessibleName("Format")
        for log_format, text, _ in _FORMATS:
            self.formatBox.addItem(text, log_format)
        self.bomCheck = QCheckBox("Start with a byte-order mark (Excel reads accents then)", self)
        self.bomCheck.setObjectName("exportBom")
        self.pathEdit = QLineEdit(self)
        self.pathEdit.setObjectName("exportPath")
        self.pathEdit.setAccessibleName("File")
        browse = QPushButton("Browse…", self)
        browse.setObjectName("exportBrowse")
        browse.clicked.connect(self._browse)
        self.formatBox.currentIndexChanged.connect(self._format_changed)

        file_row = QHBoxLayout()
        file_row.addWidget(self.pathEdit, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Entries:", self.countLabel)
        form.addRow("Format:", self.formatBox)
        form.addRow("", self.bomCheck)
        form.addRow("File:", file_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.pathEdit.textChanged.connect(self._check)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Which entries:", self))
        layout.addWidget(self.filters)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._format_changed()
        self._count()

    def request(self) -> ExportRequest:
        log_format = LogFormat(self.formatBox.currentData())
        return ExportRequest(
            path=Path(self.pathEdit.text().strip()).expanduser(),
            log_format=log_format,
            log_filter=self.filters.log_filter(),
            bom=self.bomCheck.isChecked() and log_format is LogFormat.CSV,
        )

    def _count(self) -> None:
        log_filter = self.filters.log_filter()
        with self._database.session() as session:
            count = count_entries(session, log_filter)
        which = "the whole log" if log_filter.is_empty else "filtered"
        self.countLabel.setText(f"{count:,} entr{'y' if count == 1 else 'ies'} ({which})")

    def _format_changed(self) -> None:
        log_format = LogFormat(self.formatBox.currentData())
        self.bomCheck.setEnabled(log_format is LogFormat.CSV)
        current = self.pathEdit.text().strip()
        today = datetime.now().astimezone().date()
        name = Path(current) if current else Path.home() / f"moderation-log-{today}"
        self.pathEdit.setText(str(name.with_suffix(f".{log_format}")))

    def _browse(self) -> None:
        log_format = LogFormat(self.formatBox.currentData())
        pattern = next(pattern for fmt, _, pattern in _FORMATS if fmt is log_format)
        chosen, _ = QFileDialog.getSaveFileName(self, "Export to", self.pathEdit.text(), pattern)
        if chosen:
            self.pathEdit.setText(chosen)

    def _check(self) -> None:
        path = Path(self.pathEdit.text().strip()).expanduser()
        ok = bool(self.pathEdit.text().strip()) and path.parent.is_dir()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)


def ask_export(parent: QWidget, database: Database, log_filter: LogFilter) -> ExportRequest | None:
    dialog = LogExportDialog(parent, database, log_filter)
    try:
        return dialog.request() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def exported_message(request: ExportRequest, made: ChainSummary) -> str:
    chain = f" (chain in {side_file(request.path).name})" * (request.log_format is LogFormat.CSV)
    return (
        f"Exported {made.entries:,} entries to {request.path}{chain}; log head #{made.head_seq:,}"
    )


class LogExportFlow(QObject):
    """One export at a time: asks what and where, runs it as a :class:`Job` with a progress
    dialog, then says where it went (or that nothing was written)."""

    def __init__(
        self, window: QMainWindow, database: Database, chooser: ExportChooser = ask_export
    ) -> None:
        super().__init__(window)
        self._window = window
        self._database = database
        self._chooser = chooser
        self.job: Job | None = None
        self._dialog: QProgressDialog | None = None

    def start(
        self, log_filter: LogFilter | None = None, parent: QWidget | None = None
    ) -> Job | None:
        if self.job is not None and self.job.running:
            return None
        owner = parent or self._window
        request = self._chooser(owner, self._database, log_filter or LogFilter())
        if request is None:
            return None
        job = start_export(
            self._database,
            self,
            path=request.path,
            log_format=request.log_format,
            log_filter=request.log_filter,
            bom=request.bom,
        )
        self._dialog = progress_dialog(
            owner,
            job,
            name="logExportProgress",
            title="Exporting the log",
            label=f"Writing {request.path.name}…",
        )
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(lambda made: self._on_done(owner, request, made))
        job.failed.connect(lambda error: self._on_failed(owner, request, error))
        self.job = job
        return job

    def _on_progress(self, done: int, total: int, _label: str) -> None:
        if self._dialog is not None:
            self._dialog.setMaximum(max(total, 1))
            self._dialog.setValue(min(done, total))

    def _close_dialog(self) -> None:
        dismiss(self._dialog)
        self._dialog = None

    def _on_done(self, owner: QWidget, request: ExportRequest, made: ChainSummary) -> None:
        self._close_dialog()
        bar = owner.statusBar() if isinstance(owner, QMainWindow) else self._window.statusBar()
        bar.showMessage(exported_message(request, made), 12000)

    def _on_failed(self, owner: QWidget, request: ExportRequest, error: Exception) -> None:
        self._close_dialog()
        if isinstance(error, ExportStopped):
            bar = owner.statusBar() if isinstance(owner, QMainWindow) else self._window.statusBar()
            bar.showMessage(f"Export stopped; {request.path.name} was not written", 12000)
            return
        detail = driver_words(error) if isinstance(error, SQLAlchemyError) else error
        warn(owner, "Export failed", f"{request.path}: {detail}\nNothing was written.")
