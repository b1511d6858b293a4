"""The rows of a long queue that are held in memory: runs of consecutive rows at their positions.

A queue of a million comments is never read whole. The rows the view shows (and those around
them) are read a page at a time, wherever the view is, and held in runs; the rest are not read
yet. This class only keeps the bookkeeping: where each run starts, which row a comment is in,
and what to read next for a row not held. It knows nothing of Qt or of the database.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from moderator.queries.snapshots import CommentRow


@dataclass(slots=True)
class _Run:
    start: int
    rows: list[CommentRow]
    # Comment id -> index in ``rows``.
    where: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reindex(0)

    @property
    def end(self) -> int:
        return self.start + len(self.rows)

    def reindex(self, first: int) -> None:
        for index in range(first, len(self.rows)):
            self.where[self.rows[index].id] = index


@dataclass(frozen=True, slots=True)
class Gap:
    """Rows ``first`` to ``end`` (exclusive) are to be read; ``before`` is the held row just
    before the unread stretch they are in (None: it starts the queue), ``after`` the held row
    just after it (None: it ends the queue), with how many unread rows separate each from the
    rows asked for."""

    first: int
    end: int
    before: CommentRow | None
    rows_after_before: int
    after: CommentRow | None
    rows_before_after: int


class HeldRows:
    """Runs of consecutive rows, sorted and apart (touching runs are joined)."""

    def __init__(self) -> None:
        self._runs: list[_Run] = []

    @property
    def held(self) -> int:
        return sum(len(run.rows) for run in self._runs)

    @property
    def runs(self) -> list[tuple[int, int]]:
        """(first, end) of each run, for tests and diagnostics."""
        return [(run.start, run.end) for run in self._runs]

    def clear(self) -> None:
        self._runs = []

    def get(self, row: int) -> CommentRow | None:
        run = self._run_at(row)
        return None if run is None else run.rows[row - run.start]

    def row_of(self, comment_id: int) -> int | None:
        for run in self._runs:
            index = run.where.get(comment_id)
            if index is not None:
                return run.start + index
        return None

    def put(self, first: int, rows: list[CommentRow]) -> None:
        """Hold ``rows`` at ``first`` onwards (a stretch not held before), joining neighbours."""
        if not rows:
            return
        at = bisect.bisect_left([run.start for run in self._runs], first)
        self._runs.insert(at, _Run(first, list(rows)))
        self._join_touching()

    def insert(self, row: int, comment: CommentRow) -> None:
        """A comment joins the queue at ``row``: rows from there on move down one."""
        run = self._run_at(row)
        if run is not None and run.start < row:
            run.rows.insert(row - run.start, comment)
            run.reindex(row - run.start)
            self._shift(row + 1, +1)
        else:
            self._shift(row, +1)
            self.put(row, [comment])

    def remove(self, row: int) -> None:
        """The comment at ``row`` left the queue (held or not): rows after it move up one."""
        run = self._run_at(row)
        if run is not None:
            index = row - run.start
            del run.where[run.rows[index].id]
            del run.rows[index]
            run.reindex(index)
            if not run.rows:
                self._runs.remove(run)
        self._shift(row + 1, -1)
        self._join_touching()

    def replace(self, row: int, comment: CommentRow) -> None:
        run = self._run_at(row)
        if run is not None:
            run.rows[row - run.start] = comment

    def keep_near(self, row: int, reach: int) -> None:
        """Let go of rows more than ``reach`` rows away from ``row``."""
        low, high = row - reach, row + reach + 1
        kept: list[_Run] = []
        for run in self._runs:
            first, end = max(run.start, low), min(run.end, high)
            if first >= end:
                continue
            if (first, end) == (run.start, run.end):
                kept.append(run)
            else:
                kept.append(_Run(first, run.rows[first - run.start : end - run.start]))
        self._runs = kept

    def gap(self, row: int, total: int, page: int) -> Gap:
        """What to read so that ``row`` (not held) is: the page it falls in, less what is held,
        widened to reach a neighbouring run less than a page away (so the runs join)."""
        at = bisect.bisect_right([run.start for run in self._runs], row)
        before = self._runs[at - 1] if at > 0 else None
        after = self._runs[at] if at < len(self._runs) else None
        low = before.end if before is not None else 0
        high = after.start if after is not None else total
        first = max(low, row // page * page)
        end = min(high, first + page, total)
        if first - low < page:
            first = low
        if high - end < page:
            end = high
        return Gap(
            first,
            end,
            before.rows[-1] if before is not None else None,
            first - low,
            after.rows[0] if after is not None else None,
            high - end,
        )

    def _run_at(self, row: int) -> _Run | None:
        at = bisect.bisect_right([run.start for run in self._runs], row) - 1
        if at >= 0 and row < self._runs[at].end:
            return self._runs[at]
        return None

    def _shift(self, first: int, by: int) -> None:
        """Runs starting at ``first`` or later move by ``by`` rows."""
        for run in self._runs:
            if run.start >= first:
                run.start += by

    def _join_touching(self) -> None:
        at = 0
        while at + 1 < len(self._runs):
            run, following = self._runs[at], self._runs[at + 1]
            if run.end == following.start:
                offset = len(run.rows)
                run.rows += following.rows
                run.reindex(offset)
                del self._runs[at + 1]
            else:
                at += 1
