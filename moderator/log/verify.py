"""Checks the moderation log in the database: the hash chain end to end, that every
comment's state is the one its last entry left it in, and that comments, roles, locks, notes
and flags are what the log recorded (``moderator.log.content``); against an anchor if given.

A long log is walked in stretches by helper processes, one per core (hashing a million
entries is work for the interpreter, which one process runs on one core at a time); the
stretches' ends are then checked to link. The comments are compared meanwhile.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, false, func, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from moderator.domain import Status
from moderator.formats.log_export import unusable
from moderator.formats.modlog import GENESIS, canonical_row
from moderator.log.anchor import Anchor, anchor_problem
from moderator.log.content import ContentCheck, check_content
from moderator.log.queries import STREAM_BATCH, LogFilter, entry_batches, read_head
from moderator.store.models import Comment, LogEntryRow

# How many comments out of step with the log a report names (it counts them all).
NAMED_COMMENTS = 10
# Logs shorter than this are walked here: starting helpers would take longer.
PARALLEL_FROM = 200_000

Progress = Callable[[int, int], None]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class LogVerification:
    """What checking the log found. ``problems`` says what is wrong (empty when the log
    holds): the first break in the chain (``broken_at`` is that entry), and the comments
    whose state no entry explains (``out_of_step``, the first few of them)."""

    entries: int
    head_seq: int | None
    head_hash: str | None
    problems: tuple[str, ...] = ()
    broken_at: int | None = None
    out_of_step: tuple[int, ...] = ()
    out_of_step_count: int = 0
    # Comments compared with the log, and how many of them only partly (imported before
    # imports recorded each comment).
    comments: int = 0
    partly_checked: int = 0
    # The anchor the log was checked against, if any (its entry number).
    anchored_at: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return "; ".join(self.problems)
        said = f"the log holds: {self.entries:,} entries, head {self.head_hash}"
        if self.anchored_at is not None:
            said += f", extending the anchored entry {self.anchored_at:,} unchanged"
        said += (
            f"; {self.comments:,} comments match their import records, and roles, locks,"
            " notes and flags their entries"
        )
        if self.partly_checked:
            said += (
                f" ({self.partly_checked:,} comments imported before imports recorded each"
                " comment could only be checked partly: their article, their text where a"
                " decision hashed it, and how many each import added; not their author)"
            )
        return said


@dataclass(frozen=True, slots=True)
class _Stretch:
    """What walking the entries from ``first`` on found: the first problem (and where), how
    many entries were read, the ``prev`` of the first one and the hash of the last one."""

    first: int
    entries: int = 0
    last_seq: int | None = None
    first_prev: str | None = None
    last_hash: str | None = None
    problem: str | None = None
    broken_at: int | None = None


def verify_log(
    session: Session,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    stop: Callable[[], bool] | None = None,
    anchor: Anchor | None = None,
) -> LogVerification:
    """Walk the chain from the first entry, then compare every comment with its last entry
    and its import, and roles, locks, notes and flags with theirs.

    ``workers`` helper processes walk a long log (default: one per core); 1 walks it here.
    ``stop`` is asked now and then; when it says so the check ends with ``CheckStopped``.
    ``anchor``: a head written out earlier, which the log must still hold and extend.
    """
    asked = stop or (lambda: False)
    head = read_head(session)
    total = head.seq if head is not None else 0
    workers = workers or min(os.cpu_count() or 1, 4)
    bind = session.get_bind()
    if workers > 1 and total >= PARALLEL_FROM and isinstance(bind, Engine) and _reachable(bind):
        stretches, ((out_of_step, count), (gone, gone_count), content) = _walk_in_helpers(
            bind, total, workers, meanwhile=lambda: _comment_checks(session), stop=asked
        )
    else:
        rows = (row for batch in entry_batches(session.connection(), LogFilter()) for row in batch)

        def report(done: int, total: int) -> None:
            if asked():
                raise CheckStopped(f"stopped after {done:,} of {total:,} entries")
            if progress is not None:
                progress(done, total)

        stretches = [_walk(rows, first=1, last=None, total=total, progress=report)]
        (out_of_step, count), (gone, gone_count), content = _comment_checks(session)
    problem, broken_at, entries, last = _joined(stretches)
    if problem is None and head is not None:
        beyond = session.scalar(
            select(func.count()).select_from(LogEntryRow).where(LogEntryRow.seq > head.seq)
        )
        if beyond:
            problem = (
                f"{beyond:,} entries come after the head record (entry {head.seq}): added"
                " behind the log's back"
            )
            broken_at = head.seq + 1
    if problem is None:
        if head is None:
            problem = "the log's head record is missing: entries may have been cut off the end"
        elif (head.seq, head.hash) != last:
            problem = (
                f"the log ends at entry {last[0]} but its head record says entry {head.seq}:"
                " entries were removed from the end, or the head was changed"
            )
            broken_at = min(last[0], head.seq) + 1
    problems = [] if problem is None else [problem]
    missed = None if anchor is None else anchor_problem(session, anchor)
    if missed is not None:
        problems.append(missed)
    if gone_count:
        listed = ", ".join(map(str, gone)) + (", ..." if gone_count > len(gone) else "")
        problems.append(
            f"{gone_count:,} comment(s) the log names are no longer stored (deleted behind its"
            f" back): {listed}"
        )
    if count:
        listed = ", ".join(map(str, out_of_step)) + (", ..." if count > len(out_of_step) else "")
        problems.append(
            f"{count:,} comment(s) changed without a log entry (their state is not the one their"
            f" last entry left): {listed}"
        )
    problems += content.problems
    unusable_comments = _unusable_comments(session)
    if unusable_comments is not None:
        problems.append(unusable_comments)
    if progress is not None:
        progress(entries, total)
    return LogVerification(
        entries=entries,
        head_seq=None if head is None else head.seq,
        head_hash=None if head is None else head.hash,
        problems=tuple(problems),
        broken_at=broken_at,
        out_of_step=out_of_step,
        out_of_step_count=count,
        comments=content.comments,
        partly_checked=content.partly,
        anchored_at=None if anchor is None else anchor.seq,
    )


def _reachable(engine: Engine) -> bool:
    """Whether helper processes can open the same database (not a private in-memory one)."""
    return engine.url.get_backend_name() != "sqlite" or engine.url.database not in (
        None,
        "",
        ":memory:",
    )


def _walk_in_helpers(
    engine: Engine,
    total: int,
    workers: int,
    *,
    meanwhile: Callable[[], _T],
    stop: Callable[[], bool],
) -> tuple[list[_Stretch], _T]:
    """The log walked in ``workers`` stretches by helper processes, and what ``meanwhile``
    returned (it runs here while they walk).

    A helper is this module run by the same interpreter (not ``multiprocessing``, which would
    start by importing the caller's main script, or fork a process that has threads); it is
    told its stretch on its standard input, so the database password never shows in a
    process list.
    """
    url = engine.url.render_as_string(hide_password=False)
    size = -(-total // workers)
    helpers = []
    for first in range(1, total + 1, size):
        last = first + size - 1
        helper = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            # -P: this package as installed, never a `moderator` folder in the working directory.
            [sys.executable, "-P", "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Up to the head read here: entries other desks append meanwhile are not this check's
        # (entries past the head in this session's snapshot are counted by the caller).
        request = {"url": url, "first": first, "last": min(last, total)}
        assert helper.stdin is not None
        helper.stdin.write(json.dumps(request))
        helper.stdin.close()
        helper.stdin = None
        helpers.append(helper)
    try:
        done = meanwhile()
        while any(helper.poll() is None for helper in helpers):
            if stop():
                raise CheckStopped("stopped before the helpers were done")
            # Their output is a line of JSON: it fits the pipe, so waiting cannot block them.
            with contextlib.suppress(subprocess.TimeoutExpired):
                helpers[0 if helpers[0].poll() is None else -1].wait(timeout=0.2)
    except BaseException:
        for helper in helpers:
            if helper.poll() is None:
                helper.kill()
            helper.communicate()  # reaps it and closes its pipes
        raise
    stretches = []
    for helper in helpers:
        out, err = helper.communicate()
        if helper.returncode != 0:
            raise LogCheckError(
                f"a helper checking the log failed: {err.strip().splitlines()[-1:] or '?'}"
            )
        stretches.append(_Stretch(**json.loads(out)))
    return stretches, done


def _walk_stretch(url: str, first: int, last: int | None) -> _Stretch:
    """One helper's work: the entries ``first`` to ``last`` (to the end if None)."""
    from moderator.store.database import reading_engine  # noqa: PLC0415 - only helpers need it

    engine = reading_engine(url)
    try:
        with engine.connect() as connection:
            batches = entry_batches(connection, LogFilter(), after=first - 1, up_to=last)
            rows = (row for batch in batches for row in batch)
            return _walk(rows, first=first, last=last, total=0, progress=None)
    finally:
        engine.dispose()


class LogCheckError(RuntimeError):
    """The check itself could not be made (a helper process failed)."""


class CheckStopped(Exception):  # noqa: N818 - a request, not a failure
    """The check was asked to stop before it was done; it found nothing either way."""


def _walk(
    rows: Iterable[Sequence[Any]],
    *,
    first: int,
    last: int | None,
    total: int,
    progress: Progress | None,
) -> _Stretch:
    """Check each entry's number, link and hash, from entry ``first`` (whose own link is
    checked by the caller, against the stretch before)."""
    sha256 = hashlib.sha256
    expected_seq, prev, first_prev = first, None, None
    entries = 0
    for row in rows:
        seq = row[0]
        if seq != expected_seq:
            what = f"entry {expected_seq} is missing" if seq > expected_seq else "out of order"
            return _Stretch(
                first,
                entries,
                expected_seq - 1,
                first_prev,
                prev,
                f"{what}: the log goes from entry {expected_seq - 1} to {seq}",
                expected_seq,
            )
        if prev is None:
            first_prev = row[1]
        elif row[1] != prev:
            unlinked = (
                _altered(row)
                if unusable(row) is not None
                else f"entry {seq} does not follow entry {seq - 1} (its link to it differs):"
                " an entry was changed, removed or moved"
            )
            return _Stretch(first, entries, seq - 1, first_prev, prev, unlinked, seq)
        digest: str | None
        try:
            digest = sha256(canonical_row(row).encode("utf-8")).hexdigest()
        except (TypeError, ValueError, AttributeError, KeyError):
            # SQLite keeps whatever type it is given: a name replaced by a number, say.
            digest = None
        if digest is None or digest != row[16]:
            return _Stretch(first, entries, seq - 1, first_prev, prev, _altered(row), seq)
        prev = digest
        expected_seq += 1
        entries += 1
        if progress is not None and entries % STREAM_BATCH == 0:
            progress(entries, total)
    if last is not None and expected_seq <= last:
        return _Stretch(
            first,
            entries,
            expected_seq - 1,
            first_prev,
            prev,
            f"entry {expected_seq} is missing: the log goes from entry {expected_seq - 1}"
            f" to {last + 1}",
            expected_seq,
        )
    return _Stretch(first, entries, expected_seq - 1, first_prev, prev)


def _altered(row: Sequence[Any]) -> str:
    """Why an entry's hash does not match, naming the column when it holds a value the log
    never writes (SQLite keeps whatever type it is given: a name replaced by a number)."""
    problem = unusable(row)
    if problem is not None:
        return (
            f"entry {row[0]}: {problem}, a stored value not usable (its hash does not match:"
            " changed after it was written)"
        )
    return f"entry {row[0]} was changed after it was written (its hash does not match)"


def _unusable_comments(session: Session) -> str | None:
    """Comments holding a value no code path of Moderator's can use (a time that is not
    one, a number that is text...), which SQLite lets raw SQL store: the first few, named
    with the column. Servers enforce the column types themselves."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    found = session.execute(text(_UNUSABLE_COMMENTS), {"limit": NAMED_COMMENTS}).all()
    if not found:
        return None
    listed = ", ".join(f"{comment_id} ({column})" for comment_id, column in found)
    more = ", and maybe more" if len(found) == NAMED_COMMENTS else ""
    return (
        "comment(s) holding a stored value not usable (of a type Moderator never writes,"
        f" stored behind the log's back): {listed}{more}"
    )


# The first column of each comment whose stored value is of a type the model never writes.
_UNUSABLE_COMMENTS = """
SELECT id, bad FROM (
  SELECT id, CASE
    WHEN typeof(article_id) != 'integer' THEN 'article_id'
    WHEN typeof(author_id) != 'integer' THEN 'author_id'
    WHEN typeof(position) != 'integer' THEN 'position'
    WHEN typeof(version) != 'integer' THEN 'version'
    WHEN typeof(urgency) != 'integer' THEN 'urgency'
    WHEN typeof(hide_rank) != 'integer' THEN 'hide_rank'
    WHEN typeof(escalated) != 'integer' OR escalated NOT IN (0, 1) THEN 'escalated'
    WHEN typeof(body) != 'text' THEN 'body'
    WHEN typeof(fingerprint) != 'text' THEN 'fingerprint'
    WHEN typeof(status) != 'text' OR status NOT IN ('pending', 'approved', 'hidden')
      THEN 'status'
    WHEN parent_id IS NOT NULL AND typeof(parent_id) != 'integer' THEN 'parent_id'
    WHEN external_id IS NOT NULL AND typeof(external_id) != 'text' THEN 'external_id'
    WHEN typeof(posted_at) != 'text' OR julianday(posted_at) IS NULL THEN 'posted_at'
    WHEN typeof(imported_at) != 'text' OR julianday(imported_at) IS NULL THEN 'imported_at'
  END AS bad
  FROM comment
) WHERE bad IS NOT NULL ORDER BY id LIMIT :limit
"""


def _joined(stretches: list[_Stretch]) -> tuple[str | None, int | None, int, tuple[int, str]]:
    """(first problem, where, entries checked, (last seq, last hash)) of the stretches in
    order, each one's first entry checked to follow the stretch before."""
    entries, last = 0, (0, GENESIS)
    for stretch in stretches:
        if stretch.entries and stretch.first_prev != last[1]:
            if stretch.first == 1:
                return "entry 1 does not start the chain (its link is not the start)", 1, 0, last
            return (
                f"entry {stretch.first} does not follow entry {stretch.first - 1} (its link to"
                " it differs): an entry was changed, removed or moved",
                stretch.first,
                entries,
                last,
            )
        if stretch.problem is not None:
            return stretch.problem, stretch.broken_at, entries + stretch.entries, last
        entries += stretch.entries
        if stretch.entries and stretch.last_seq is not None and stretch.last_hash is not None:
            last = (stretch.last_seq, stretch.last_hash)
    return None, None, entries, last


def _vanished(session: Session) -> tuple[tuple[int, ...], int]:
    """Comments the log names that are no longer stored (deleted behind its back): the first
    few, and how many."""
    gone = (
        select(LogEntryRow.comment_id)
        .where(
            LogEntryRow.comment_id.is_not(None),
            LogEntryRow.comment_id.not_in(select(Comment.id)),
        )
        .distinct()
    )
    ids = tuple(
        comment_id
        for comment_id in session.scalars(
            gone.order_by(LogEntryRow.comment_id).limit(NAMED_COMMENTS)
        )
        if comment_id is not None
    )
    if len(ids) < NAMED_COMMENTS:
        return ids, len(ids)
    return ids, int(session.scalar(select(func.count()).select_from(gone.subquery())) or 0)


def _comment_checks(
    session: Session,
) -> tuple[tuple[tuple[int, ...], int], tuple[tuple[int, ...], int], ContentCheck]:
    return _out_of_step(session), _vanished(session), check_content(session)


def _out_of_step(session: Session) -> tuple[tuple[int, ...], int]:
    """Comments whose status or escalation differs from what their last entry says (pending
    and not escalated when none has): the first few, and how many."""
    latest = (
        select(LogEntryRow.comment_id, func.max(LogEntryRow.seq).label("seq"))
        .where(LogEntryRow.comment_id.is_not(None))
        .group_by(LogEntryRow.comment_id)
        .subquery()
    )
    entry = LogEntryRow.__table__.alias("last_entry")
    differs = or_(
        Comment.status != func.coalesce(entry.c.to_status, str(Status.PENDING)),
        Comment.escalated != func.coalesce(entry.c.escalated, false()),
    )
    query = (
        select(Comment.id)
        .outerjoin(latest, latest.c.comment_id == Comment.id)
        .outerjoin(entry, and_(entry.c.seq == latest.c.seq))
        .where(differs)
        .order_by(Comment.id)
    )
    ids = tuple(session.scalars(query.limit(NAMED_COMMENTS)))
    if len(ids) < NAMED_COMMENTS:
        return ids, len(ids)
    count = session.scalar(select(func.count()).select_from(query.subquery()))
    return ids, int(count or 0)


if __name__ == "__main__":
    asked = json.loads(sys.stdin.read())
    walked = _walk_stretch(asked["url"], asked["first"], asked["last"])
    sys.stdout.write(json.dumps(dataclasses.asdict(walked)))
