"""A full disk or a read-only database while the window is open: the user is told what
happened in plain words, nothing is half-written, and the window goes on working."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from moderator.domain import Status
from moderator.store.database import Database
from moderator.store.models import Article
from tests.conftest import failing_writes, full_disk, read_only
from tests.ui.conftest import WORK_TIMEOUT_MS, press, status_of
from ui.desk.main_window import MainWindow

FULL = "The disk that holds the database is full. Nothing of it was saved."


def _current(window: MainWindow) -> int:
    comment_id = window.queue.comment_id(window.commentQueue.currentIndex().row())
    assert comment_id is not None
    return comment_id


def _warnings(window: MainWindow) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_a_decision_on_a_full_disk_is_refused_and_the_desk_goes_on(
    demo_window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    target = _current(window)
    with (
        failing_writes(database, "log_entry", "database or disk is full"),
        qtbot.assertNotEmitted(window.desk.moderated),
    ):
        press(qtbot, window, "a")
    (box,) = _warnings(window)
    assert box.windowTitle() == "Cannot approve"
    assert box.text().startswith(f"{FULL} Free some space, then do it again.")
    box.close()
    assert status_of(database, target) is Status.PENDING
    assert _current(window) == target
    # Space again: the same key decides.
    with qtbot.waitSignal(window.desk.moderated, timeout=WORK_TIMEOUT_MS):
        press(qtbot, window, "a")
    assert status_of(database, target) is Status.APPROVED


def test_an_import_on_a_full_disk_stores_nothing_and_says_why(
    demo_window: MainWindow, database: Database, qtbot: QtBot, tmp_path: Path
) -> None:
    window = demo_window
    lines = ["A long thread", "", "Body.", "", "Comments 3000"]
    for number in range(3000):
        lines += [f"Thumb reader{number} 3 March 2025, 10:{number % 60:02d}", ""]
        lines += [f"Comment {number}, long enough to need pages of its own. " * 4, ""]
    path = tmp_path / "long-thread.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with database.session() as session:
        before = session.scalar(select(func.count(Article.id)))
    with full_disk(database):
        job = window.import_paths([path])
        assert job is not None
        with qtbot.waitSignal(job.finished, timeout=WORK_TIMEOUT_MS):
            pass
    (box,) = _warnings(window)
    assert box.windowTitle() == "Import stopped"
    assert box.text().startswith(f"{path}: {FULL}")
    box.close()
    with database.session() as session:
        assert session.scalar(select(func.count(Article.id))) == before
    # The desk is as it was: the demo's queue is there and answers its keys.
    target = _current(window)
    with qtbot.waitSignal(window.desk.moderated, timeout=WORK_TIMEOUT_MS):
        press(qtbot, window, "a")
    assert status_of(database, target) is Status.APPROVED


def test_a_read_only_database_is_read_but_not_written(
    demo_window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    target = _current(window)
    rows = window.queue.rowCount()
    with read_only(database):
        press(qtbot, window, "a")
        (box,) = _warnings(window)
        assert box.text().startswith(
            "The database can be read but not written (a read-only file, folder or server)."
        )
        box.close()
        # Reading still works: the queue reads itself again, the comment still in it.
        window.queue.reload()
        assert window.queue.rowCount() == rows
        assert window.queue.place_of(target) is not None
    assert status_of(database, target) is Status.PENDING
    # Writable again: the same key decides.
    with qtbot.waitSignal(window.desk.moderated, timeout=WORK_TIMEOUT_MS):
        press(qtbot, window, "a")
    assert status_of(database, target) is Status.APPROVED
