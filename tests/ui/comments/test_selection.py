"""A decision acts on what the desk shows: every way of moving through the queue selects the
comment it lands on, and the comment decided is the one the detail pane showed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from moderator.domain import Status
from moderator.services import moderation
from moderator.store.database import Database
from tests.ui.conftest import AddArticle, press, status_of
from ui.desk.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(make_window: Callable[[], MainWindow], add_article: AddArticle) -> MainWindow:
    add_article(count=80, title="Second")
    add_article(count=120, title="First")
    return make_window()


def shown_id(window: MainWindow) -> int:
    """The comment the detail pane shows, read off the screen: its second line is "#ID · ..."."""
    text = window.commentDetail.toPlainText()
    found = re.search(r"^#(\d+) · ", text, re.MULTILINE)
    assert found is not None, text
    return int(found.group(1))


def decided_by(window: MainWindow, qtbot: QtBot, key: str) -> tuple[int, ...]:
    """Press ``key`` (a decision) on the queue; the ids the desk decided."""
    with qtbot.waitSignal(window.desk.moderated) as decided:
        press(qtbot, window, key)
    return decided.args[0].comment_ids


def key(qtbot: QtBot, window: MainWindow, which: Qt.Key, modifiers: object = None) -> None:
    if not window.commentQueue.hasFocus():
        window.commentQueue.setFocus()
    if modifiers is None:
        qtbot.keyClick(window.commentQueue, which)
    else:
        qtbot.keyClick(window.commentQueue, which, modifiers)  # type: ignore[arg-type]


def test_the_blocker_j_j_then_ctrl_end_decides_the_last_comment_shown(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    view = window.commentQueue
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(window.queue.index(0, 1)).center(),
    )
    press(qtbot, window, "j")
    press(qtbot, window, "j")
    third = shown_id(window)
    key(qtbot, window, Qt.Key.Key_End, CTRL)
    last = window.queue.comment_id(window.queue.rowCount() - 1)
    assert shown_id(window) == last != third
    assert decided_by(window, qtbot, "a") == (last,)
    assert status_of(database, third) is Status.PENDING


def test_k_k_k_then_ctrl_home_decides_the_first_comment_shown(
    window: MainWindow, qtbot: QtBot
) -> None:
    key(qtbot, window, Qt.Key.Key_End, CTRL)
    for _ in range(3):
        press(qtbot, window, "k")
    key(qtbot, window, Qt.Key.Key_Home, CTRL)
    first = window.queue.comment_id(0)
    assert shown_id(window) == first
    assert decided_by(window, qtbot, "a") == (first,)


@pytest.mark.parametrize(
    ("keys", "row"),
    [
        ([(Qt.Key.Key_Down, None), (Qt.Key.Key_Down, None)], 2),
        ([(Qt.Key.Key_Down, None), (Qt.Key.Key_Up, None)], 0),
        ([(Qt.Key.Key_End, None)], -1),
        ([(Qt.Key.Key_End, None), (Qt.Key.Key_Home, None)], 0),
        ([(Qt.Key.Key_PageDown, None)], None),
        ([(Qt.Key.Key_PageDown, None), (Qt.Key.Key_PageUp, None)], 0),
        ([(Qt.Key.Key_Down, CTRL), (Qt.Key.Key_Down, CTRL)], 2),
        ([(Qt.Key.Key_PageDown, CTRL)], None),
    ],
)
def test_every_key_that_moves_the_current_row_moves_the_selection(
    window: MainWindow, qtbot: QtBot, keys: list[tuple[Qt.Key, object]], row: int | None
) -> None:
    for which, modifiers in keys:
        key(qtbot, window, which, modifiers)
    current = window.commentQueue.currentIndex().row()
    if row is not None:
        assert current == row % window.queue.rowCount()
    else:
        assert current > 0  # a page down, however tall the page
    assert window.commentQueue.targets(10).rows == (current,)
    expected = window.queue.comment_id(current)
    assert shown_id(window) == expected
    assert decided_by(window, qtbot, "a") == (expected,)


def test_shift_extends_the_selection_and_the_pane_lists_it(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    ids = [window.queue.comment_id(row) for row in range(3)]
    key(qtbot, window, Qt.Key.Key_Down, SHIFT)
    key(qtbot, window, Qt.Key.Key_Down, SHIFT)
    text = window.commentDetail.toPlainText()
    assert text.startswith("3 comments selected")
    assert [int(n) for n in re.findall(r"^#(\d+) · ", text, re.MULTILINE)] == ids
    # Ctrl+Home moves and selects one row again, so the pane shows one comment.
    key(qtbot, window, Qt.Key.Key_Home, CTRL)
    assert shown_id(window) == ids[0]
    key(qtbot, window, Qt.Key.Key_Down, SHIFT)
    key(qtbot, window, Qt.Key.Key_Down, SHIFT)
    assert decided_by(window, qtbot, "a") == tuple(ids)
    assert (
        window.statusBar()
        .currentMessage()
        .startswith(f"Approved 3 comments (#{ids[0]}, #{ids[1]}, #{ids[2]})")
    )
    assert {status_of(database, i) for i in ids} == {Status.APPROVED}


def test_a_ctrl_a_selection_of_many_is_counted_and_listed_in_part(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.commentQueue.selectAll()
    text = window.commentDetail.toPlainText()
    assert text.startswith(f"{window.queue.rowCount()} comments selected")
    assert f"… and {window.queue.rowCount() - 50} more" in text


def test_after_a_tab_switch_the_comment_shown_is_the_one_decided(
    window: MainWindow, qtbot: QtBot
) -> None:
    press(qtbot, window, "j")
    press(qtbot, window, "j")
    press(qtbot, window, "5")  # the All tab, read anew: its first comment, alone
    assert window.queueTabs.currentIndex() == 4
    shown = shown_id(window)
    assert shown == window.queue.comment_id(0)
    assert window.commentQueue.targets(10).rows == (0,)
    assert decided_by(window, qtbot, "a") == (shown,)


def test_a_search_returns_the_keys_to_the_queue_and_decides_what_it_shows(
    window: MainWindow, qtbot: QtBot
) -> None:
    press(qtbot, window, "j")
    press(qtbot, window, "j")
    press(qtbot, window, "/")
    assert window.searchBox.hasFocus()
    qtbot.keyClicks(window.searchBox, "comment 77")
    qtbot.keyClick(window.searchBox, Qt.Key.Key_Return)
    # Enter searches and hands the keys back: J, K, A are the queue's again, not typed.
    assert window.commentQueue.hasFocus()
    assert window.searchBox.text() == "comment 77"
    assert window.queue.rowCount() == 1
    assert window.queueTabs.tabText(0) == "Pending (1)"
    target = shown_id(window)
    assert decided_by(window, qtbot, "a") == (target,)
    assert window.searchBox.text() == "comment 77"


def test_escape_leaves_the_search_box_and_a_second_escape_clears_the_search(
    window: MainWindow, qtbot: QtBot
) -> None:
    total = window.queue.rowCount()
    press(qtbot, window, "/")
    qtbot.keyClicks(window.searchBox, "comment 1")
    qtbot.keyClick(window.searchBox, Qt.Key.Key_Escape)
    assert window.commentQueue.hasFocus()
    assert window.searchBox.text() == "comment 1"
    assert window.queue.rowCount() < total  # the search applies on leaving, too
    press(qtbot, window, "j")
    assert window.searchBox.text() == "comment 1"  # J moved, it did not type
    key(qtbot, window, Qt.Key.Key_Escape)
    assert window.searchBox.text() == ""
    assert window.queue.rowCount() == total


def test_clicking_an_article_gives_its_queue_the_keys(window: MainWindow, qtbot: QtBot) -> None:
    view = window.articleList
    second = view.model().index(1, 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(second).center()
    )
    assert window.commentQueue.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_End, CTRL)
    last = window.queue.comment_id(window.queue.rowCount() - 1)
    assert shown_id(window) == last
    assert decided_by(window, qtbot, "a") == (last,)


def test_enter_or_escape_in_the_article_filter_hands_the_keys_back(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.article_panel.filter_box.setFocus()
    qtbot.keyClicks(window.article_panel.filter_box, "Sec")
    qtbot.keyClick(window.article_panel.filter_box, Qt.Key.Key_Return)
    assert window.commentQueue.hasFocus()
    window.article_panel.filter_box.setFocus()
    qtbot.keyClick(window.article_panel.filter_box, Qt.Key.Key_Escape)
    assert window.commentQueue.hasFocus()


def test_after_a_reread_for_another_desk_the_comment_shown_is_the_one_decided(
    window: MainWindow, other_desk: Database, qtbot: QtBot
) -> None:
    press(qtbot, window, "j")
    press(qtbot, window, "j")
    kept = shown_id(window)
    gone = window.queue.comment_id(1)
    assert gone is not None
    with other_desk.transaction() as session:
        moderation.approve(session, [gone], actor=moderation.ensure_profile(session, "bob"))
    window.desk.reread.emit()
    assert shown_id(window) == kept
    assert window.commentQueue.targets(10).count == 1
    assert decided_by(window, qtbot, "a") == (kept,)


def test_when_another_desk_takes_the_shown_comment_the_next_is_shown_and_selected(
    window: MainWindow, other_desk: Database, qtbot: QtBot
) -> None:
    press(qtbot, window, "j")
    gone = shown_id(window)
    with other_desk.transaction() as session:
        moderation.approve(session, [gone], actor=moderation.ensure_profile(session, "bob"))
    window.live.refresh()
    assert window.queue.row_of(gone) is None
    now = shown_id(window)
    assert now != gone
    assert window.commentQueue.targets(10).count == 1
    assert decided_by(window, qtbot, "a") == (now,)


def test_j_and_k_at_either_end_say_so(window: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, window, "k")
    assert window.statusBar().currentMessage() == "This is the first comment"
    key(qtbot, window, Qt.Key.Key_End, CTRL)
    press(qtbot, window, "j")
    assert window.statusBar().currentMessage() == "This is the last comment"


def test_a_decision_that_cannot_apply_is_off_and_its_key_says_why(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    restore = window.action_map["actionRestore"]
    assert not restore.isEnabled()  # a pending comment has nothing to restore
    first = shown_id(window)
    before = window.commentQueue.currentIndex().row()
    with qtbot.assertNotEmitted(window.desk.moderated):
        press(qtbot, window, "r")
    assert window.statusBar().currentMessage() == f"Cannot restore #{first}: it is already pending"
    assert window.commentQueue.currentIndex().row() == before
    # A digit no tab takes does not jump to a row whose number starts with it.
    press(qtbot, window, "9")
    assert window.commentQueue.currentIndex().row() == before
    assert window.action_map["actionApprove"].isEnabled()
    assert window.action_map["actionHide"].isEnabled()


def test_no_decision_is_on_without_a_comment(make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    for name in ("actionApprove", "actionHide", "actionRestore", "actionEscalate"):
        assert not window.action_map[name].isEnabled()


@pytest.mark.parametrize(
    ("which", "modifiers"),
    [
        (Qt.Key.Key_Home, CTRL),
        (Qt.Key.Key_Home, None),
        (Qt.Key.Key_Up, None),
        (Qt.Key.Key_PageUp, None),
    ],
)
def test_a_move_that_goes_nowhere_still_leaves_one_comment_selected(
    window: MainWindow, qtbot: QtBot, which: Qt.Key, modifiers: object
) -> None:
    # Found by bench/selection_test.py: Shift+Up onto the first row, then Ctrl+Home, which
    # moved nothing, so Qt kept two selected while the first was current.
    press(qtbot, window, "j")
    key(qtbot, window, Qt.Key.Key_Up, SHIFT)  # the first row current, two selected
    assert window.commentQueue.currentIndex().row() == 0
    assert window.commentQueue.targets(10).count == 2
    key(qtbot, window, which, modifiers)
    first = window.queue.comment_id(0)
    assert shown_id(window) == first
    assert window.commentQueue.targets(10).rows == (0,)
    assert decided_by(window, qtbot, "a") == (first,)
