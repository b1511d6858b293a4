"""What is decided is what is shown: random keys, clicks and teammates against the desk window.

The real ``MainWindow`` on the offscreen platform, on a database of a few articles, is driven
by a seeded random stream of what a moderator and the team do: the keys that move through the
queue (J, K, the arrows, Home/End and Page Up/Down, with and without Ctrl or Shift), clicks
with and without Ctrl or Shift, Ctrl+A, tab keys 1-5, searches typed and left with Enter or
Escape, another article clicked, All articles, a teammate's approve, hide or restore arriving
(inserting and removing rows around the one shown), and the decisions A, H, R, E and Ctrl+Z.

After each move that does not extend the selection (J, K, the arrows, Home/End, Page keys,
with or without Ctrl; a tab; a plain click) the pane must show the comment made current, and
only it. Before each decision key the comments the detail pane shows are read off its text
(one comment's "#ID ·" line, or a selection's lines and its "N comments selected" count); the
decision the desk then makes must be on exactly those comments. A decision key that decides
nothing must have said why in the status bar. Any other outcome is a failure, printed with the
steps that led to it.

Run it (from the repository root)::

    .venv/bin/python bench/selection_test.py                 # 2,000 steps
    .venv/bin/python bench/selection_test.py --steps 5000 --seed 7
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from results import Result, record
from sqlalchemy import func, select

from moderator.domain import ReasonCode, Role, Status
from moderator.domain.errors import ServiceError
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.services import moderation
from moderator.services.importing import import_article
from moderator.store.database import Database, open_database
from moderator.store.models import Comment

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
WORDS = ("ferry", "fares", "council", "budget", "riders", "vote", "mayor", "roads", "late")
# Listed in the pane at most (ui.desk.main_window.LISTED_AT_MOST): a selection longer than this is
# checked by its count and its first rows.
LISTED = 50


def build(path: Path, rng: random.Random) -> Database:
    database = open_database(f"sqlite:///{path}")
    with database.transaction() as session:
        for number in range(3):
            comments = tuple(
                IncomingComment(
                    f"reader{rng.randrange(40)}",
                    T0 + timedelta(minutes=i),
                    " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))),
                )
                for i in range(rng.randint(60, 160))
            )
            import_article(
                session, IncomingArticle(f"Article {number}", "Text.", f"a{number}.txt", comments)
            )
        moderation.ensure_profile(session, "desk", role=Role.EDITOR)
        moderation.ensure_profile(session, "bob", role=Role.EDITOR, granted_by="desk")
    return database


@dataclass
class Run:
    """What happened: every step said, the decisions checked, and what went wrong."""

    steps: list[str] = field(default_factory=list)
    decisions: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.failures.append(f"{problem}; after: {' '.join(self.steps[-12:])}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="selection-test-") as scratch:
        folder = Path(scratch)
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["MODERATOR_CONFIG_DIR"] = str(folder / "config")
        database = build(folder / "desk.sqlite3", rng)
        teammate = open_database(f"sqlite:///{folder / 'desk.sqlite3'}")
        started = time.perf_counter()
        run = drive(database, teammate, rng, args.steps)
        teammate.close()
        database.close()
    for problem in run.failures[:20]:
        print(f"FAILED {problem}")
    print(
        f"{args.steps:,} steps in {time.perf_counter() - started:.0f} s: {run.decisions:,}"
        f" decisions checked against the pane, {run.refused:,} refused and said;"
        f" failures: {len(run.failures)}"
    )
    record(
        Result(
            "selection: decisions act on what the pane shows",
            f"{args.steps:,} keys, clicks and teammates' decisions ({run.decisions:,} decisions)",
            "\N{EN DASH}",
            len(run.failures),
            f".venv/bin/python bench/selection_test.py --steps {args.steps} --seed {args.seed}",
        )
    )
    return 1 if run.failures else 0


def drive(database: Database, teammate: Database, rng: random.Random, steps: int) -> Run:
    # Qt is imported here, once the platform is set (offscreen: no display needed).
    from PySide6.QtCore import Qt  # noqa: PLC0415
    from PySide6.QtTest import QTest  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication, QWidget  # noqa: PLC0415

    from ui.common.funnel import Desk  # noqa: PLC0415
    from ui.desk.main_window import MainWindow  # noqa: PLC0415
    from ui.dialogs.reason import ReasonChoice  # noqa: PLC0415

    app = QApplication.instance() or QApplication([])
    run = Run()

    def reason(parent: QWidget, count: int, about: str = "") -> ReasonChoice:
        return ReasonChoice(ReasonCode.SPAM, None)

    def note(parent: QWidget, count: int, about: str = "") -> str:
        return ""

    window = MainWindow(Desk(database, actor="desk"), reason_picker=reason, note_picker=note)
    window.show()
    window.activateWindow()
    app.processEvents()
    view = window.commentQueue
    acted: list[tuple[int, ...]] = []
    window.desk.moderated.connect(lambda change: acted.append(change.comment_ids))

    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    none = Qt.KeyboardModifier.NoModifier
    moves = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End)
    pages = (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    def key(which: Qt.Key, modifiers: Qt.KeyboardModifier = none) -> None:
        if not window.isActiveWindow():
            window.activateWindow()
        view.setFocus()
        QTest.keyClick(view, which, modifiers)
        settle()

    def click(modifiers: Qt.KeyboardModifier) -> None:
        rows = window.queue.rowCount()
        if not rows:
            return
        top = max(view.rowAt(0), 0)
        bottom = view.rowAt(view.viewport().height() - 1)
        row = rng.randint(top, bottom if bottom >= 0 else rows - 1)
        place = view.visualRect(window.queue.index(row, 1)).center()
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifiers, place)
        settle()

    def shown() -> tuple[int, tuple[int, ...]]:
        text = window.commentDetail.toPlainText()
        ids = tuple(int(n) for n in re.findall(r"^#(\d+) · ", text, re.MULTILINE))
        counted = re.match(r"([\d,]+) comments selected", text)
        return (int(counted.group(1).replace(",", "")) if counted else len(ids)), ids

    def decide(label: str, which: Qt.Key, modifiers: Qt.KeyboardModifier = none) -> None:
        count, ids = shown()
        before = len(acted)
        window.statusBar().clearMessage()
        key(which, modifiers)
        run.steps.append(label)
        if len(acted) == before:
            said = window.statusBar().currentMessage()
            if not said.startswith(("Cannot", "Nothing")):
                run.fail(f"{label} on {ids[:5]} decided nothing and said {said!r}")
            run.refused += 1
            if os.environ.get("SELECTION_TEST_VERBOSE"):
                print(
                    f"{label}: {said} rows={window.queue.rowCount()}"
                    f" search={window.queue_header.search!r} tab={window.queueTabs.currentIndex()}"
                    f" current={view.currentIndex().row()} after {run.steps[-4:]}"
                )
            return
        decided = acted[before]
        run.decisions += 1
        if count > LISTED:
            right = len(decided) == count and decided[:LISTED] == ids[:LISTED]
        else:
            right = decided == ids
        if not right:
            run.fail(
                f"{label} decided {decided[:8]} ({len(decided)}) but the pane showed"
                f" {ids[:8]} ({count})"
            )

    def teammate_decides() -> None:
        rows = window.queue.rowCount()
        if not rows:
            return
        target = window.queue.comment_id(rng.randrange(rows))
        if target is None:
            return
        with teammate.transaction() as session:
            actor = moderation.ensure_profile(session, "bob")
            comment = session.get(Comment, target)
            if comment is None:
                return
            try:
                if comment.status is Status.PENDING:
                    chosen = rng.choice(("approve", "hide"))
                    if chosen == "approve":
                        moderation.approve(session, [target], actor=actor)
                    else:
                        moderation.hide(session, [target], actor=actor, reason=ReasonCode.OFF_TOPIC)
                else:
                    moderation.restore(session, [target], actor=actor)
            except ServiceError:
                return
        window.live.refresh()
        settle()
        run.steps.append(f"bob:{target}")

    def teammate_refills() -> None:
        """Bob puts decided comments back to pending once few are left, so that the desk
        keeps deciding (and rows keep joining the queues around the one shown)."""
        with teammate.transaction() as session:
            pending = session.scalar(
                select(func.count(Comment.id)).where(Comment.status == Status.PENDING)
            )
            if (pending or 0) >= 40:
                return
            decided = session.scalars(
                select(Comment.id).where(Comment.status != Status.PENDING)
            ).all()
            chosen = rng.sample(list(decided), min(40, len(decided)))
            if not chosen:
                return
            actor = moderation.ensure_profile(session, "bob")
            moderation.restore(session, chosen, actor=actor)
        window.live.refresh()
        settle()
        run.steps.append(f"bob restored {len(chosen)}")

    def search() -> None:
        window.focus_search()
        words = rng.choice(("", rng.choice(WORDS), f"{rng.choice(WORDS)} {rng.choice(WORDS)}"))
        window.searchBox.clear()
        QTest.keyClicks(window.searchBox, words)
        QTest.keyClick(window.searchBox, rng.choice((Qt.Key.Key_Return, Qt.Key.Key_Escape)))
        settle()
        run.steps.append(f"search:{words!r}")

    def article() -> None:
        panel = window.article_panel
        if rng.random() < 0.2:
            panel.show_all()
        else:
            index = panel.view.model().index(rng.randrange(panel.view.model().rowCount()), 0)
            place = panel.view.visualRect(index).center()
            QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, none, place)
        settle()
        run.steps.append("article")

    def alone() -> None:
        """After a move that does not extend the selection, the pane shows the comment the
        move made current, and only it."""
        current = view.currentIndex()
        if not current.isValid():
            return
        count, ids = shown()
        wanted = window.queue.comment_id(current.row())
        if (count, ids) != (1, (wanted,)):
            run.fail(f"{run.steps[-1]} made #{wanted} current but the pane shows {ids[:8]}")

    def step(label: str, which: Qt.Key, modifiers: Qt.KeyboardModifier = none) -> None:
        key(which, modifiers)
        run.steps.append(label)
        if modifiers != shift and label != "Ctrl+Z":
            alone()

    def move() -> None:
        which, modifiers = rng.choice(moves), rng.choice((none, ctrl))
        step(f"{'Ctrl+' if modifiers == ctrl else ''}{which.name[4:]}", which, modifiers)

    def page() -> None:
        which = rng.choice(pages)
        step(which.name[4:], which)

    def extend() -> None:
        which = rng.choice((Qt.Key.Key_Up, Qt.Key.Key_Down))
        step(f"Shift+{which.name[4:]}", which, shift)

    def clicked() -> None:
        modifiers = rng.choice((none, ctrl, shift))
        click(modifiers)
        run.steps.append({none: "click", ctrl: "Ctrl+click", shift: "Shift+click"}[modifiers])
        if modifiers == none:
            alone()

    def select_all() -> None:
        view.setFocus()
        view.selectAll()
        settle()
        run.steps.append("Ctrl+A")

    def tab() -> None:
        # Pending and All most of the time: the others start empty.
        which = rng.choices(tabs, (4, 1, 1, 1, 3))[0]
        # The tab already shown is no switch: the selection stays as it was, and shown.
        switches = window.queueTabs.currentIndex() != tabs.index(which)
        key(which)
        run.steps.append(which.name[4:])
        if switches:
            alone()

    tabs = (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5)
    actions: list[tuple[float, Callable[[], None]]] = [
        (6, lambda: step("J", Qt.Key.Key_J)),
        (4, lambda: step("K", Qt.Key.Key_K)),
        (6, move),
        (2, page),
        (4, extend),
        (3, clicked),
        (0.5, select_all),
        (2, tab),
        (1, search),
        (1, article),
        (2, teammate_decides),
        (1, teammate_refills),
        (5, lambda: decide("A", Qt.Key.Key_A)),
        (3, lambda: decide("H", Qt.Key.Key_H)),
        (2, lambda: decide("R", Qt.Key.Key_R)),
        (1, lambda: decide("E", Qt.Key.Key_E)),
        (2, lambda: step("Ctrl+Z", Qt.Key.Key_Z, ctrl)),
    ]
    weights = [weight for weight, _ in actions]
    for _ in range(steps):
        (_, act) = rng.choices(actions, weights)[0]
        act()
        # A box left open would take the keys: none of the desk's refusals may be one.
        modal = QApplication.activeModalWidget()
        if modal is not None:
            run.fail(f"a window-modal box is open: {modal.windowTitle()!r}")
            modal.close()
    window.close()
    window.deleteLater()
    app.processEvents()
    return run


if __name__ == "__main__":
    sys.exit(main())
