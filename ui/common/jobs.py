"""Long work off the GUI thread: a job runs a function in a QThread and reports back in the GUI.

The function gets two callables: ``progress(done, total, label)``, which it may call from its
thread, and ``stop_requested()``, which it should ask between steps. Its result or its exception
arrives through ``succeeded`` or ``failed``, delivered in the thread that made the job (Qt
queues signals across threads), then ``finished``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

Progress = Callable[[int, int, str], None]
StopRequested = Callable[[], bool]
Work = Callable[[Progress, StopRequested], Any]


class _Runner(QObject):
    """Lives in the job's thread; only emits, never touches widgets."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work) -> None:
        super().__init__()
        self._work = work
        self.stop_event = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            try:
                result = self._work(self._progress, self.stop_event.is_set)
            except Exception as error:  # delivered to the GUI thread, which decides what to say
                self.failed.emit(error)
            else:
                self.succeeded.emit(result)
        finally:
            # Ended from here, not by a queued call: the GUI thread may be blocked in wait().
            self.thread().quit()

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progressed.emit(done, total, label)


class Job(QObject):
    """One piece of work in its own thread; ``stop`` asks it to end at its next step.

    Signals (in the thread that made the job):
        progressed(int, int, str): steps done, steps in all, what is being done.
        succeeded(object): the function's result.
        failed(object): the exception it raised.
        finished(): after either, once the thread has ended.
    """

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._runner = _Runner(work)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progressed.connect(self.progressed)
        self._runner.succeeded.connect(self.succeeded)
        self._runner.failed.connect(self.failed)
        self._thread.finished.connect(self._on_thread_finished)
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def stop(self) -> None:
        """Ask the work to end after its current step (what is done stays done)."""
        self._runner.stop_event.set()

    @property
    def stop_requested(self) -> bool:
        return self._runner.stop_event.is_set()

    def wait(self) -> None:
        """Block until the thread has ended (when the window closes, say)."""
        self._thread.wait()

    def _on_thread_finished(self) -> None:
        self._running = False
        self.finished.emit()


def stop_and_wait(owner: QObject) -> None:
    """Stop every job ``owner`` holds and wait for each (the window closes): running ones end
    after their current step; ones whose work is done may still be ending their thread."""
    for job in owner.findChildren(Job):
        job.stop()
        job.wait()


def progress_dialog(
    parent: QWidget, job: Job, *, name: str, title: str, label: str
) -> QProgressDialog:
    """A window-modal progress dialog whose Stop asks ``job`` to end at its next step; it only
    shows if the work lasts (short work ends before it would)."""
    dialog = QProgressDialog(label, "Stop", 0, 0, parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.canceled.connect(job.stop)
    return dialog


def dismiss(dialog: QProgressDialog | None) -> None:
    """Close a progress dialog for good (None: there was none)."""
    if dialog is not None:
        dialog.reset()
        dialog.deleteLater()
