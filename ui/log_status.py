"""The log's last check, for the windows' status bars: checking, holds, or broken (and where)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from moderator.db_errors import driver_words
from moderator.log_verify import CheckStopped, LogVerification
from moderator.storage import Database
from ui.jobs import Job
from ui.log_jobs import start_verification


class LogStatus(QObject):
    """Runs the log's check in the background and remembers what it found.

    Signals:
        changed(): a check started or ended; read :meth:`text`, :meth:`detail`, ``result``.
    """

    changed = Signal()

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self.job: Job | None = None
        self.result: LogVerification | None = None
        self.error: str | None = None

    @property
    def checking(self) -> bool:
        return self.job is not None and self.job.running

    def verify(self) -> Job | None:
        """Check the log now (in a worker thread); nothing new if a check is under way."""
        if self.checking:
            return None
        job = start_verification(self._database, self)
        job.succeeded.connect(self._on_verified)
        job.failed.connect(self._on_failed)
        job.finished.connect(self.changed)
        self.job = job
        self.changed.emit()
        return job

    def _on_verified(self, result: LogVerification) -> None:
        self.result, self.error = result, None

    def _on_failed(self, error: Exception) -> None:
        if isinstance(error, CheckStopped):
            return  # the window is closing: what was known stays known
        self.error = driver_words(error)

    def text(self) -> str:
        if self.checking:
            return "Log: checking…"
        if self.error is not None:
            return "Log: could not be checked"
        if self.result is None:
            return "Log: not checked yet"
        if self.result.ok:
            return f"Log verified ✓ {self.result.entries:,} entries"
        where = f" at entry {self.result.broken_at:,}" if self.result.broken_at else ""
        return f"⚠ Log does not verify{where}"

    def detail(self) -> str:
        if self.error is not None:
            return f"The check failed: {self.error}"
        if self.result is None:
            return "The log's hash chain has not been checked in this session."
        if self.result.ok:
            return (
                f"Every entry up to #{self.result.head_seq:,} links to the one before it and"
                f" matches its hash; every comment's state is the one its last entry left."
                f"\nHead: {self.result.head_hash}"
            )
        return "\n".join(self.result.problems)
