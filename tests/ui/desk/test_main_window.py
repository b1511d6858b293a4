"""The main window against a real database, driven by the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabBar,
    QTextBrowser,
    QToolBar,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from moderator import settings
from moderator.domain import ReasonCode, Role, Severity, Status
from moderator.resources import DEMO_ARTICLE
from moderator.store.database import Database
from moderator.store.models import LogEntryRow
from tests.ui.conftest import (
    HOSTILE,
    WORK_TIMEOUT_MS,
    AddArticle,
    Answers,
    actions_on,
    press,
    status_of,
)
from ui.comments import decisions as decisions_module
from ui.comments.queue_model import COLUMNS, ChipsRole, Column, flags_text, top_severity
from ui.common.funnel import Desk
from ui.common.severity import DOT_COLOURS
from ui.desk.key_help import KeyHelp, key_rows
from ui.desk.keymap import KEYMAP
from ui.desk.main_window import MainWindow
from ui.dialogs.reason import ReasonChoice
from ui.review.window import REVIEW_KEYS

DEMO_TITLE = "Harbour Ferry Fares to Rise 15 Percent as Council Closes Budget Gap"


def current_id(window: MainWindow) -> int:
    return window.queue.comment_id(window.commentQueue.currentIndex().row())


def warnings(window: MainWindow) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_first_start_shows_the_empty_state(make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    assert window.pages.currentWidget() is window.empty_state
    assert window.empty_state.isVisible()
    assert window.empty_state.demo_button.text() == "Open the demo article"
    assert window.empty_state.import_button.text() == "Import files…"
    assert window.acting_label.objectName() == "actingAs"
    assert window.acting_label.text() == "Acting as tester (moderator)"


def test_a_read_only_database_is_said_up_front(
    make_window: Callable[[], MainWindow], desk: Desk
) -> None:
    # It was said first when a decision was refused; reading all along gave no sign of it.
    desk.database.read_only = "attempt to write a readonly database"
    window = make_window()
    label = window.findChild(QLabel, "readOnly")
    assert label is not None
    assert label.isVisible()
    assert label.text() == "Read-only: decisions cannot be saved"
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert "attempt to write a readonly database" in label.toolTip()
    assert window.windowTitle() == "Read-only — Moderator"


def test_a_writable_database_carries_no_read_only_sign(
    make_window: Callable[[], MainWindow],
) -> None:
    window = make_window()
    assert window.findChild(QLabel, "readOnly") is None
    assert "read-only" not in window.windowTitle()


def test_the_demo_article_opens_ready_to_moderate(demo_window: MainWindow) -> None:
    window = demo_window
    assert window.pages.currentWidget() is not window.empty_state
    assert window.articleList.currentIndex().row() == 0
    article_text = window.articleView.toPlainText()
    assert article_text.startswith(DEMO_TITLE)
    assert "Councillor Marta Okafor" in article_text
    assert [window.queueTabs.tabText(i) for i in range(5)] == [
        "Pending (12)",
        "Flagged (4)",
        "Approved (0)",
        "Hidden (0)",
        "All (12)",
    ]
    assert window.commentQueue.currentIndex().row() == 0
    assert window.commentDetail.toPlainText().startswith(
        "Priya Raman\n#1 · 1st comment on the article · 14 Jan 2025 08:02"
    )
    assert window.commentQueue.hasFocus()


def test_j_and_k_move_through_the_queue(demo_window: MainWindow, qtbot: QtBot) -> None:
    window = demo_window
    press(qtbot, window, "j")
    press(qtbot, window, "j")
    assert window.commentQueue.currentIndex().row() == 2
    assert window.commentDetail.toPlainText().startswith("D. O'Connell")
    press(qtbot, window, "k")
    assert window.commentQueue.currentIndex().row() == 1
    for _ in range(3):
        press(qtbot, window, "k")
    assert window.commentQueue.currentIndex().row() == 0


def test_a_approves_and_moves_on(demo_window: MainWindow, database: Database, qtbot: QtBot) -> None:
    window = demo_window
    press(qtbot, window, "j")
    approved = current_id(window)
    author = window.queue.comment(1).author
    following = window.queue.comment_id(2)

    with qtbot.waitSignal(window.desk.moderated):
        press(qtbot, window, "a")
    assert status_of(database, approved) is Status.APPROVED
    assert actions_on(database, approved) == [("approve", None, "tester")]
    # It left the pending queue; the next comment is now current.
    assert window.queue.row_of(approved) is None
    assert current_id(window) == following
    assert window.queueTabs.tabText(0) == "Pending (11)"
    assert window.queueTabs.tabText(2) == "Approved (1)"
    assert "11 pending · 1 approved" in window.counts_label.text()
    assert window.articles.data(window.articles.index(0, 0)).endswith(
        "11 pending · 4 flagged · 12 comments"
    )
    # The message names the comment by its number and author; the undo step does too.
    assert window.statusBar().currentMessage() == f"Approved #{approved} ({author})"
    assert window.action_map["actionUndo"].text() == f"&Undo Approve #{approved} ({author})"


def test_a_decision_applies_to_every_selected_comment(
    demo_window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    for _ in range(2):
        qtbot.keyClick(window.commentQueue, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    chosen = window.selected_ids()
    assert len(chosen) == 3
    following = window.queue.comment_id(3)

    with qtbot.waitSignal(window.desk.moderated) as blocker:
        press(qtbot, window, "a")
    assert blocker.args[0].comment_ids == tuple(chosen)
    assert {status_of(database, comment) for comment in chosen} == {Status.APPROVED}
    assert window.selected_ids() == [following]
    assert window.queueTabs.tabText(0) == "Pending (9)"


def test_h_hides_with_the_reason_picked(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    target = current_id(window)
    author = window.queue.comment(0).author
    answers.reason = None
    press(qtbot, window, "h")
    assert answers.asked == ["reason for 1"]
    # The dialog names what it is about: the queue behind a modal dialog may change.
    assert answers.about == f"#{target} ({author})"
    assert status_of(database, target) is Status.PENDING

    answers.reason = ReasonChoice(ReasonCode.ABUSE, "insult")
    press(qtbot, window, "h")
    assert status_of(database, target) is Status.HIDDEN
    assert actions_on(database, target) == [("hide", ReasonCode.ABUSE, "tester")]
    assert window.queueTabs.tabText(3) == "Hidden (1)"
    assert window.statusBar().currentMessage() == (
        f"Hid #{target} ({author}) as Abuse or harassment"
    )


def test_restore_and_escalate_from_other_tabs(
    demo_window: MainWindow, database: Database, qtbot: QtBot, answers: Answers
) -> None:
    window = demo_window
    target = current_id(window)
    press(qtbot, window, "a")
    window.queueTabs.setCurrentIndex(2)
    assert window.queue.rowCount() == 1
    assert current_id(window) == target
    assert "Approved" in window.commentDetail.toPlainText()

    answers.note = None  # the note dialog cancelled: nothing happens
    press(qtbot, window, "e")
    assert answers.asked[-1] == "note for 1"
    assert "escalated" not in window.commentDetail.toPlainText()
    answers.note = "  check the legal angle "
    press(qtbot, window, "e")
    assert window.queue.data(window.queue.index(0, COLUMNS.index(Column.STATUS))) == (
        "Approved, escalated"
    )
    # Marked in every tab (the Status column shows in All only): a violet chip first.
    chips = window.queue.data(window.queue.index(0, COLUMNS.index(Column.FLAGS)), ChipsRole)
    assert chips[0].text == "escalated"
    assert window.commentQueue.isColumnHidden(COLUMNS.index(Column.STATUS))
    assert not window.action_map["actionEscalate"].isEnabled()
    with database.session() as session:
        notes = session.scalars(
            select(LogEntryRow.note)
            .where(LogEntryRow.comment_id == target)
            .order_by(LogEntryRow.seq)
        ).all()
    assert notes[-1] == "check the legal angle"
    assert "Approved, escalated" in window.commentDetail.toPlainText()
    # Escalated, it waits for an editor: a moderator's restore is refused, and says why.
    with qtbot.assertNotEmitted(window.desk.moderated):
        press(qtbot, window, "r")
    # Said in the status bar, naming the comment; no box to dismiss before the next key.
    assert warnings(window) == []
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Cannot restore #{target} (")
    assert "needs the editor role" in said
    assert status_of(database, target) is Status.APPROVED


def test_restore_empties_the_approved_queue(demo_window: MainWindow, qtbot: QtBot) -> None:
    window = demo_window
    press(qtbot, window, "a")
    window.queueTabs.setCurrentIndex(2)
    press(qtbot, window, "r")
    assert window.queue.rowCount() == 0
    assert window.commentDetail.toPlainText() == ""
    assert window.commentDetail.placeholderText() == "No comments in this queue."
    assert not window.action_map["actionApprove"].isEnabled()
    assert not window.action_map["actionNext"].isEnabled()


def test_a_refused_decision_is_said_in_the_status_bar(
    demo_window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    target = current_id(window)
    press(qtbot, window, "a")
    window.queueTabs.setCurrentIndex(4)
    window.commentQueue.setFocus()
    assert current_id(window) == target

    # Approve is off for an approved comment: its key says why, and nothing is decided.
    assert not window.action_map["actionApprove"].isEnabled()
    with qtbot.assertNotEmitted(window.desk.moderated):
        press(qtbot, window, "a")
    assert warnings(window) == []
    assert (
        window.statusBar().currentMessage() == f"Cannot approve #{target}: it is already approved"
    )
    assert current_id(window) == target  # the key moved nothing
    # Decided anyway (by a caller that skips the button), the service's refusal is said too.
    with qtbot.assertNotEmitted(window.desk.moderated):
        window.decisions.approve()
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Cannot approve #{target} (")
    assert f"comment {target} is already approved (by tester at " in said
    assert said.endswith(" UTC); cannot approve it")
    assert warnings(window) == []
    assert actions_on(database, target) == [("approve", None, "tester")]


def test_a_database_failure_shows_a_warning_and_changes_nothing(
    demo_window: MainWindow, database: Database, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = demo_window
    target = current_id(window)

    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("UPDATE comment", {}, Exception("database is locked"))

    monkeypatch.setattr("moderator.services.moderation.approve", locked)
    with qtbot.assertNotEmitted(window.desk.moderated):
        press(qtbot, window, "a")
    (box,) = warnings(window)
    assert box.windowTitle() == "Cannot approve"
    assert box.text() == (
        "Another program held the database for too long. Nothing of it was saved."
        " Do it again in a moment. (database is locked)"
    )
    box.close()
    assert current_id(window) == target
    assert status_of(database, target) is Status.PENDING


def test_markup_in_comments_shows_as_typed(
    make_window: Callable[[], MainWindow], add_article: AddArticle
) -> None:
    add_article([HOSTILE], title=f"Title {HOSTILE}", body=f"Para {HOSTILE}")
    window = make_window()
    detail = window.commentDetail.toPlainText()
    assert HOSTILE in detail
    # Escaped in the document: Qt holds it as text, not as elements.
    assert "<script>" not in window.commentDetail.toHtml()
    excerpt = window.queue.data(window.queue.index(0, COLUMNS.index(Column.EXCERPT)))
    assert excerpt == HOSTILE
    assert window.articleView.toPlainText().count(HOSTILE) == 2
    assert "<script>" not in window.articleView.toHtml()


def test_ctrl_o_imports_and_lists_files_it_refused(
    demo_window: MainWindow, answers: Answers, qtbot: QtBot, tmp_path: Path
) -> None:
    window = demo_window
    bad = tmp_path / "<b>bad.txt"
    bad.write_text("Title\n\nBody.\n\nComments 1\nThumb Bob 14 Smarch 2025, 08:02\n\nHello.\n")
    good = tmp_path / "good.txt"
    good.write_text(
        "Second Article\n\nBody.\n\nComments 1\nThumb Bob 14 May 2025, 08:02\n\nHello.\n"
    )
    answers.files = [bad, good]

    with qtbot.waitSignal(window.desk.imported, timeout=WORK_TIMEOUT_MS):
        qtbot.keyClick(window.commentQueue, "o", Qt.KeyboardModifier.ControlModifier)
    assert answers.asked == ["files"]
    (box,) = warnings(window)
    assert f"{bad}:6: unknown month 'Smarch' in comment header" in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.close()
    # The article that did import is the one being read now.
    assert window.articles.rowCount() == 2
    assert window.articleView.toPlainText().startswith("Second Article")
    assert window.commentDetail.toPlainText().startswith("Bob")


def test_importing_again_keeps_the_queue_and_selection(
    demo_window: MainWindow, qtbot: QtBot
) -> None:
    window = demo_window
    press(qtbot, window, "j")
    with qtbot.waitSignal(window.desk.imported, timeout=WORK_TIMEOUT_MS):
        window.import_paths([DEMO_ARTICLE])
    assert window.articles.rowCount() == 1
    assert window.queue.rowCount() == 12
    assert window.commentQueue.currentIndex().row() == 1


def test_a_newer_scrape_adds_its_comments_to_the_open_queue(
    demo_window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    window = demo_window
    newer = tmp_path / "newer.txt"
    text = DEMO_ARTICLE.read_text(encoding="utf-8").replace("Comments 12", "Comments 13")
    newer.write_text(text + "\nThumb Late Reader 15 January 2025, 07:00\n\nStill here.\n")
    with qtbot.waitSignal(window.queue.modelReset, timeout=WORK_TIMEOUT_MS):
        window.import_paths([newer])
    assert window.articles.rowCount() == 1
    assert window.queue.rowCount() == 13
    assert window.queueTabs.tabText(0) == "Pending (13)"
    assert window.commentQueue.currentIndex().row() == 0


def test_the_keymap_builds_actions_menu_and_toolbar(demo_window: MainWindow) -> None:
    window = demo_window
    names = [binding.name for binding in KEYMAP]
    queues = [
        f"actionQueue{title}" for title in ("Pending", "Flagged", "Approved", "Hidden", "All")
    ]
    assert names == [
        "actionApprove",
        "actionHide",
        "actionRestore",
        "actionEscalate",
        "actionUndo",
        "actionRedo",
        "actionNext",
        "actionPrevious",
        *queues,
        "actionSearch",
        "actionKeys",
        "actionImport",
        "actionExportLog",
        "actionSettings",
        "actionNote",
        "actionNoteAuthor",
        "actionAuthor",
        "actionReview",
        "actionLog",
        "actionInsights",
    ]
    for binding in KEYMAP:
        action = window.action_map[binding.name]
        assert action.objectName() == binding.name
        assert action.shortcut().toString() == binding.shortcut
    bar = [action.text() for action in window.menuBar().actions()]
    assert bar == ["&File", "&Edit", "&View", "&Actions", "&Rules", "&Help"]
    menus = {menu.title(): menu for menu in window.menuBar().findChildren(QMenu)}
    in_menus = {
        title: [a.objectName() for a in menus[title].actions() if not a.isSeparator()]
        for title in ("&File", "&Edit", "&View", "&Actions", "&Help")
    }
    assert in_menus == {
        # Switch Profile… has no key: it is added after the keymap's.
        "&File": ["actionImport", "actionExportLog", "actionSettings", "actionProfile"],
        "&Edit": ["actionUndo", "actionRedo"],
        "&View": [*queues, "actionSearch", "actionReview", "actionLog", "actionInsights"],
        "&Actions": [
            "actionApprove",
            "actionHide",
            "actionRestore",
            "actionEscalate",
            "actionNext",
            "actionPrevious",
            "actionNote",
            "actionNoteAuthor",
            "actionAuthor",
        ],
        "&Help": ["actionKeys"],
    }
    toolbar = window.findChild(QToolBar, "mainToolBar")
    assert toolbar is not None
    on_toolbar = [a.objectName() for a in toolbar.actions() if not a.isSeparator()]
    off_toolbar = (
        *queues,
        "actionSearch",
        "actionKeys",
        "actionExportLog",
        "actionSettings",
        "actionLog",
        "actionInsights",
        "actionReview",
        "actionNote",
        "actionNoteAuthor",
        "actionAuthor",
    )
    assert on_toolbar == [name for name in names if name not in off_toolbar]


def test_the_demo_is_checked_by_the_rules_and_the_detail_explains(
    demo_window: MainWindow, qtbot: QtBot
) -> None:
    window = demo_window
    flagged = {
        window.queue.comment(row).author: window.queue.comment(row).flags
        for row in range(window.queue.rowCount())
        if window.queue.comment(row).flags
    }
    assert "insults" in {flag.rule_id for flag in flagged["D. O'Connell"]}
    assert "links" in {flag.rule_id for flag in flagged["cheaptickets4u"]}
    assert "Priya Raman" not in flagged
    row = next(
        row
        for row in range(window.queue.rowCount())
        if window.queue.comment(row).author == "D. O'Connell"
    )
    window.commentQueue.setCurrentIndex(window.queue.index(row, 0))
    detail = window.commentDetail.toPlainText()
    assert "\u25cf medium · insults: 'idiot' is on the list" in detail
    assert "1 comment by this author · 1 pending · 0 approved · 0 hidden · 1 flagged" in detail


def test_a_broken_rule_set_imports_nothing_and_says_why(
    make_window: Callable[[], MainWindow], tmp_path: Path, qtbot: QtBot
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[[rule]]\nid = "x"\nkind = "nonsense"\n', encoding="utf-8")
    settings.use_rule_set(broken)
    window = make_window()
    with qtbot.assertNotEmitted(window.desk.imported):
        qtbot.mouseClick(window.empty_state.demo_button, Qt.MouseButton.LeftButton)
    (box,) = warnings(window)
    assert box.windowTitle() == "Nothing imported"
    assert f"{broken}:3: unknown kind 'nonsense'" in box.text()
    box.close()
    assert window.articles.rowCount() == 0


def test_key_2_shows_the_flagged_queue_and_a_decision_takes_a_comment_off_it(
    demo_window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    press(qtbot, window, "2")
    assert window.queueTabs.currentIndex() == 1
    rows = [window.queue.comment(row) for row in range(window.queue.rowCount())]
    assert len(rows) == 4
    assert all(row.flags and row.status is Status.PENDING for row in rows)
    flags_column = COLUMNS.index(Column.FLAGS)
    assert window.queue.data(window.queue.index(0, flags_column)) == flags_text(rows[0])
    # Drawn as chips, each rule's in its severity's colour, the gravest first.
    chips = window.queue.data(window.queue.index(0, flags_column), ChipsRole)
    assert chips[0].colour == DOT_COLOURS[top_severity(rows[0]) or Severity.LOW]
    assert {chip.text for chip in chips} <= {flag.rule_id for flag in rows[0].flags}

    target = current_id(window)
    press(qtbot, window, "a")
    assert window.queue.rowCount() == 3
    assert window.queue.row_of(target) is None
    assert window.queueTabs.tabText(1) == "Flagged (3)"
    assert window.queueTabs.tabText(2) == "Approved (1)"
    # Undo brings it back to the flagged queue, selected.
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.queueTabs.tabText(1) == "Flagged (4)"
    assert current_id(window) == target
    press(qtbot, window, "5")
    assert window.queue.rowCount() == 12


def test_question_mark_lists_every_key_from_the_keymap(
    demo_window: MainWindow, qtbot: QtBot
) -> None:
    window = demo_window
    press(qtbot, window, "?")
    dialog = window.findChild(KeyHelp)
    assert dialog is not None
    assert dialog.isVisible()
    shown = dialog.shown_rows()
    assert sorted(shown) == sorted(key_rows())
    helps = {does for _, does in shown}
    # Every action's key, the queue's own keys, the hide dialog's digits, the review window's.
    assert {binding.help for binding in KEYMAP} <= helps
    assert {tip for _name, _text, _key, tip in REVIEW_KEYS} <= helps
    assert ("Ctrl+Z", "Undo the last decision") in shown
    assert ("Ctrl+A", "Select every comment in the queue") in shown
    assert ("1 to 9, 0", "Choose a reason (0 is the tenth, Other)") in shown
    assert ("5", "Show every comment, whatever its status") in shown
    # Readable whole on a 1366x768 screen: no scroll bar, nothing cut.
    size = dialog.sizeHint()
    assert size.width() <= 1300
    assert size.height() <= 700


def drop(window: MainWindow, mime: QMimeData) -> tuple[bool, bool]:
    """(accepted on entering, accepted on dropping) for a drop of ``mime`` on the window."""
    point = QPointF(window.rect().center())
    actions = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), actions, mime, buttons, keys)
    enter.setAccepted(False)
    window.dragEnterEvent(enter)
    dropped = QDropEvent(point, actions, mime, buttons, keys)
    dropped.setAccepted(False)
    window.dropEvent(dropped)
    return enter.isAccepted(), dropped.isAccepted()


def test_dropping_files_imports_them_and_text_is_refused(
    demo_window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    window = demo_window
    other = tmp_path / "other.txt"
    other.write_text("Dropped\n\nBody.\n\nComments 1\nThumb Ann 14 May 2025, 08:02\n\nHi.\n")
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(other))])
    with qtbot.waitSignal(window.desk.imported, timeout=WORK_TIMEOUT_MS):
        assert drop(window, files) == (True, True)
    assert window.articles.rowCount() == 2
    assert window.articleView.toPlainText().startswith("Dropped")

    text = QMimeData()
    text.setText(str(other))
    assert drop(window, text) == (False, False)


def test_one_import_at_a_time_and_stop_asks_the_running_one_to_end(
    demo_window: MainWindow, qtbot: QtBot
) -> None:
    window = demo_window
    job = window.import_paths([DEMO_ARTICLE])
    assert job is not None
    # Until it has reported back, another import is refused with a word why.
    assert window.import_paths([DEMO_ARTICLE]) is None
    [box] = warnings(window)
    assert box.text() == "An import is already running; wait for it to finish."
    dialog = window.importer.dialog
    assert dialog is not None
    stop = dialog.findChild(QPushButton)
    assert stop is not None
    assert stop.text() == "Stop"
    with qtbot.waitSignal(window.desk.imported, timeout=WORK_TIMEOUT_MS):
        stop.click()
        assert job.stop_requested
    assert window.importer.job is None


def test_splitters_and_size_are_remembered_between_sessions(
    make_window: Callable[[], MainWindow],
) -> None:
    window = make_window()
    window.resize(1100, 700)
    main = window.findChild(QSplitter, "mainSplitter")
    assert main is not None
    main.setSizes([300, 300, 500])
    chosen = main.sizes()
    window.close()
    assert (settings.config_dir() / "window.ini").exists()

    again = make_window()
    restored = again.findChild(QSplitter, "mainSplitter")
    assert restored is not None
    assert restored.sizes() == chosen
    # The geometry is kept too (Qt fits it to the screen it opens on).
    stored = QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    assert stored.value("geometry") is not None


def test_the_window_opens_within_the_screen_even_from_a_bigger_ones_size(
    make_window: Callable[[], MainWindow],
) -> None:
    window = make_window()
    room = window.screen().availableGeometry()
    assert room.contains(window.frameGeometry())
    # Kept from a bigger screen (or a second one that is gone), then opened on this one.
    window.resize(room.width() * 2, room.height() * 2)
    window.move(room.right() + 500, room.bottom() + 500)
    window.close()
    again = make_window()
    assert room.contains(again.frameGeometry())
    # The decision buttons and the status bar are on screen.
    for widget in (again.statusBar(), again.detail):
        top_left = widget.mapToGlobal(QPoint(0, 0))
        assert room.contains(QRect(top_left, widget.size()))


def test_the_queue_context_menu_offers_the_decisions(demo_window: MainWindow) -> None:
    queue = demo_window.commentQueue
    assert queue.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert [action.objectName() for action in queue.actions()] == [
        "actionApprove",
        "actionHide",
        "actionRestore",
        "actionEscalate",
    ]


def test_the_queue_can_put_the_gravest_flags_first(demo_window: MainWindow) -> None:
    window = demo_window
    window.queueOrder.setCurrentIndex(1)
    rows = [window.queue.comment(row) for row in range(window.queue.rowCount())]
    assert len(rows) == 12
    assert [row.urgency for row in rows] == sorted(row.urgency for row in rows)
    assert rows[0].flags
    assert not rows[-1].flags
    window.queueOrder.setCurrentIndex(0)
    assert [window.queue.comment(row).position for row in range(12)] == list(range(1, 13))


def test_slash_searches_the_queue(demo_window: MainWindow, qtbot: QtBot) -> None:
    window = demo_window
    press(qtbot, window, "/")
    assert window.searchBox.hasFocus()
    qtbot.keyClicks(window.searchBox, "ferry")
    qtbot.keyClick(window.searchBox, Qt.Key.Key_Return)
    rows = [window.queue.comment(row) for row in range(window.queue.rowCount())]
    assert rows
    assert all("ferry" in (row.body + row.author).casefold() for row in rows)
    assert len(rows) < 12
    assert window.statusBar().currentMessage() == f"{len(rows)} comments match 'ferry'"
    # A decision in a searched queue moves on within it.
    first = current_id(window)
    window.commentQueue.setFocus()
    press(qtbot, window, "a")
    assert window.queue.row_of(first) is None
    window.searchBox.clear()
    qtbot.keyClick(window.searchBox, Qt.Key.Key_Return)
    assert window.queue.rowCount() == 11


def test_ctrl_end_shows_the_last_comment_of_a_long_queue_at_once(
    make_window: Callable[[], MainWindow], add_article: AddArticle, qtbot: QtBot
) -> None:
    add_article(count=1500)
    window = make_window()
    assert window.queue.rowCount() == 1500
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert window.commentQueue.currentIndex().row() == 1499
    assert "comment 1500" in window.commentDetail.toPlainText()
    # Only the first page and the last were read, not the rows between.
    assert window.queue.held.runs == [(0, 200), (1400, 1500)]
    qtbot.waitUntil(lambda: not window.queue.reading)
    view = window.commentQueue
    shown = range(view.rowAt(0), view.rowAt(view.viewport().height() - 1) + 1)
    assert len(shown) > 5
    excerpt = COLUMNS.index(Column.EXCERPT)
    assert [window.queue.index(row, excerpt).data() for row in shown] == [
        f"comment {row + 1}" for row in shown
    ]


def test_selecting_more_than_one_action_takes_is_refused_and_says_so(
    demo_window: MainWindow, database: Database, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decisions_module, "BULK_LIMIT", 5)
    window = demo_window
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    with qtbot.assertNotEmitted(window.desk.moderated):
        press(qtbot, window, "a")
    (box,) = warnings(window)
    assert box.windowTitle() == "Too many comments selected"
    assert "at most 5 comments, and 12 are selected" in box.text()
    box.close()
    assert window.queueTabs.tabText(0) == "Pending (12)"


def test_switch_profile_logs_later_decisions_under_the_new_name(
    desk: Desk, database: Database, add_article: AddArticle, qtbot: QtBot
) -> None:
    add_article(count=3)
    asked: list[tuple[str, Role]] = []

    def picker(_parent: QWidget, current: str, role: Role) -> tuple[str, Role]:
        asked.append((current, role))
        return "Night Editor", Role.EDITOR

    window = MainWindow(desk, profile_picker=picker)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
    before = current_id(window)
    press(qtbot, window, "a")
    switch = window.findChild(QAction, "actionProfile")
    assert switch is not None
    assert switch in window.menus["&File"].actions()
    switch.trigger()
    assert asked == [("tester", Role.MODERATOR)]
    assert window.acting_label.text() == "Acting as Night Editor (editor)"
    after = current_id(window)
    press(qtbot, window, "a")
    assert actions_on(database, before) == [("approve", None, "tester")]
    assert actions_on(database, after) == [("approve", None, "Night Editor")]


def test_every_control_has_a_name_a_screen_reader_can_say(demo_window: MainWindow) -> None:
    controls = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QTabBar, QTextBrowser)
    unnamed = [
        f"{type(widget).__name__} {widget.objectName()!r}"
        for widget in demo_window.findChildren(QWidget)
        if isinstance(widget, controls)
        and widget.isVisible()
        and not widget.accessibleName()
        and not (isinstance(widget, QAbstractButton) and widget.text())
    ]
    assert unnamed == []


def test_on_a_narrow_window_the_status_bar_keeps_room_for_messages(
    demo_window: MainWindow,
) -> None:
    window = demo_window
    window.resize(1000, 650)
    assert window.counts_label.isHidden()
    window.statusBar().showMessage("Cannot escalate #12 (ann): it is already escalated")
    window.resize(1400, 800)
    assert not window.counts_label.isHidden()
