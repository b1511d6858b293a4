"""Measures the desk window on a database of 1,000,000 comments: opening, jumping, deciding.

The database is the one bench_queue.py builds and caches in bench/out/ (1,000 articles of 1,000
comments, 30% pending; see there). It is copied to a temporary folder first and the copy is
opened, because the benchmark approves comments and the cache must stay as built. The real
``MainWindow(Desk(database))`` is opened as the app opens it (following other desks: its log
watcher polling the file) on the offscreen Qt platform, with a temporary config
folder (no user settings read or written) and ``MODERATOR_USER=bench``, an editor (the queues
hold escalated comments, which only an editor decides).

It times, each as wall time on the GUI thread:

* opening: from constructing the window (then ``show()``) until the comment queue's viewport has
  received its first paint event with rows in the model; once on the article the window opens
  with, once with "All articles" chosen right after construction (one queue across articles),
  and switching that window to the All tab (every status: all the comments);
* jumping: Ctrl+End pressed on the queue view (the key QTableView moves to its bottom row
  with), then the scroll bar set to its middle, then Ctrl+Home; each timed until the view has
  painted, the model has read every row it asked for, and nothing more happens. The model has
  a row for every comment but reads only the pages the view shows, so each move reads one page
  (from the nearer end or held row). It checks that the move landed on the row wanted and that
  no row on screen is left unread. Once in one article's All tab (about 1,000 comments), once
  in the All articles / All queue (merged across statuses), and once in the All articles /
  Pending queue ordered by severity (flagged comments by urgency, then the rest by time);
* deciding: ``window.decisions.approve()`` on the current comment, which commits, updates the
  models, selects the next comment and renders it, until ``processEvents()`` returns; median and
  p99 of 50 decisions in the article's pending queue and 50 in the all-articles pending queue;
* deciding what is shown: the issue's session typed on the all-articles pending queue (J J,
  then Ctrl+End, K, Ctrl+Home, A, H, Ctrl+Z), each decision checked against the comments the
  detail pane showed when its key was pressed (read off the pane's text), each move against
  the row it made current, the undo against what it brought back;
* the peak resident set size of the process (VmHWM in /proc/self/status), before and after the
  jumps through the all-articles queues.

Run it (from the repository root)::

    .venv/bin/python bench/bench_ui.py
    .venv/bin/python bench/bench_ui.py --comments 100000  # quicker

It prints a table with PASS/FAIL against the targets (open <= 1 s, Ctrl+End <= 100 ms, decision
<= 50 ms, peak RSS <= 500 MB) and always exits 0 after printing.
"""

from __future__ import annotations

import argparse
import os
import re
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

from moderator.domain import ReasonCode, Role
from moderator.services.moderation import ensure_profile
from moderator.store.database import Database, open_database
from ui.common.funnel import Desk
from ui.desk.main_window import MainWindow
from ui.desk.queue_header import QUEUE_TABS
from ui.dialogs.reason import ReasonChoice

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
        if desktop.watch.paints == before and not desktop.window.queue.reading:
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


def spam(parent: QWidget, count: int, about: str = "") -> ReasonChoice:
    """The hide dialog answered at once, as a moderator pressing 1 then Enter."""
    return ReasonChoice(ReasonCode.SPAM, None)


def open_window(
    app: QApplication, database: Database, *, all_articles: bool
) -> tuple[Desktop, float]:
    """Construct and show the window (choosing All articles if asked); ms until first painted."""
    started = time.perf_counter()
    window = MainWindow(Desk(database), reason_picker=spam)
    watch = PaintWatch(window.commentQueue.viewport())
    if all_articles:
        window.article_panel.show_all()
    # As the app opens it: following other desks (the log watcher polls the file meanwhile).
    window.live.start()
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
class Jump:
    """One move through a queue: where it landed and whether the rows on screen were read."""

    label: str
    total: int  # comments in the queue
    ms: float  # from the key press (or scroll) until painted and settled
    row: int  # the row current (Ctrl+End) or at the top of the view (a scroll) afterwards
    wanted_row: int
    unread_on_screen: int  # rows shown but not read when it settled (should be none)
    rows_held: int


def visible_rows(desktop: Desktop) -> range:
    view = desktop.window.commentQueue
    top = view.rowAt(0)
    bottom = view.rowAt(view.viewport().height() - 1)
    if bottom < 0:
        bottom = desktop.window.queue.rowCount() - 1
    return range(max(top, 0), bottom + 1)


def jump(app: QApplication, desktop: Desktop, label: str, move: str) -> Jump:
    """Ctrl+End or Ctrl+Home pressed on the queue, or its scroll bar dragged to the middle;
    timed until painted and settled (every row on screen read and painted)."""
    window, view = desktop.window, desktop.window.commentQueue
    total = window.queue.total
    since = desktop.watch.paints
    started = time.perf_counter()
    if move == "end":
        QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    elif move == "home":
        QTest.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    else:
        bar = view.verticalScrollBar()
        bar.setValue(bar.maximum() // 2)
    if not settle(app, desktop, since):
        raise RuntimeError(f"the queue never painted after {label}")
    ms = (time.perf_counter() - started) * 1000
    shown = visible_rows(desktop)
    unread = sum(window.queue.held.get(row) is None for row in shown)
    if move == "middle":
        row, wanted = shown.start, view.verticalScrollBar().value()
    else:
        row, wanted = desktop.current_row, total - 1 if move == "end" else 0
    return Jump(label, total, ms, row, wanted, unread, window.queue.held.held)


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


def shown_ids(window: MainWindow) -> tuple[int, ...]:
    """The comments the detail pane shows, read off its text: "#ID · ..." lines (one comment
    in full has one; a selection lists each)."""
    text = window.commentDetail.toPlainText()
    return tuple(int(number) for number in re.findall(r"^#(\d+) · ", text, re.MULTILINE))


@dataclass(frozen=True, slots=True)
class Step:
    """One key of the scripted session: what the pane showed before it, what the desk decided
    (or undid) on it, and what it showed after."""

    key: str
    shown_before: tuple[int, ...]
    decided: tuple[int, ...]
    shown_after: tuple[int, ...]
    current_after: int | None

    @property
    def said(self) -> str:
        """ "A: #12 -> showing #13" for the table."""
        acted = "#" + ",".join(map(str, self.decided)) if self.decided else "moved"
        return f"{self.key}: {acted} -> showing #{','.join(map(str, self.shown_after))}"

    @property
    def held(self) -> bool:
        """Whether the desk acted on what it showed: a decision on the comments shown before
        the key; a move to the row made current, shown alone; an undo showing what it undid."""
        if self.key in ("A", "H"):
            return bool(self.decided) and self.decided == self.shown_before
        if self.key == "Ctrl+Z":
            return bool(self.decided) and self.shown_after == self.decided[:1]
        return not self.decided and self.shown_after == (self.current_after,)


SESSION = (
    ("Ctrl+End", Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier),
    ("K", Qt.Key.Key_K, Qt.KeyboardModifier.NoModifier),
    ("Ctrl+Home", Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier),
    ("A", Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier),
    ("H", Qt.Key.Key_H, Qt.KeyboardModifier.NoModifier),
    ("Ctrl+Z", Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
)


def scripted_session(app: QApplication, desktop: Desktop) -> list[Step]:
    """The issue's session, key by key on the queue as a moderator types it (J J first, so
    that a stale selection would show): Ctrl+End, K, Ctrl+Home, A, H, Ctrl+Z."""
    window, view = desktop.window, desktop.window.commentQueue
    window.activateWindow()
    view.setFocus()
    app.processEvents()
    acted: list[tuple[int, ...]] = []
    window.desk.moderated.connect(lambda change: acted.append(change.comment_ids))
    for key in (Qt.Key.Key_J, Qt.Key.Key_J):
        QTest.keyClick(view, key)
    app.processEvents()
    steps = []
    for label, key, modifiers in SESSION:
        shown, before, since = shown_ids(window), len(acted), desktop.watch.paints
        QTest.keyClick(view, key, modifiers)
        settle(app, desktop, since)
        current = view.currentIndex()
        steps.append(
            Step(
                label,
                shown,
                acted[before] if len(acted) > before else (),
                shown_ids(window),
                window.queue.comment_id(current.row()) if current.isValid() else None,
            )
        )
    return steps


def jumps_through(app: QApplication, desktop: Desktop, queue: str) -> list[Jump]:
    """To the end, to the middle (the scroll bar), back to the start: each timed."""
    return [
        jump(app, desktop, f"Ctrl+End, {queue}", "end"),
        jump(app, desktop, f"scroll bar to the middle, {queue}", "middle"),
        jump(app, desktop, f"Ctrl+Home, {queue}", "home"),
    ]


def copy_database(source: Path, folder: Path) -> Path:
    """Copy the database file (and any WAL beside it) into ``folder``; the copy's path.

    The copy is synced to disk before anything is measured: otherwise the first sync of the
    database file (a checkpoint's) would write out the whole fresh copy, and the decisions
    timed meanwhile would wait for the disk, which a desk's database never makes them do.
    """
    copy = folder / source.name
    for suffix in ("", "-wal", "-shm"):
        part = source.with_name(source.name + suffix)
        if part.exists():
            target = copy.with_name(copy.name + suffix)
            shutil.copyfile(part, target)
            with target.open("rb+") as written:
                os.fsync(written.fileno())
    return copy


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _painted_row(label: str, ms: float, note: str) -> tuple[str, ...]:
    """A row for a queue painted after opening or switching, against the open target."""
    return (label, _ms(ms), note, f"<= {OPEN_TARGET_MS:,.0f} ms", verdict(ms <= OPEN_TARGET_MS))


def _jump_row(jump: Jump) -> tuple[str, ...]:
    landed = f"row {jump.row + 1:,} of {jump.total:,}"
    on_target = jump.row == jump.wanted_row and not jump.unread_on_screen
    if jump.unread_on_screen:
        landed += f", {jump.unread_on_screen} rows on screen not read"
    landed += f"; {jump.rows_held:,} rows held"
    timed = jump.label.startswith("Ctrl+End")
    return (
        jump.label,
        _ms(jump.ms),
        landed,
        f"<= {JUMP_TARGET_MS:.0f} ms" if timed else "(none)",
        verdict(on_target and (jump.ms <= JUMP_TARGET_MS or not timed)),
    )


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
        # As the window's launcher opens it (moderator gui): checkpoints off the GUI thread.
        database = open_database(str(path), background_checkpoints=True)
        # An editor: the queue holds escalated comments, which wait for one.
        with database.transaction() as session:
            ensure_profile(session, "bench", role=Role.EDITOR)
        rss_start = peak_rss_mb()
        rows: list[tuple[str, ...]] = [("measured", "figure", "what happened", "target", "result")]

        # One article, as the window opens.
        desktop, opened_ms = open_window(app, database, all_articles=False)
        queue = desktop.window.queue.queue
        article = queue.article_id if queue is not None else None
        rows.append(
            _painted_row(
                "open window -> article queue painted",
                opened_ms,
                f"article {article}, pending tab, {desktop.window.queue.total:,} comments",
            )
        )
        decided, wrong = time_decisions(app, desktop, args.decisions)
        switch_tab(app, desktop, ALL_TAB)
        jumps = jumps_through(app, desktop, f"article {article}, All tab")
        close_window(app, desktop)

        # Every article in one queue.
        desktop, opened_all_ms = open_window(app, database, all_articles=True)
        rows.append(
            _painted_row(
                "open window + All articles -> queue painted",
                opened_all_ms,
                f"pending tab, {desktop.window.queue.total:,} comments",
            )
        )
        decided_all, wrong_all = time_decisions(app, desktop, args.decisions)
        typed = scripted_session(app, desktop)
        switched_ms = switch_tab(app, desktop, ALL_TAB)
        rows.append(
            _painted_row(
                "All articles: All tab chosen -> queue painted",
                switched_ms,
                f"every status, {desktop.window.queue.total:,} comments",
            )
        )
        rss_before_jumps = peak_rss_mb()
        jumps += jumps_through(app, desktop, "All articles, All tab")
        desktop.window.queue_header.order_box.setCurrentIndex(1)
        desktop.window.select_queue_tab(PENDING_TAB)
        app.processEvents()
        jumps += jumps_through(app, desktop, "All articles, Pending by severity")
        rss_end = peak_rss_mb()

        rows += [_jump_row(jump) for jump in jumps]
        rows += _decision_rows(f"article {article} pending", decided, wrong)
        rows += _decision_rows("All articles pending", decided_all, wrong_all)
        held = sum(step.held for step in typed)
        rows.append(
            (
                "keys decide what is shown: " + ", ".join(step.key for step in typed),
                f"{held} of {len(typed)} keys",
                "; ".join(step.said for step in typed),
                "every key",
                verdict(held == len(typed)),
            )
        )
        rows.append(
            (
                "peak RSS (VmHWM) before the all-articles jumps",
                f"{rss_before_jumps:,.0f} MB",
                f"{rss_start:,.0f} MB with the database open, before any window"
                + ("" if rss_reset else " (VmHWM not reset: includes building the database)"),
                f"<= {RSS_TARGET_MB:,.0f} MB",
                verdict(rss_before_jumps <= RSS_TARGET_MB),
            )
        )
        rows.append(
            (
                "peak RSS (VmHWM) at the end",
                f"{rss_end:,.0f} MB",
                f"model held {jumps[-1].rows_held:,} rows of the all-articles queue",
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
