"""Starting the app: a database that cannot be opened is reported, not a traceback; and
stopping it: a signal closes it as by hand."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from moderator.services import moderation
from moderator.store.database import open_database
from tests.conftest import REPO, add_comments
from ui import launch
from ui.app import run_gui
from ui.common.stop_signals import CloseOnSignals
from ui.desk.main_window import MainWindow


def test_a_foreign_database_is_reported_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY)")
    connection.close()
    shown: list[tuple[str, Qt.TextFormat]] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append((box.text(), box.textFormat()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert run_gui(f"sqlite:///{path}") == 1
    ((text, text_format),) = shown
    assert text.startswith("Cannot open the database.")
    assert "is not a Moderator database" in text
    assert text_format == Qt.TextFormat.PlainText


def test_the_console_script_opens_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    monkeypatch.setenv("MODERATOR_USER", "tester")
    seen: list[str] = []

    def look_instead_of_running(_app: QApplication) -> int:
        # The real event loop, once quit, leaves this process's later tests unable to wait on
        # signals from other threads: look at what run_gui showed, and return as exec would.
        QApplication.processEvents()
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        seen.extend(window.objectName() for window in windows if window.isVisible())
        for window in windows:
            window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", look_instead_of_running)
    asked: list[str] = []
    monkeypatch.setattr(
        "ui.dialogs.profile.ask_profile", lambda _parent, name, _why: asked.append(name)
    )
    # As a user starts it: the console script, a plain path for --db, no command.
    monkeypatch.setattr("sys.argv", ["moderator", "--db", str(tmp_path / "new.sqlite3")])
    assert launch.main() == 0
    assert seen == ["MainWindow"]
    # A first start asks who is at the desk (declined here: the suggested name acts).
    assert asked == ["tester"]
    assert (tmp_path / "new.sqlite3").exists()
    assert QApplication.applicationName() == "Moderator"
    assert QApplication.organizationName() == "Moderator"


# How long the app may take to start, or to shut down, on a busy machine; the waits end as
# soon as it has.
START_TIMEOUT_S = 60.0


def claim_holders(path: Path) -> list[str]:
    with sqlite3.connect(path) as raw:
        holders = [row[0] for row in raw.execute("SELECT holder FROM claim")]
    raw.close()
    return holders


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_desk_stopped_by_a_signal_closes_cleanly_and_releases_its_claim(
    tmp_path: Path, stop: signal.Signals
) -> None:
    path = tmp_path / "desk.sqlite3"
    database = open_database(str(path))
    try:
        add_comments(database, 3)
        with database.transaction() as session:
            moderation.ensure_profile(session, "ann")
    finally:
        database.close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "MODERATOR_CONFIG_DIR": str(tmp_path / "config"),
        "MODERATOR_USER": "ann",
    }
    log = tmp_path / "stderr.txt"
    with (
        log.open("wb") as stderr,
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "ui.launch", "--db", str(path)],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        ) as app,
    ):
        try:
            # Opened on the article, the desk claims its first comment.
            deadline = time.monotonic() + START_TIMEOUT_S
            while claim_holders(path) != ["ann"]:
                assert time.monotonic() < deadline, "no claim made"
                with contextlib.suppress(subprocess.TimeoutExpired):
                    app.wait(timeout=0.1)  # the pause between looks, ended early by an exit
                assert app.returncode is None, log.read_text()
            app.send_signal(stop)
            assert app.wait(timeout=START_TIMEOUT_S) == 0, log.read_text()
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    assert "Traceback" not in log.read_text()
    assert claim_holders(path) == []


def test_a_stop_signal_posts_the_close_and_a_second_one_is_left_to_end_the_process(
    qtbot: QtBot,
) -> None:
    before = signal.getsignal(signal.SIGINT)
    closed: list[str] = []
    stop_signals = CloseOnSignals(close=lambda: closed.append("closed"))
    try:
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: closed == ["closed"])
        assert signal.getsignal(signal.SIGINT) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        stop_signals.uninstall()
    assert signal.getsignal(signal.SIGINT) is before
