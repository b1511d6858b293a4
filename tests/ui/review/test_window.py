"""The editors' review window and notes, from the desk: threads ranked, a thread read in full,
escalations decided with a note (Ctrl+Enter), undone from the desk, roles shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import Outcome, ReasonCode, Role, Status
from moderator.queries.snapshots import comment_notes
from moderator.services import moderation
from moderator.services.review import resolve
from moderator.store.database import Database
from tests.ui.conftest import WORK_TIMEOUT_MS, Answers, press, status_of
from ui.desk.main_window import MainWindow
from ui.dialogs.editor import EditorChoice, EditorDialog
from ui.review.models import ThreadColumn, ThreadModel
from ui.review.window import ReviewWindow


def open_review(window: MainWindow, qtbot: QtBot) -> ReviewWindow:
    press(qtbot, window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    review = window.review.review_window
    assert review is not None
    qtbot.waitUntil(review.isActiveWindow, timeout=WORK_TIMEOUT_MS)
    return review


def escalate_first(window: MainWindow, answers: Answers, qtbot: QtBot) -> int:
    target = window.queue.comment_id(0)
    assert target is not None
    answers.note = "is this libel?"
    press(qtbot, window, "e")
    return target


def test_threads_are_ranked_and_a_thread_read_in_full(
    demo_window: MainWindow, answers: Answers, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    target = escalate_first(demo_window, answers, qtbot)
    review = open_review(demo_window, qtbot)
    assert review.threads_model.rowCount() == 1
    troubled = review.threads_model.troubled(0)
    assert troubled is not None
    assert troubled.why() == "1 escalated · 4 flagged (medium) · 5 rule hits"
    assert review.thread_model.rowCount() == 12
    # The editor starts at the escalated comment, shown in full with its flags.
    current = review.current_item()
    assert current is not None
    assert current.comment.id == target
    assert review.detail.toPlainText().startswith(current.comment.author)
    qtmodeltester.check(review.threads_model)
    qtmodeltester.check(review.thread_model)
    # A moderator reads, but the decisions wait for an editor.
    assert not review.actions_by_name["actionUphold"].isEnabled()
    assert "needs the editor role" in review.role_label.text()


def test_an_editor_upholds_with_a_note_and_the_desk_can_undo_it(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    target = escalate_first(demo_window, answers, qtbot)
    demo_window.desk.create_profile("tester", Role.EDITOR)
    asked: list[Outcome] = []

    def choose(_parent: object, outcome: Outcome, _count: int) -> EditorChoice | None:
        asked.append(outcome)
        return EditorChoice("libel, legal agrees", ReasonCode.ABUSE)

    review = open_review(demo_window, qtbot)
    review._editor_picker = choose
    assert review.actions_by_name["actionUphold"].isEnabled()
    with qtbot.waitSignal(demo_window.desk.moderated):
        qtbot.keyClick(review.threadView, Qt.Key.Key_U)
    assert asked == [Outcome.UPHOLD]
    assert status_of(database, target) is Status.HIDDEN
    # Resolved: the thread left the list but stays open; the comment is no longer escalated.
    assert review.threads_model.rowCount() == 1  # still flagged comments pending
    current = review.current_item()
    assert current is not None
    assert not current.comment.escalated
    assert not review.actions_by_name["actionUphold"].isEnabled()
    # One step of the desk's undo stack.
    assert (
        demo_window.decisions.stack.undoText() == "Uphold #1 (Priya Raman) as Abuse or harassment"
    )
    demo_window.decisions.undo()
    assert status_of(database, target) is Status.PENDING


def test_a_refused_decision_is_said(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    escalate_first(demo_window, answers, qtbot)
    review = open_review(demo_window, qtbot)
    review._editor_picker = lambda *_: EditorChoice("fine")
    review.decide(Outcome.OVERTURN)  # as a moderator, bypassing the greyed-out action
    boxes = [box for box in review.findChildren(QMessageBox) if box.isVisible()]
    assert [box.windowTitle() for box in boxes] == ["Cannot overturn"]
    assert "needs the editor role; tester is a moderator" in boxes[0].text()


def test_an_escalation_resolved_at_another_desk_meanwhile_is_not_resolved_again(
    demo_window: MainWindow,
    answers: Answers,
    database: Database,
    other_desk: Database,
    qtbot: QtBot,
) -> None:
    target = escalate_first(demo_window, answers, qtbot)
    demo_window.desk.create_profile("tester", Role.EDITOR)
    review = open_review(demo_window, qtbot)
    review._editor_picker = lambda *_: EditorChoice("libel, legal agrees", ReasonCode.ABUSE)
    shown = review.current_item()
    assert shown is not None
    assert shown.comment.id == target
    # Another editor, at another desk, returns it to the moderators first.
    with other_desk.transaction() as session:
        editor = moderation.ensure_profile(session, "ed", role=Role.EDITOR, granted_by="tester")
        resolve(session, [target], actor=editor, outcome=Outcome.RETURN, note="fine")
    with qtbot.assertNotEmitted(demo_window.desk.moderated):
        review.decide(Outcome.UPHOLD)
    boxes = [box for box in review.findChildren(QMessageBox) if box.isVisible()]
    assert [box.windowTitle() for box in boxes] == ["Cannot uphold"]
    assert f"comment {target} is already pending (by ed at " in boxes[0].text()
    assert status_of(database, target) is Status.PENDING


def test_j_and_k_walk_the_thread_and_n_leaves_a_note(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    escalate_first(demo_window, answers, qtbot)
    review = open_review(demo_window, qtbot)
    review._note_picker = lambda *_: "asked legal"
    start = review.threadView.currentIndex().row()
    qtbot.keyClick(review.threadView, Qt.Key.Key_J)
    assert review.threadView.currentIndex().row() == start + 1
    qtbot.keyClick(review.threadView, Qt.Key.Key_K)
    current = review.current_item()
    assert current is not None
    with qtbot.waitSignal(demo_window.desk.noted):
        qtbot.keyClick(review.threadView, Qt.Key.Key_N)
    with database.session() as session:
        assert [n.text for n in comment_notes(session, current.comment.id)] == ["asked legal"]
    assert "Notes on this comment" in review.detail.toPlainText()
    assert "tester (moderator)" in review.detail.toPlainText()


def test_notes_from_the_desk_show_in_its_detail_pane(demo_window: MainWindow, qtbot: QtBot) -> None:
    window = demo_window
    window.review._note_picker = lambda *_: "reads as sarcasm"
    with qtbot.waitSignal(window.desk.noted):
        press(qtbot, window, "n")
    assert "Notes on this comment" in window.commentDetail.toPlainText()
    window.review._note_picker = lambda *_: "third warning"
    with qtbot.waitSignal(window.desk.noted):
        qtbot.keyClick(
            window.commentQueue,
            Qt.Key.Key_N,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    text = window.commentDetail.toPlainText()
    assert "Notes on the author" in text
    assert text.index("reads as sarcasm") < text.index("third warning")


def test_an_editor_locks_the_article_from_review(
    demo_window: MainWindow, answers: Answers, qtbot: QtBot
) -> None:
    escalate_first(demo_window, answers, qtbot)
    demo_window.desk.create_profile("tester", Role.EDITOR)
    review = open_review(demo_window, qtbot)
    lock = review.actions_by_name["actionLockArticle"]
    assert lock.text() == "Lock Article"
    with qtbot.waitSignal(demo_window.desk.lock_changed) as locked:
        lock.trigger()
    assert locked.args[1] is True
    assert lock.text() == "Unlock Article"
    assert review.threads_model.troubled(0) is not None
    # Locked: the desk's decisions are refused, and say why.
    with qtbot.assertNotEmitted(demo_window.desk.moderated):
        press(qtbot, demo_window, "a")
    assert "is locked by an editor" in demo_window.statusBar().currentMessage()


def test_the_editor_dialog_needs_a_note_and_confirms_with_ctrl_enter(qtbot: QtBot) -> None:
    dialog = EditorDialog(Outcome.UPHOLD)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert dialog.reasonBox.isVisibleTo(dialog)
    with qtbot.assertNotEmitted(dialog.accepted):
        dialog.confirm()
    dialog.reasonBox.setCurrentIndex(dialog.reasonBox.findData("hate-speech"))
    qtbot.keyClicks(dialog.note, "slur in context")
    assert ok.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.choice() == EditorChoice("slur in context", ReasonCode.HATE_SPEECH)
    overturn = EditorDialog(Outcome.OVERTURN)
    qtbot.addWidget(overturn)
    assert not overturn.reasonBox.isVisibleTo(overturn)
    qtbot.keyClicks(overturn.note, "fair comment")
    assert overturn.choice() == EditorChoice("fair comment", None)


def test_replies_are_indented_under_what_they_answer(qtmodeltester: ModelTester) -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    from moderator.queries.review import ThreadItem  # noqa: PLC0415
    from moderator.queries.snapshots import CommentRow  # noqa: PLC0415

    def row(comment_id: int, escalated: bool = False) -> CommentRow:
        return CommentRow(
            id=comment_id,
            article_id=1,
            article_title="T",
            position=comment_id,
            author=f"a{comment_id}",
            posted_at=datetime(2025, 1, 1, tzinfo=UTC),
            body="<b>text</b>",
            status=Status.PENDING,
            escalated=escalated,
        )

    model = ThreadModel()
    model.set_items([ThreadItem(row(1), 0), ThreadItem(row(2, True), 1, 1)])
    column = ThreadModel.COLUMNS.index(ThreadColumn.COMMENT)
    assert model.data(model.index(0, column)) == "a1: <b>text</b>"
    assert model.data(model.index(1, column)) == "    ↳ a2: <b>text</b>"
    assert model.data(model.index(1, column), Qt.ItemDataRole.FontRole).bold()
    assert model.row_of(2) == 1
    qtmodeltester.check(model)


def test_the_queue_keys_work_in_the_thread_too(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    escalate_first(demo_window, answers, qtbot)
    review = open_review(demo_window, qtbot)
    qtbot.keyClick(review.threadView, Qt.Key.Key_J)  # past the escalated one: a pending comment
    current = review.current_item()
    assert current is not None
    assert not current.comment.escalated
    with qtbot.waitSignal(demo_window.desk.moderated):
        qtbot.keyClick(review.threadView, Qt.Key.Key_A)
    assert status_of(database, current.comment.id) is Status.APPROVED
    assert demo_window.decisions.stack.undoText() == f"Approve #{current.comment.id}"
    answers.reason = None  # the reason dialog cancelled: nothing happens
    with qtbot.assertNotEmitted(demo_window.desk.moderated):
        qtbot.keyClick(review.threadView, Qt.Key.Key_H)
    assert answers.asked[-1] == "reason for 1"


def test_a_review_window_behind_the_desk_catches_up_when_it_comes_forward(
    demo_window: MainWindow, answers: Answers, qtbot: QtBot
) -> None:
    review = open_review(demo_window, qtbot)
    before = review.threads_model.troubled(0)
    assert before is not None
    assert before.escalated == 0
    demo_window.activateWindow()
    qtbot.waitUntil(demo_window.isActiveWindow, timeout=WORK_TIMEOUT_MS)
    escalate_first(demo_window, answers, qtbot)
    # Behind the desk it did not read the list again: deciding there never waits for it.
    unchanged = review.threads_model.troubled(0)
    assert unchanged is not None
    assert unchanged.escalated == 0
    review.activateWindow()
    qtbot.waitUntil(review.isActiveWindow, timeout=WORK_TIMEOUT_MS)
    after = review.threads_model.troubled(0)
    assert after is not None
    assert after.escalated == 1
