"""Importing from the window: files or folders picked or dropped, read in a worker thread with
a progress dialog that can stop between files, then what was refused, with its line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtWidgets import QFileDialog, QMainWindow, QProgressDialog, QWidget

from moderator.domain.errors import ServiceError
from moderator.imports.importer import ImportAborted, ImportReport
from moderator.rules.loader import LoadError
from ui.common.funnel import Desk
from ui.common.jobs import Job, dismiss, progress_dialog
from ui.common.messages import warn

# Injected so tests can answer without a modal dialog.
FilePicker = Callable[[QWidget], Sequence[Path]]


def pick_files(parent: QWidget) -> Sequence[Path]:
    names, _ = QFileDialog.getOpenFileNames(
        parent,
        "Import articles",
        "",
        "Articles and exports (*.txt *.xml);;All files (*)",
    )
    return [Path(name) for name in names]


def dropped_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders in a drop; empty when it brings none (text, web links)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def imported_message(report: ImportReport) -> str:
    """The status bar's line after an import: "Imported 3 articles, 120 new comments"."""
    articles = len(report.imported)
    said = (
        f"Imported {articles} article{'s' if articles != 1 else ''},"
        f" {report.added} new comment{'s' if report.added != 1 else ''}"
    )
    if report.skipped_locked:
        # A locked article takes nothing, not even new comments: said, so none is missed.
        said += f", {report.skipped_locked} skipped (article locked)"
    if report.stopped:
        said = f"Stopped: {said.lower()} ({articles + len(report.failed)} of {report.files} files)"
    return said


class ImportFlow(QObject):
    """One import at a time, started from the menu, the empty state or a drop.

    The work runs in a :class:`Job`; the desk announces what was stored (``imported``) and
    the lists follow, while this shows progress, then a summary and any refused files.
    """

    def __init__(self, window: QMainWindow, desk: Desk, file_picker: FilePicker) -> None:
        super().__init__(window)
        self._window = window
        self._desk = desk
        self._file_picker = file_picker
        self.job: Job | None = None
        self.dialog: QProgressDialog | None = None

    def pick_and_import(self) -> None:
        paths = self._file_picker(self._window)
        if paths:
            self.start(paths)

    def start(self, paths: Sequence[Path]) -> Job | None:
        """Import ``paths`` in the background; None if one is running or the rules are broken."""
        if self.job is not None:
            warn(self._window, "Import", "An import is already running; wait for it to finish.")
            return None
        try:
            job = self._desk.start_import(paths)
        except LoadError as error:
            text = f"The active rule set has problems:\n\n{error}"
            warn(self._window, "Nothing imported", text)
            return None
        except ServiceError as error:
            warn(self._window, "Nothing imported", f"{str(error)[:1].upper()}{str(error)[1:]}.")
            return None
        self.job = job
        # Short imports (the demo) finish before the dialog would show.
        self.dialog = progress_dialog(
            self._window, job, name="importProgress", title="Import", label="Reading files…"
        )
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_succeeded)
        job.failed.connect(self._on_failed)
        job.finished.connect(job.deleteLater)
        return job

    def _on_progress(self, done: int, total: int, path: str) -> None:
        if self.dialog is None:
            return
        self.dialog.setMaximum(total)
        self.dialog.setValue(done)
        self.dialog.setLabelText(f"Imported {done} of {total} files (last: {Path(path).name})")

    def _on_succeeded(self, report: ImportReport) -> None:
        self._done()
        self._report(report)

    def _on_failed(self, error: Exception) -> None:
        self._done()
        if isinstance(error, ImportAborted):
            text = f"{error}\n\nThe files before it were imported."
            warn(self._window, "Import stopped", text)
            self._report(error.report)
            return
        warn(self._window, "Import failed", f"Nothing more was imported: {error}")

    def _report(self, report: ImportReport) -> None:
        if report.imported or report.stopped:
            self._window.statusBar().showMessage(imported_message(report), 8000)
        if report.failed:
            lines = "\n".join(str(error) for error in report.failed)
            warn(self._window, "Import", f"These files were not imported:\n\n{lines}")

    def _done(self) -> None:
        """The work is over: a new import may start, though the thread is still ending (the
        desk holds the job until it has)."""
        dismiss(self.dialog)
        self.job, self.dialog = None, None
