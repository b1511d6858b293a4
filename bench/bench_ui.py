"""Measures the desk window on a database of 1,000,000 comments: opening, jumping, deciding.

The database is the one bench_queue.py builds and caches in bench/out/ (1,000 articles of 1,000
comments, 30% pending; see there). It is copied to a temporary folder first and the copy is
opened, because the benchmark approves comments and the cache must stay as built. The real
``MainWindow(Desk(database))`` is opened on the offscreen Qt platform, with a temporary config
folder (no user settings read or written) and ``MODERATOR_USER=bench``.

It times, each as wall time on the GUI thread:

* opening: from constructing the window (then ``show()``) until the comment queue's viewport has
  received its first paint event with rows in the model; once on the article the window opens
  with, once with "All articles" chosen right after construction (one queue across articles),
  and switching that window to the All tab (every status: all the comments);
* jumping to the last row: Ctrl+End pressed on the queue view (the key QTableView moves to its
  bottom row with), then events processed until the view has painted and nothing more happens.
  The queue model fetches pages of 200 rows as the view scrolls, so one press may not reach the
  queue's last comment: the press is repeated until the last row is current (or a time limit
  passes), and both the first press and the whole walk are reported. Once in one article's All
  tab (about 1,000 comments) and once in the All articles / All queue;
* deciding: ``window.decisions.approve()`` on the current comment, which commits, updates the
  models, selects the next comment and renders it, until ``processEvents()`` returns; median and
  p99 of 50 decisions in the article's pending queue and 50 in the all-articles pending queue;
* the peak resident set size of the process (VmHWM in /proc/self/status), before and after the
  long walk through the all-articles queue.

Run it (from the repository root)::

    .venv/bin/python bench/bench_ui.py
    .venv/bin/python bench/bench_ui.py --comments 100000  # quicker

It prints a table with PASS/FAIL against the targets (open <= 1 s, jump <= 100 ms, decision
<= 50 ms, peak RSS <= 500 MB) and always exits 0 after printing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_queue import Timing, cached_database
from make_corpus import SharedDataMissingError
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from report import print_table, verdict

from moderator.storage import Database, open_database
from ui.desk import Desk
from ui.main_window import MainWindow
from ui.queue_header import QUEUE_TABS

OPEN_TARGET_MS = 1000.0
JUMP_TARGET_MS = 100.0
DECISION_TARGET_MS = 50.0
RSS_TARGET_MB = 500.0
# How long to wait for a paint that should come; far above any target, it only bounds a hang.
PAINT_TIMEOUT_S = 120.0
ALL_TAB = next(index for index, tab in enumerate(QUEUE_TABS) if tab.status is None)
PENDING_TAB = 0


class PaintWatch(QObject):
    """Counts the paint events one widget receives (here: the queue view's viewport)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@dataclass
class Desktop:
    """An open window with what the benchmark watches in it."""

    window: MainWindow
    watch: PaintWatch

    @property
    def current_row(self) -> int:
        return self.window.commentQueue.currentIndex().row()


def wait_for_paint(app: QApplication, desktop: Desktop, since: int) -> bool:
    """Process events until the queue has painted again (after ``since`` paints) with rows."""
    deadline = time.perf_counter() + PAINT_TIMEOUT_S
    while time.perf_counter() < deadline:
        app.processEvents()
        if desktop.watch.paints > since and desktop.window.queue.rowCount() > 0:
            return True
    return False


def settle(app: QApplication, desktop: Desktop, since: int) -> bool:
    """Wait for the paint, then go on until a round of events brings no further paint.

    A press may start more work than its first paint (the view asks for another page from a
    zero-time timer); that work blocks the next key press as much, so it is counted.
    """
    if not wait_for_paint(app, desktop, since):
        return False
    deadline = time.perf_counter() + PAINT_TIMEOUT_S
    while time.perf_counter() < deadline:
        before = desktop.watch.paints
        app.processEvents()
        if desktop.watch.paints == before:
            return True
    raise RuntimeError("the queue kept repainting after a key press")


def reset_peak_rss() -> bool:
    """Start VmHWM afresh (Linux: 5 into clear_refs), so building the database does not count."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def none_references() -> int:
    """None's reference count: a Qt binding that drops references to it (PySide6 6.12.0 did,
    see tests/ui/test_qt_binding.py) shows here as a fall over the run."""
    return sys.getrefcount(None)


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (VmHWM), in MB (10^6 bytes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def open_window(
    app: QApplication, database: Database, *, all_articles: bool
) -> tuple[Desktop, float]:
    """Construct and show the window (choosing All articles if asked); ms until first painted."""
    started = time.perf_counter()
    window = MainWindow(Desk(database))
    watch = PaintWatch(window.commentQueue.viewport())
    if all_articles:
        window.article_panel.show_all()
    window.show()
    desktop = Desktop(window, watch)
    if not wait_for_paint(app, desktop, 0):
        raise RuntimeError("the queue never painted rows after opening the window")
    return desktop, (time.perf_counter() - started) * 1000


def close_window(app: QApplication, desktop: Desktop) -> None:
    desktop.window.close()
    desktop.window.deleteLater()
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def switch_tab(app: QApplication, desktop: Desktop, tab: int) -> float:
    """Choose a queue tab (as keys 1 to 5 do); ms until the new queue has painted."""
    since = desktop.watch.paints
    started = time.perf_counter()
    desktop.window.select_queue_tab(tab)
    if not wait_for_paint(app, desktop, since):
        raise RuntimeError("the queue never painted after changing tabs")
    return (time.perf_counter() - started) * 1000


@dataclass(frozen=True, slots=True)
class Walk:
    """Ctrl+End pressed until the queue's last row is current (or the time limit passed)."""

    total: int  # comments in the queue
    first_ms: float  # the first press, until painted and settled
    first_row: int  # the row current after the first press
    presses: int
    walk_ms: float  # every press, until the last row was current or the walk gave up
    reached: bool
    rows_held: int  # rows the model holds at the end
    note: str


def walk_to_end(app: QApplication, desktop: Desktop, limit_s: float) -> Walk:
    window, view = desktop.window, desktop.window.commentQueue
    total = window.queue.total
    first_ms, first_row, presses, note = 0.0, -1, 0, ""
    started = time.perf_counter()
    while True:
        since = desktop.watch.paints
        pressed = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        painted = settle(app, desktop, since)
        presses += 1
        if presses == 1:
            first_ms, first_row = (time.perf_counter() - pressed) * 1000, desktop.current_row
        reached = desktop.current_row >= window.queue.total - 1
        if reached:
            break
        if not painted:
            note = "a press changed nothing on screen"
            break
        if time.perf_counter() - started > limit_s:
            note = f"gave up after {limit_s:.0f} s"
            break
    walk_ms = (time.perf_counter() - started) * 1000
    return Walk(
        total, first_ms, first_row, presses, walk_ms, reached, window.queue.rowCount(), note
    )


def time_decisions(app: QApplication, desktop: Desktop, count: int) -> tuple[Timing, int]:
    """Approve the current comment ``count`` times; the timings and how many went wrong.

    A decision went wrong if afterwards no comment is current or the approved one still is.
    The queue must hold ``count`` pending comments.
    """
    window = desktop.window
    window.select_queue_tab(PENDING_TAB)
    app.processEvents()
    window.decisions.select_row(0)
    app.processEvents()
    samples: list[float] = []
    wrong = 0
    for _ in range(count):
        current = window.commentQueue.currentIndex()
        if not current.isValid():
            raise RuntimeError("no comment left to approve in the pending queue")
        approved = window.queue.comment_id(current.row())
        started = time.perf_counter()
        window.decisions.approve()
        app.processEvents()
        samples.append((time.perf_counter() - started) * 1000)
        after = window.commentQueue.currentIndex()
        if not after.isValid() or window.queue.comment_id(after.row()) == approved:
            wrong += 1
    return Timing(tuple(samples)), wrong


def copy_database(source: Path, folder: Path) -> Path:
    """Copy the database file (and any WAL beside it) into ``folder``; the copy's path."""
    copy = folder / source.name
    for suffix in ("", "-wal", "-shm"):
        part = source.with_name(source.name + suffix)
        if part.exists():
            shutil.copyfile(part, copy.with_name(copy.name + suffix))
    return copy


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _walk_rows(label: str, walk: Walk) -> list[tuple[str, ...]]:
    landed = walk.first_row + 1
    first_ok = walk.first_row >= walk.total - 1 and walk.first_ms <= JUMP_TARGET_MS
    if walk.reached:
        outcome = f"last row current after {walk.presses:,} presses"
    else:
        outcome = (
            f"NOT reached: {walk.rows_held:,} of {walk.total:,} rows fetched after"
            f" {walk.presses:,} presses ({walk.note})"
        )
    return [
        (
            f"Ctrl+End once, {label}",
            _ms(walk.first_ms),
            f"lands on row {landed:,} of {walk.total:,}",
            f"<= {JUMP_TARGET_MS:.0f} ms, on the last row",
            verdict(first_ok),
        ),
        (
            f"Ctrl+End until the last row is current, {label}",
            _ms(walk.walk_ms),
            outcome,
            f"<= {JUMP_TARGET_MS:.0f} ms",
            verdict(walk.reached and walk.walk_ms <= JUMP_TARGET_MS),
        ),
    ]


def _decision_rows(label: str, timing: Timing, wrong: int) -> list[tuple[str, ...]]:
    note = f"{len(timing.samples)} approvals" + (f", {wrong} did not move on" if wrong else "")
    return [
        (
            f"approve -> next comment shown, {label}, median",
            _ms(timing.median),
            note,
            f"<= {DECISION_TARGET_MS:.0f} ms",
            verdict(timing.median <= DECISION_TARGET_MS and not wrong),
        ),
        (
            f"approve -> next comment shown, {label}, p99",
            _ms(timing.p99),
            f"max {_ms(max(timing.samples))}",
            f"<= {DECISION_TARGET_MS:.0f} ms",
            verdict(timing.p99 <= DECISION_TARGET_MS and not wrong),
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000, help="comments stored")
    parser.add_argument("--seed", type=int, default=1, help="database seed")
    parser.add_argument("--decisions", type=int, default=50, help="approvals timed per queue")
    parser.add_argument(
        "--walk-limit",
        type=float,
        default=120.0,
        help="seconds of Ctrl+End presses before giving up on reaching the last row",
    )
    args = parser.parse_args(argv)
    if args.decisions < 1:
        parser.error("--decisions must be at least 1")

    try:
        cached = cached_database(comments=args.comments, seed=args.seed)
    except SharedDataMissingError as error:
        print(f"bench_ui: {error}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bench_ui-") as scratch_name:
        scratch = Path(scratch_name)
        copied = time.perf_counter()
        path = copy_database(cached, scratch)
        print(f"working copy: {path} ({time.perf_counter() - copied:.1f} s to copy)")
        none_refs = none_references()
        rss_reset = reset_peak_rss()
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["MODERATOR_CONFIG_DIR"] = str(scratch / "config")
        os.environ["MODERATOR_USER"] = "bench"
        app = QApplication([])
        database = open_database(str(path))
        rss_start = peak_rss_mb()
        rows: list[tuple[str, ...]] = [("measured", "figure", "what happened", "target", "result")]

        # One article, as the window opens.
        desktop, opened_ms = open_window(app, database, all_articles=False)
        queue = desktop.window.queue.queue
        article = queue.article_id if queue is not None else None
        rows.append(
            (
                "open window -> article queue painted",
                _ms(opened_ms),
                f"article {article}, pending tab, {desktop.window.queue.total:,} comments",
                f"<= {OPEN_TARGET_MS:,.0f} ms",
                verdict(opened_ms <= OPEN_TARGET_MS),
            )
        )
        decided, wrong = time_decisions(app, desktop, args.decisions)
        switch_tab(app, desktop, ALL_TAB)
        article_walk = walk_to_end(app, desktop, args.walk_limit)
        close_window(app, desktop)

        # Every article in one queue.
        desktop, opened_all_ms = open_window(app, database, all_articles=True)
        rows.append(
            (
                "open window + All articles -> queue painted",
                _ms(opened_all_ms),
                f"pending tab, {desktop.window.queue.total:,} comments",
                f"<= {OPEN_TARGET_MS:,.0f} ms",
                verdict(opened_all_ms <= OPEN_TARGET_MS),
            )
        )
        decided_all, wrong_all = time_decisions(app, desktop, args.decisions)
        switched_ms = switch_tab(app, desktop, ALL_TAB)
        rows.append(
            (
                "All articles: All tab chosen -> queue painted",
                _ms(switched_ms),
                f"every status, {desktop.window.queue.total:,} comments",
                f"<= {OPEN_TARGET_MS:,.0f} ms",
                verdict(switched_ms <= OPEN_TARGET_MS),
            )
        )
        rss_before_walk = peak_rss_mb()
        all_walk = walk_to_end(app, desktop, args.walk_limit)
        rss_end = peak_rss_mb()

        rows += _walk_rows(f"article {article}, All tab", article_walk)
        rows += _walk_rows("All articles, All tab", all_walk)
        rows += _decision_rows(f"article {article} pending", decided, wrong)
        rows += _decision_rows("All articles pending", decided_all, wrong_all)
        rows.append(
            (
                "peak RSS (VmHWM) before the all-articles Ctrl+End walk",
                f"{rss_before_walk:,.0f} MB",
                f"{rss_start:,.0f} MB with the database open, before any window"
                + ("" if rss_reset else " (VmHWM not reset: includes building the database)"),
                f"<= {RSS_TARGET_MB:,.0f} MB",
                verdict(rss_before_walk <= RSS_TARGET_MB),
            )
        )
        rows.append(
            (
                "peak RSS (VmHWM) at the end",
                f"{rss_end:,.0f} MB",
                f"model held {all_walk.rows_held:,} rows of the all-articles queue",
                f"<= {RSS_TARGET_MB:,.0f} MB",
                verdict(rss_end <= RSS_TARGET_MB),
            )
        )
        close_window(app, desktop)
        database.close()
        none_lost = none_refs - sys.getrefcount(None)

    print(f"{args.comments:,} comments (seed {args.seed}), window on the offscreen platform")
    print_table(rows)
    print()
    print(
        "open: construction + show() until the queue view's first paint with rows; jump: until"
        " painted and no further paint; decisions: approve() until processEvents() returns."
    )
    print(
        f"None's reference count changed by {-none_lost:+,} during the run (a steady fall would"
        " mean the Qt binding drops references, as PySide6 6.12.0 did)."
    )
    for label, walk in (("article", article_walk), ("all articles", all_walk)):
        pace = walk.rows_held / (walk.walk_ms / 1000) if walk.walk_ms else 0.0
        line = (
            f"Ctrl+End walk, {label}: {walk.presses:,} presses, {walk.rows_held:,} rows fetched"
            f" in {walk.walk_ms / 1000:,.1f} s ({pace:,.0f} rows/s)"
        )
        if not walk.reached and pace:
            left_s = (walk.total - walk.rows_held) / pace
            line += f"; at that pace the last row is ~{left_s:,.0f} s away"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
