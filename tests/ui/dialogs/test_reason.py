"""The hide-reason dialog, driven by the keyboard the way a moderator uses it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QInputDialog
from pytestqt.qtbot import QtBot

from moderator.domain import ReasonCode
from ui.common.placement import beside_the_comment
from ui.desk.main_window import MainWindow
from ui.dialogs.reason import DIGITS, ReasonChoice, ReasonDialog


@pytest.fixture
def dialog(qtbot: QtBot) -> ReasonDialog:
    dialog = ReasonDialog(count=2)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    return dialog


def ok_enabled(dialog: ReasonDialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_every_reason_is_listed_with_its_digit(dialog: ReasonDialog) -> None:
    items = [dialog.reasons.item(row).text() for row in range(dialog.reasons.count())]
    assert items == [
        f"{digit}   {code.label}" for digit, code in zip(DIGITS, ReasonCode, strict=True)
    ]
    assert dialog.windowTitle() == "Hide 2 comments"
    assert ReasonDialog(1, None, "#12 (ann)").windowTitle() == "Hide #12 (ann)"
    # Nothing is chosen for the moderator: H then Enter must not file a comment as spam.
    assert dialog.reason() is None


def test_enter_without_a_reason_says_to_choose_one(dialog: ReasonDialog, qtbot: QtBot) -> None:
    with qtbot.assertNotEmitted(dialog.accepted):
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.note_hint.isVisible()
    assert dialog.note_hint.text().startswith("Choose a reason")
    qtbot.keyClick(dialog.reasons, "3")
    assert dialog.note_hint.isHidden()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Return)
    assert dialog.choice() == ReasonChoice(ReasonCode.ABUSE, None)


@pytest.mark.parametrize(
    ("key", "reason"),
    [("1", ReasonCode.SPAM), ("3", ReasonCode.ABUSE), ("9", ReasonCode.ILLEGAL_CONTENT)],
)
def test_a_digit_picks_and_enter_accepts(
    dialog: ReasonDialog, qtbot: QtBot, key: str, reason: ReasonCode
) -> None:
    qtbot.keyClick(dialog.reasons, key)
    assert dialog.reason() is reason
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice() == ReasonChoice(reason, None)


def test_arrows_move_through_the_list(dialog: ReasonDialog, qtbot: QtBot) -> None:
    qtbot.keyClick(dialog.reasons, Qt.Key.Key_Down)
    assert dialog.reason() is ReasonCode.SPAM  # the first arrow chooses the first reason
    qtbot.keyClick(dialog.reasons, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.reasons, Qt.Key.Key_Down)
    assert dialog.reason() is ReasonCode.ABUSE


def test_other_needs_a_note_and_says_so(dialog: ReasonDialog, qtbot: QtBot) -> None:
    assert dialog.note_hint.isHidden()
    qtbot.keyClick(dialog.reasons, "0")
    assert dialog.reason() is ReasonCode.OTHER
    assert not ok_enabled(dialog)
    assert dialog.note_hint.isVisible()
    assert "needs a note" in dialog.note_hint.text()
    # Focus went to the note; Enter without one does nothing.
    assert dialog.note.hasFocus()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    assert dialog.isVisible()

    # Digits typed into the note are text, not reason picks.
    qtbot.keyClicks(dialog.note, "quoted 2 private letters")
    assert dialog.reason() is ReasonCode.OTHER
    assert ok_enabled(dialog)
    assert dialog.note_hint.isHidden()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    assert dialog.choice() == ReasonChoice(ReasonCode.OTHER, "quoted 2 private letters")


def test_an_optional_note_is_kept(dialog: ReasonDialog, qtbot: QtBot) -> None:
    qtbot.keyClick(dialog.reasons, "2")
    qtbot.keyClicks(dialog.note, "  links to a shop  ")
    assert dialog.choice() == ReasonChoice(ReasonCode.ADVERTISING, "links to a shop")


def test_escape_cancels(dialog: ReasonDialog, qtbot: QtBot) -> None:
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_the_dialogs_open_off_the_queue_and_the_comment(demo_window: MainWindow) -> None:
    window = demo_window
    for dialog in (ReasonDialog(1, window), QInputDialog(window)):
        beside_the_comment(dialog, window)
        dialog.show()
        placed = dialog.frameGeometry()
        for shown in (window.commentQueue, window.commentDetail):
            where = QRect(shown.mapToGlobal(QPoint(0, 0)), shown.size())
            assert not placed.intersects(where), (type(dialog).__name__, shown.objectName())
        dialog.close()
