"""File → Settings…: the database said in words, a file or the team's server chosen, and
checked before it is kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from moderator import settings
from moderator.store.database import Database, default_database_path
from ui.desk.main_window import MainWindow
from ui.dialogs.settings import SettingsDialog


def dialog(qtbot: QtBot, open_now: str = "/now.sqlite3") -> SettingsDialog:
    made = SettingsDialog(open_now)
    qtbot.addWidget(made)
    return made


def save(made: SettingsDialog) -> None:
    made.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_a_new_file_is_checked_and_kept_for_the_next_start(qtbot: QtBot, tmp_path: Path) -> None:
    made = dialog(qtbot)
    target = tmp_path / "team.sqlite3"
    made.path_box.setText(f"  {target}  ")
    save(made)
    assert made.result() == SettingsDialog.DialogCode.Accepted
    assert settings.chosen_database() == str(target)
    assert made.finding.text() == f"{target} does not exist yet: Moderator will create it"
    assert not target.exists()  # nothing is created until Moderator opens it
    # Opened again, the dialog shows the choice.
    assert dialog(qtbot).path_box.text() == str(target)


def test_a_database_that_cannot_be_used_is_refused_saying_why(qtbot: QtBot, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as raw:
        raw.execute("CREATE TABLE stuff (x)")
    raw.close()
    made = dialog(qtbot)
    made.show()
    made.path_box.setText(str(foreign))
    save(made)
    assert made.isVisible()
    assert made.finding.text().startswith("Cannot use it: ")
    assert "is not a Moderator database" in made.finding.text()
    assert settings.chosen_database() is None


def test_an_empty_field_goes_back_to_the_default(qtbot: QtBot, database: Database) -> None:
    settings.use_database("/somewhere/else.sqlite3")
    made = dialog(qtbot, database.url)
    made.path_box.clear()
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


def test_the_standard_file_is_shown_as_a_path_and_kept_as_no_choice(
    qtbot: QtBot, tmp_path: Path
) -> None:
    made = dialog(qtbot)
    # A path, not a placeholder that looks like one.
    assert made.file_choice.isChecked()
    assert made.path_box.text() == str(default_database_path())
    assert made.will_open.text() == (
        f"From the next start: A file on this computer: {default_database_path()}"
    )
    settings.use_database(str(tmp_path / "elsewhere.sqlite3"))
    made = dialog(qtbot)
    made.path_box.setText(str(default_database_path()))
    save(made)
    assert settings.chosen_database() is None


def test_the_database_open_now_is_said_in_words(qtbot: QtBot, database: Database) -> None:
    made = dialog(qtbot, database.url)
    path = database.url.removeprefix("sqlite:///")
    assert made.open_now.text() == f"Open now: A file on this computer: {path}"
    made = dialog(qtbot, "postgresql+psycopg://ann:***@db.example.org/moderation")
    assert made.open_now.text() == (
        "Open now: The team's server: db.example.org, database moderation, as user ann"
    )
    assert made.open_now.textFormat() == Qt.TextFormat.PlainText


def test_a_server_is_shown_in_its_fields_and_its_password_never(qtbot: QtBot) -> None:
    settings.use_database("postgresql+psycopg://ann:s3cret@db.example.org:5433/moderation")
    made = dialog(qtbot)
    assert made.server_choice.isChecked()
    assert not made.file_fields.isEnabled()
    assert [box.text() for box in (made.host_box, made.port_box)] == ["db.example.org", "5433"]
    assert [box.text() for box in (made.database_name_box, made.user_box)] == [
        "moderation",
        "ann",
    ]
    assert made.password_box.echoMode() == QLineEdit.EchoMode.Password
    shown = [label.text() for label in made.findChildren(QLabel)] + [
        box.displayText() for box in made.findChildren(QLineEdit)
    ]
    assert not any("s3cret" in text for text in shown)
    assert made.will_open.text() == (
        "From the next start: The team's server: db.example.org port 5433, database"
        " moderation, as user ann"
    )
    # Kept as it was, password and all.
    assert made.location == "postgresql+psycopg://ann:s3cret@db.example.org:5433/moderation"


def test_empty_server_fields_show_examples_not_values(qtbot: QtBot) -> None:
    made = dialog(qtbot)
    made.server_choice.setChecked(True)
    for box in (made.host_box, made.port_box, made.database_name_box, made.user_box):
        assert box.text() == ""
        assert box.placeholderText().startswith("e.g. ")
    assert not made.check()
    assert made.finding.text() == "Say which server: its name or address"
    assert made.will_open.text() == "Say which server: its name or address"


def test_a_server_that_does_not_answer_is_refused(qtbot: QtBot) -> None:
    made = dialog(qtbot)
    made.show()
    made.server_choice.setChecked(True)
    made.host_box.setText("127.0.0.1")
    made.port_box.setText("1")  # nothing listens there: refused at once
    made.database_name_box.setText("moderation")
    made.user_box.setText("ann")
    assert made.location == "postgresql+psycopg://ann@127.0.0.1:1/moderation"
    save(made)
    assert made.isVisible()
    assert made.finding.text().startswith(
        "Cannot use it: cannot open the server 127.0.0.1:1 (database moderation, user ann): "
    )
    assert settings.chosen_database() is None


def test_the_log_anchor_folder_is_chosen_here_and_the_window_keeps_the_head_there(
    qtbot: QtBot, tmp_path: Path, make_window: Callable[[], MainWindow]
) -> None:
    made = dialog(qtbot)
    made.path_box.setText(str(tmp_path / "desk.sqlite3"))
    made.anchor_box.setText(str(tmp_path / "missing"))
    save(made)
    assert made.result() != SettingsDialog.DialogCode.Accepted
    assert "is not a folder that exists" in made.finding.text()
    assert settings.anchor_folder() is None
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    made.anchor_box.setText(str(anchors))
    save(made)
    assert made.result() == SettingsDialog.DialogCode.Accepted
    assert settings.anchor_folder() == anchors
    assert dialog(qtbot).anchor_box.text() == str(anchors)
    # The window keeps the log's head there as it closes.
    window = make_window()
    window.close()
    assert list(anchors.iterdir())
