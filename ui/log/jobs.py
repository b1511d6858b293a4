"""The log's long reads, off the GUI thread: checking the chain, and exporting entries."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from moderator.formats.log_export import ChainSummary, LogFormat
from moderator.log.export import ExportStopped, export_log
from moderator.log.queries import LogFilter, count_entries
from moderator.log.verify import LogVerification, verify_log
from moderator.store.database import Database
from ui.common.jobs import Job, Progress, StopRequested


def start_verification(database: Database, parent: QObject) -> Job:
    """Check the log in a worker thread (its own session); ``succeeded`` carries the
    :class:`LogVerification`. Stopping it (the window closes) ends it within a moment, with
    ``CheckStopped``."""

    def work(progress: Progress, stop: StopRequested) -> LogVerification:
        with database.session() as session:
            return verify_log(
                session,
                progress=lambda done, total: progress(done, total, "entries"),
                stop=stop,
            )

    job = Job(work, parent)
    job.start()
    return job


def start_export(
    database: Database,
    parent: QObject,
    *,
    path: Path,
    log_format: LogFormat,
    log_filter: LogFilter,
    bom: bool,
) -> Job:
    """Export in a worker thread; ``succeeded`` carries the :class:`ChainSummary`. Stopping
    it (``job.stop()``) ends it at the next few thousand entries with ``ExportStopped``, and
    nothing is written."""

    def work(progress: Progress, stop: StopRequested) -> ChainSummary:
        with database.session() as session:
            total = count_entries(session, log_filter)

            def report(done: int) -> None:
                if stop():
                    raise ExportStopped(f"stopped after {done:,} of {total:,} entries")
                progress(done, total, "entries")

            return export_log(
                session,
                path,
                log_format=log_format,
                log_filter=log_filter,
                bom=bom,
                progress=report,
                progress_every=1000,
            )

    job = Job(work, parent)
    job.start()
    return job
