"""Starting the app: a database that cannot be opened is reported, not a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ui import launch
from ui.app import run_gui
from ui.main_window import MainWindow


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
    monkeypatch.setattr("ui.profile_dialog.ask_profile", lambda _parent, name: asked.append(name))
    # As a user starts it: the console script, a plain path for --db, no command.
    monkeypatch.setattr("sys.argv", ["moderator", "--db", str(tmp_path / "new.sqlite3")])
    assert launch.main() == 0
    assert seen == ["MainWindow"]
    # A first start asks who is at the desk (declined here: the suggested name acts).
    assert asked == ["tester"]
    assert (tmp_path / "new.sqlite3").exists()
    assert QApplication.applicationName() == "Moderator"
    assert QApplication.organizationName() == "Moderator"
