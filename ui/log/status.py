"""The log for the windows' status bars: how many entries it has, and its last check (checking,
holds, or broken and where)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from sqlalchemy.exc import SQLAlchemyError

from moderator.log.verify import CheckStopped, LogVerification
from moderator.services.live import log_head
from moderator.store.database import Database
from moderator.store.refusals import driver_words
from ui.common.jobs import Job
from ui.log.jobs import start_verification


def entries(count: int) -> str:
    return f"{count:,} entr{'y' if count == 1 else 'ies'}"


class LogStatus(QObject):
    """Counts the log's entries, runs its check in the background and remembers what it found.

    The check reads the whole log, so it is run when asked (at start, Verify Chain), never
    per decision: entries added since it ran are counted (:meth:`recount`, one row read) and
    said to be unchecked, and the last check's result stays what it covered.

    Signals:
        changed(): a check started or ended, or the log grew; read :meth:`text`,
            :meth:`detail`, ``result``, ``head``.
    """

    changed = Signal()

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self.job: Job | None = None
        self.result: LogVerification | None = None
        self.error: str | None = None
        # The number of the log's last entry (its count: entries are numbered from 1).
        self.head = 0
        self.recount()

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

    def recount(self) -> None:
        """Read how many entries the log has now (after anyone's work); ``changed`` if more."""
        try:
            with self._database.session() as session:
                head = log_head(session)
        except SQLAlchemyError:
            return  # busy or gone for a moment: the next change counts again
        if head != self.head:
            self.head = head
            self.changed.emit()

    @property
    def unchecked(self) -> int:
        """Entries appended since the last check read the log (all of them before one)."""
        checked = 0 if self.result is None else self.result.head_seq or 0
        return max(self.head - checked, 0)

    def _on_verified(self, result: LogVerification) -> None:
        self.result, self.error = result, None
        # The check read the log up to its head then: count what came meanwhile.
        self.head = max(self.head, result.head_seq or 0)

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
            return f"Log: {entries(self.head)}, not checked yet"
        if not self.result.ok:
            where = f" at entry {self.result.broken_at:,}" if self.result.broken_at else ""
            return f"⚠ Log does not verify{where}"
        if self.unchecked:
            checked = self.result.head_seq or 0
            return f"Log: {entries(self.head)}, first {checked:,} verified ✓"
        return f"Log verified ✓ {entries(self.head)}"

    def detail(self) -> str:
        if self.error is not None:
            return f"The check failed: {self.error}"
        if self.result is None:
            return "The log's hash chain has not been checked in this session."
        if self.result.ok:
            since = (
                f"\n{entries(self.unchecked)} added since, not checked yet"
                " (Verify Chain checks them)."
                if self.unchecked
                else ""
            )
            return (
                f"Every entry up to #{self.result.head_seq or 0:,} links to the one before it"
                f" and matches its hash; every comment's state is the one its last entry left."
                f"\nHead: {self.result.head_hash}{since}"
            )
        return "\n".join(self.result.problems)
