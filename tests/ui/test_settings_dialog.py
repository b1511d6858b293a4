"""File → Settings…: the database field is checked before it is kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from moderator import settings
from moderator.storage import Database
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog


def dialog(qtbot: QtBot, open_now: str = "/now.sqlite3") -> SettingsDialog:
    made = SettingsDialog(open_now)
    qtbot.addWidget(made)
    return made


def save(made: SettingsDialog) -> None:
    made.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_a_new_file_is_checked_and_kept_for_the_next_start(qtbot: QtBot, tmp_path: Path) -> None:
    made = dialog(qtbot)
    target = tmp_path / "team.sqlite3"
    made.database_box.setText(f"  {target}  ")
    save(made)
    assert made.result() == SettingsDialog.DialogCode.Accepted
    assert settings.chosen_database() == str(target)
    assert made.finding.text() == f"{target} does not exist yet: Moderator will create it"
    assert not target.exists()  # nothing is created until Moderator opens it
    # Opened again, the dialog shows the choice.
    assert dialog(qtbot).database_box.text() == str(target)


def test_a_database_that_cannot_be_used_is_refused_saying_why(qtbot: QtBot, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as raw:
        raw.execute("CREATE TABLE stuff (x)")
    raw.close()
    made = dialog(qtbot)
    made.show()
    made.database_box.setText(str(foreign))
    save(made)
    assert made.isVisible()
    assert made.finding.text().startswith("Cannot use it: ")
    assert "is not a Moderator database" in made.finding.text()
    assert settings.chosen_database() is None


def test_an_empty_field_goes_back_to_the_default(qtbot: QtBot, database: Database) -> None:
    settings.use_database("/somewhere/else.sqlite3")
    made = dialog(qtbot, database.url)
    made.database_box.clear()
    made.check()
    save(made)
    assert settings.chosen_database() is None


def test_the_window_offers_it_under_file(
    make_window: Callable[[], MainWindow], qtbot: QtBot
) -> None:
    window = make_window()
    asked: list[str] = []

    def answer(_parent: QWidget, open_now: str) -> bool:
        asked.append(open_now)
        return True

    window._settings_asker = answer
    window.action_map["actionSettings"].trigger()
    assert asked == [window.desk.database.url]
    assert window.statusBar().currentMessage().startswith("Settings saved: Moderator opens")
    assert window.action_map["actionSettings"].shortcut().toString() == "Ctrl+,"
