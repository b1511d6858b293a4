"""First start: the desk asks who is there, remembers it, and never asks that person again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from moderator import settings
from moderator.domain import Role
from moderator.queries.snapshots import get_profile
from moderator.store.database import Database
from ui.common.funnel import Desk
from ui.dialogs.profile import ProfileDialog, first_start


def test_the_dialog_needs_a_name_and_offers_both_roles(qtbot: QtBot) -> None:
    dialog = ProfileDialog("login")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.answer() == ("login", Role.MODERATOR)
    dialog.name_box.setText("   ")
    assert not ok.isEnabled()
    dialog.name_box.setText("  Maria Lopez ")
    editor = dialog.findChild(QRadioButton, "role_editor")
    assert editor is not None
    editor.setChecked(True)
    assert ok.isEnabled()
    assert dialog.answer() == ("Maria Lopez", Role.EDITOR)


def test_a_first_start_makes_the_profile_and_remembers_the_name(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODERATOR_USER", raising=False)
    desk = Desk(database, actor="login")
    asked: list[str] = []

    def picker(_parent: QWidget | None, suggested: str, _problem: str | None) -> tuple[str, Role]:
        asked.append(suggested)
        return "Maria Lopez", Role.EDITOR

    assert first_start(desk, picker)
    assert asked == ["login"]
    assert (desk.actor, desk.role) == ("Maria Lopez", Role.EDITOR)
    with database.session() as session:
        profile = get_profile(session, "Maria Lopez")
    assert profile is not None
    assert profile.role is Role.EDITOR
    assert settings.profile_name() == "Maria Lopez"

    # The next start acts as the remembered name, and asks nothing.
    again = Desk(database)
    assert again.actor == "Maria Lopez"
    assert not first_start(again, picker)
    assert asked == ["login"]


def test_once_an_editor_exists_a_new_desk_starts_as_a_moderator(
    database: Database, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODERATOR_USER", raising=False)
    Desk(database, actor="chief").create_profile("chief", Role.EDITOR)  # the first editor
    desk = Desk(database, actor="newcomer")
    assert first_start(desk, lambda *_: ("newcomer", Role.EDITOR))
    assert (desk.actor, desk.role) == ("newcomer", Role.MODERATOR)
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "startedAsModerator"]
    assert len(boxes) == 1
    assert isinstance(boxes[0], QMessageBox)
    assert "needs the editor role" in boxes[0].text()
    boxes[0].close()


def test_declining_changes_nothing(database: Database) -> None:
    desk = Desk(database, actor="login")
    assert not first_start(desk, lambda *_: None)
    assert not desk.has_profile()
    assert settings.profile_name() is None


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("ed\u200b", "The name 'ed<U+200B>' has an invisible character (U+200B ZERO WIDTH SPACE)"),
        ("System", "The name 'System' is reserved"),
        ("a\u202eb", "has a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    ],
)
def test_the_dialog_says_at_once_why_a_name_cannot_be(qtbot: QtBot, name: str, said: str) -> None:
    dialog = ProfileDialog("login")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.problem.isHidden()
    dialog.name_box.setText(name)
    assert not ok.isEnabled()
    assert not dialog.problem.isHidden()
    assert said in dialog.problem.text()
    assert dialog.problem.textFormat() is Qt.TextFormat.PlainText
    dialog.name_box.setText("Maria")
    assert ok.isEnabled()
    assert dialog.problem.isHidden()


def test_a_first_start_asks_again_when_the_name_looks_like_a_profile(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODERATOR_USER", raising=False)
    Desk(database, actor="ed").create_profile("ed", Role.EDITOR)
    desk = Desk(database, actor="login")
    answers = iter([("\u0435d", Role.MODERATOR), ("Ed Two", Role.MODERATOR)])
    asked: list[tuple[str, str | None]] = []

    def picker(_parent: QWidget | None, suggested: str, problem: str | None) -> tuple[str, Role]:
        asked.append((suggested, problem))
        return next(answers)

    assert first_start(desk, picker)
    assert asked[0] == ("login", None)
    suggested, problem = asked[1]
    assert suggested == "\u0435d"
    assert problem is not None
    assert "looks like the existing profile 'ed'" in problem
    assert desk.actor == "Ed Two"


def test_the_dialog_shows_the_desks_refusal_until_the_name_changes(qtbot: QtBot) -> None:
    dialog = ProfileDialog("\u0435d", problem="the name looks like the existing profile 'ed'")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.problem.text() == "The name looks like the existing profile 'ed'."
    assert not ok.isEnabled()
    dialog.name_box.setText("Ed Two")
    assert ok.isEnabled()
