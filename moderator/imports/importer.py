"""Imports files and folders, one transaction per file, so a bad file never half-lands."""

from __future__ import annotations

import gc
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from moderator import settings
from moderator.formats.errors import FormatError
from moderator.formats.platform_xml import WXR, ReadSummary, read_disqus, read_wxr
from moderator.formats.records import IncomingArticle
from moderator.formats.scraped import ScrapedStream
from moderator.imports.files import expand_paths, open_checked, read_import_file, read_platform
from moderator.imports.parts import (
    AfterPart,
    ImportBusyError,
    ShowingInterruptedError,
    store_in_parts,
)
from moderator.imports.streamed import store_streamed
from moderator.output.display import path_text
from moderator.rules.model import RuleSet
from moderator.services.changes import ImportChange
from moderator.services.flagging import FlagChange
from moderator.services.history import Actor
from moderator.services.importing import (
    comment_fingerprints,
    import_article,
)
from moderator.services.moderation import default_actor_name, ensure_profile
from moderator.services.staging import new_prints
from moderator.store.database import Database
from moderator.store.refusals import NOTHING_SAVED, explain_refusal

# What ends a run of imports (the database failed, or another import held it too long),
# rather than failing one file.
_ABORTING = (SQLAlchemyError, ImportBusyError, ShowingInterruptedError)
# Files parsed ahead of the one being stored, in parallel runs: enough to keep both cores busy.
READ_AHEAD = 2


@dataclass
class ImportReport:
    """What a run of imports did: the articles stored and the files refused, with why."""

    imported: list[ImportChange] = field(default_factory=list)
    failed: list[FormatError] = field(default_factory=list)
    flags: list[FlagChange] = field(default_factory=list)
    # Files the run was given, and whether it was stopped before the last of them.
    files: int = 0
    stopped: bool = False
    # What platform exports held but were not stored (pingbacks, orphan posts, a salvaged
    # file's unreadable rest), one line each.
    skipped: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(change.added for change in self.imported)

    @property
    def skipped_locked(self) -> int:
        """New comments not stored because an editor locked their article."""
        return sum(change.skipped_locked for change in self.imported)

    def add(self, change: ImportChange) -> None:
        """Count an article imported; a locked one's skipped comments are said in ``skipped``."""
        self.imported.append(change)
        if change.skipped_locked:
            self.skipped.append(
                f"{change.source}: article #{change.article_id} {change.title[:60]!r} is locked"
                f" by an editor: its {change.skipped_locked} new comments were not imported"
            )

    @property
    def flagged(self) -> int:
        """New comments the rules flagged (as :class:`RuleRunReport` counts them)."""
        return sum(len(change.flagged) for change in self.flags)

    @property
    def hidden(self) -> int:
        """New comments the rules took down."""
        return sum(len(change.hidden) for change in self.flags)


class ImportAborted(RuntimeError):  # noqa: N818 - it names what happened, like KeyboardInterrupt
    """The database failed partway; ``report`` holds the files committed before ``path``."""

    def __init__(
        self, report: ImportReport, path: Path, error: Exception, *, database: Path | None = None
    ) -> None:
        # With the database's file, a full disk is named as such, not as a read-only file.
        if isinstance(error, ImportBusyError):
            said = str(error)
        elif isinstance(error, ShowingInterruptedError):
            # Past the point of no return: what was shown stays, and the rest follows.
            said = explain_refusal(error.cause, database=database).replace(
                NOTHING_SAVED, ShowingInterruptedError.SAID
            )
        else:
            said = explain_refusal(error, database=database)
        super().__init__(f"{path_text(path)}: {said}")
        self.report = report
        self.path = path


# Called after each file with (files done, files in all, the file).
Progress = Callable[[int, int, Path], None]
# Asked after each file: True stops the run there (the files done stay imported).
StopRequested = Callable[[], bool]


def import_paths(
    database: Database,
    paths: Iterable[Path],
    *,
    progress: Progress | None = None,
    parallel: bool = False,
    rules: RuleSet | None = None,
    stop: StopRequested | None = None,
    actor: str | None = None,
    recover: bool = False,
    before_write: Callable[[Path], None] | None = None,
    after_part: AfterPart | None = None,
) -> ImportReport:
    """Import every file; each is all-or-nothing, and one file's error does not stop the rest.

    With ``parallel``, files are read and parsed in a forked helper process while the previous
    one is stored, so both cores work; a thread would not help, as parsing holds the
    interpreter. Only a command-line run asks for it: forking is safe only in a process with no
    other threads, which a Qt application is not. Either way at most a few files are in memory,
    and a scraped file over ``STREAM_BYTES`` is never held whole: it is read a line at a time
    as it is stored (``moderator.imports.streamed``).

    With ``rules``, each file's new comments are checked and flagged before anyone sees them:
    a comment is never shown without the rules having seen it. A scraped file's new comments
    are written in parts (``moderator.imports.parts``), so that other desks never wait long;
    its rules read the desk's history as it stood when its writing began.

    ``stop`` is asked after each file; a run it stops keeps the files done before.
    ``actor`` names who imports, for the log (by default, whoever is at the desk).
    ``before_write`` is called with each scraped file once its rules are checked, just
    before its first part is written, and ``after_part`` after each part is stored and
    shown (tests and benchmarks step in there).

    WordPress (WXR) and Disqus exports are recognised by their content and read as a stream
    into one unit of work per file; a malformed one imports nothing, unless ``recover``: then
    the articles read before the fault are kept and the rest is reported as skipped.
    """
    name = actor or default_actor_name(remembered=settings.remembered_profile_name())
    files = list(expand_paths(paths))
    report = ImportReport(files=len(files))
    for done, (path, parsed) in enumerate(zip(files, _parse_all(files, parallel), strict=True), 1):
        if isinstance(parsed, FormatError):
            report.failed.append(parsed)
        elif isinstance(parsed, _Platform):
            _import_platform(
                database, path, parsed.kind, report, rules=rules, actor=name, recover=recover
            )
        elif isinstance(parsed, ScrapedStream):
            _import_streamed(
                database,
                path,
                parsed,
                report,
                rules=rules,
                actor=name,
                before_write=before_write,
                after_part=after_part,
            )
        else:
            try:
                with _collector_paused():
                    change, flagged = _store_scraped(
                        database,
                        path,
                        parsed,
                        rules=rules,
                        actor=name,
                        before_write=before_write,
                        after_part=after_part,
                    )
            except _ABORTING as error:
                raise ImportAborted(report, path, error, database=database.kept) from error
            # The fingerprints served the rules above; a long run must not keep them all.
            report.add(replace(change, added_fingerprints=()))
            if flagged is not None:
                report.flags.append(flagged)
        if progress is not None:
            progress(done, len(files), path)
        if stop is not None and done < len(files) and stop():
            report.stopped = True
            break
    return report


def _import_platform(
    database: Database,
    path: Path,
    kind: str,
    report: ImportReport,
    *,
    rules: RuleSet | None,
    actor: str,
    recover: bool,
) -> None:
    summary = ReadSummary()
    read = read_wxr if kind == WXR else partial(read_disqus, recover=recover)
    changes: list[ImportChange] = []
    flags: list[FlagChange] = []
    fault: FormatError | None = None
    pending = read_platform(read, path, summary)
    # A Disqus file is read whole (its posts set aside) before its first article comes: that
    # is done here, outside the write transaction, which is then held only to store.
    try:
        first = next(pending, None)
    except FormatError as error:
        if not recover:
            report.failed.append(error)
            return
        first, fault = None, error
    if first is not None:
        # Each article's new comments in parts, as a scraped file's (import_parts); the
        # file lands whole, or (recover) with the articles before a fault.
        articles = (
            (incoming, comment_fingerprints(incoming.comments))
            for incoming in chain((first,), pending)
        )
        try:
            written = store_in_parts(
                database, path, articles, rules=rules, actor=actor, recover=recover
            )
        except FormatError as error:
            report.failed.append(error)
            return
        except _ABORTING as error:
            raise ImportAborted(report, path, error, database=database.kept) from error
        changes, flags, fault = written.changes, written.flags, written.fault
    if fault is not None and not changes:
        # Nothing before the fault could be kept: the file failed, as it would have unasked.
        report.failed.append(fault)
        return
    for change in changes:
        report.add(change)
    report.flags += flags
    if summary.skipped_pingbacks:
        report.skipped.append(
            f"{path_text(path)}: {summary.skipped_pingbacks} pingbacks and trackbacks skipped"
        )
    report.skipped += [str(warning) for warning in summary.warnings]
    if fault is not None:
        report.skipped.append(
            f"{fault} -- recovered: the {len(changes)} articles read before it were imported,"
            " the rest of the file was skipped"
        )


def _import_streamed(
    database: Database,
    path: Path,
    scraped: ScrapedStream,
    report: ImportReport,
    *,
    rules: RuleSet | None,
    actor: str,
    before_write: Callable[[Path], None] | None,
    after_part: AfterPart | None,
) -> None:
    """A scraped file too big to hold, read again as it is stored (import_streamed)."""
    try:
        with _collector_paused():
            written = store_streamed(
                database,
                path,
                scraped,
                partial(open_checked, path),
                rules=rules,
                actor=actor,
                before_write=before_write,
                after_part=after_part,
            )
    except FormatError as error:
        report.failed.append(error)
        return
    except _ABORTING as error:
        raise ImportAborted(report, path, error, database=database.kept) from error
    for change in written.changes:
        report.add(change)
    report.flags += written.flags


def _store_scraped(
    database: Database,
    path: Path,
    parsed: _Parsed,
    *,
    rules: RuleSet | None,
    actor: str,
    before_write: Callable[[Path], None] | None,
    after_part: AfterPart | None = None,
) -> tuple[ImportChange, FlagChange | None]:
    """One scraped file: its new comments in parts (import_parts), or, if it adds none (or
    its article is locked), one short unit of work that logs the import."""
    with database.session() as session, session.begin():
        adds = new_prints(session, parsed.incoming, parsed.fingerprints)
    if adds:
        written = store_in_parts(
            database,
            path,
            [(parsed.incoming, parsed.fingerprints)],
            rules=rules,
            actor=actor,
            before_write=before_write,
            after_part=after_part,
        )
        return written.changes[0], (written.flags[0] if written.flags else None)
    if before_write is not None:
        before_write(path)
    with database.transaction() as session:
        change = import_article(
            session,
            parsed.incoming,
            fingerprints=parsed.fingerprints,
            actor=Actor.of(ensure_profile(session, actor)),
        )
    return change, None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one file is checked and stored.

    A big file is millions of live objects (its comments, their rows, hits and log entries),
    and each full pass of the collector walks them all: on 100,000 comments those passes were
    more than half of the write transaction's time. Nothing made meanwhile needs the collector
    to be freed before the file is done; it runs again (if it was on) as soon as it is.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@dataclass(frozen=True, slots=True)
class _Parsed:
    incoming: IncomingArticle
    fingerprints: list[str]


@dataclass(frozen=True, slots=True)
class _Platform:
    """A platform export (WXR, Disqus): read as a stream while it is stored, not ahead."""

    kind: str


# What reading a file ahead gives: a scraped article whole, or a big one's layout, a
# platform export's kind, or the reason it cannot be imported.
_Read = _Parsed | _Platform | ScrapedStream | FormatError


def _parse(path: Path) -> _Read:
    try:
        incoming = read_import_file(path)
    except FormatError as error:
        return error
    if isinstance(incoming, str):
        return _Platform(incoming)
    if isinstance(incoming, ScrapedStream):
        return incoming
    return _Parsed(incoming, comment_fingerprints(incoming.comments))


def _parse_all(files: list[Path], parallel: bool) -> Iterator[_Read]:
    """Each file parsed, in order: here, or a few files ahead in a forked helper process."""
    can_fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if not (parallel and can_fork and len(files) > 1):
        yield from map(_parse, files)
        return
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    broken = False

    def submit(path: Path) -> Future[_Read] | None:
        nonlocal broken
        if not broken:
            try:
                return pool.submit(_parse, path)
            except BrokenProcessPool:
                broken = True
        return None

    try:
        pending = deque((path, submit(path)) for path in files[:READ_AHEAD])
        for following in [*files[READ_AHEAD:], *([None] * READ_AHEAD)]:
            path, future = pending.popleft()
            try:
                parsed = _parse(path) if future is None else future.result()
            except BrokenProcessPool:
                # The helper died (out of memory, killed): carry on in this process.
                broken = True
                parsed = _parse(path)
            if following is not None:
                pending.append((following, submit(following)))
            yield parsed
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
