"""Undo steps, as push → assert → undo → assert → redo → assert, against a real database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from moderator.domain import ReasonCode, Role, Status
from moderator.queries.queue import QueueFilter, list_queue
from moderator.services import moderation
from moderator.services.changes import ModerationChange
from moderator.services.moderation import Seen
from moderator.store.database import Database
from tests.conftest import logged_decisions
from tests.ui.conftest import AddArticle, actions_on, status_of
from ui.common.commands import DecisionCommand, describe, named
from ui.common.funnel import Desk
from ui.desk.main_window import MainWindow


@pytest.fixture
def ids(database: Database, add_article: AddArticle) -> list[int]:
    article = add_article(count=3)
    with database.session() as session:
        return [row.id for row in list_queue(session, QueueFilter(article_id=article))]


class Reports:
    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def __call__(self, title: str, message: str) -> None:
        self.said.append((title, message))


def push(
    stack: QUndoStack, desk: Desk, run: Callable[[Seen | None], ModerationChange], reports: Reports
) -> DecisionCommand:
    command = DecisionCommand(desk, run(None), run, reports)
    stack.push(command)
    return command


def test_a_bulk_hide_is_one_step_undone_and_redone(
    desk: Desk, database: Database, ids: list[int]
) -> None:
    stack, reports = QUndoStack(), Reports()
    command = push(
        stack, desk, lambda seen: desk.hide(ids[:2], ReasonCode.SPAM, "bot", seen=seen), reports
    )
    assert command.text() == f"Hide 2 comments (#{ids[0]}, #{ids[1]}) as Spam"
    assert [status_of(database, i) for i in ids] == [Status.HIDDEN, Status.HIDDEN, Status.PENDING]
    assert stack.count() == 1

    stack.undo()
    assert [status_of(database, i) for i in ids] == [Status.PENDING] * 3
    # Nothing is deleted: the decision and its undoing are both in the history.
    assert actions_on(database, ids[0]) == [
        ("hide", ReasonCode.SPAM, "tester"),
        ("undo", None, "tester"),
    ]

    stack.redo()
    assert [status_of(database, i) for i in ids] == [Status.HIDDEN, Status.HIDDEN, Status.PENDING]
    assert actions_on(database, ids[1]) == [
        ("hide", ReasonCode.SPAM, "tester"),
        ("undo", None, "tester"),
        ("hide", ReasonCode.SPAM, "tester"),
    ]
    assert command.change.comments[0].entry_seq == logged_decisions(database, ids[0])[-1].seq
    assert reports.said == []


def test_undoing_an_escalation_clears_it(desk: Desk, database: Database, ids: list[int]) -> None:
    stack, reports = QUndoStack(), Reports()
    push(stack, desk, lambda seen: desk.escalate([ids[0]], "legal", seen=seen), reports)
    stack.undo()
    with database.session() as session:
        [row] = [r for r in list_queue(session, QueueFilter()) if r.id == ids[0]]
    assert not row.escalated
    stack.redo()
    with database.session() as session:
        [row] = [r for r in list_queue(session, QueueFilter()) if r.id == ids[0]]
    assert row.escalated


def test_an_undo_refused_is_reported_and_leaves_the_stack(
    desk: Desk, database: Database, ids: list[int]
) -> None:
    stack, reports = QUndoStack(), Reports()
    push(stack, desk, lambda seen: desk.approve([ids[0]], seen=seen), reports)
    # Another desk hides it meanwhile.
    with database.transaction() as session:
        # An editor: hiding a published comment overturns it.
        other = moderation.ensure_profile(session, "other desk", role=Role.EDITOR)
        moderation.hide(session, [ids[0]], actor=other, reason=ReasonCode.ABUSE)

    stack.undo()
    ((title, message),) = reports.said
    assert title == "Cannot undo"
    assert message.startswith(
        f"Approve #{ids[0]}: comment {ids[0]} changed since (approve); it is now hidden"
        " (by other desk at "
    )
    assert message.endswith(" UTC): cannot undo")
    assert stack.count() == 0
    assert status_of(database, ids[0]) is Status.HIDDEN


def test_an_undo_is_refused_even_when_another_desk_left_the_same_status(
    desk: Desk, database: Database, ids: list[int]
) -> None:
    stack, reports = QUndoStack(), Reports()
    push(stack, desk, lambda seen: desk.approve([ids[0]], seen=seen), reports)
    # Bob sends it back and approves it again: the status is as this desk left it, but the
    # decision standing now is Bob's, and an undo here would reverse his.
    with database.transaction() as session:
        bob = moderation.ensure_profile(session, "bob", role=Role.EDITOR)
        moderation.restore(session, [ids[0]], actor=bob)
        moderation.approve(session, [ids[0]], actor=bob)

    stack.undo()
    ((title, message),) = reports.said
    assert title == "Cannot undo"
    assert f"comment {ids[0]} changed since (approve); it is now approved (by bob at " in message
    assert status_of(database, ids[0]) is Status.APPROVED


def test_a_redo_is_refused_when_another_desk_decided_after_the_undo(
    desk: Desk, database: Database, ids: list[int]
) -> None:
    stack, reports = QUndoStack(), Reports()
    push(stack, desk, lambda seen: desk.approve([ids[0]], seen=seen), reports)
    stack.undo()
    # Bob approves it and sends it back: pending again, as the undo left it, but his now.
    with database.transaction() as session:
        bob = moderation.ensure_profile(session, "bob")
        moderation.approve(session, [ids[0]], actor=bob)
        moderation.restore(session, [ids[0]], actor=bob)

    stack.redo()
    ((title, message),) = reports.said
    assert title == "Cannot redo"
    assert f"comment {ids[0]} is already pending (by bob at " in message
    assert status_of(database, ids[0]) is Status.PENDING
    assert actions_on(database, ids[0])[-1] == ("restore", None, "bob")
    assert stack.count() == 0


def test_describe_names_the_decision(desk: Desk, ids: list[int]) -> None:
    assert describe(desk.approve([ids[0]])) == f"Approve #{ids[0]}"
    assert describe(desk.restore([ids[0]]), {ids[0]: "Ann & Bo"}) == f"Restore #{ids[0]} (Ann & Bo)"
    hid = desk.hide(ids, ReasonCode.SPAM)
    assert describe(hid) == f"Hide 3 comments (#{ids[0]}, #{ids[1]}, #{ids[2]}) as Spam"
    assert named(list(range(1, 41))) == "40 comments (#1, #2, #3 and 37 more)"


def test_an_ampersand_in_a_name_is_not_a_mnemonic_in_the_edit_menu(
    desk: Desk, ids: list[int]
) -> None:
    change = desk.approve([ids[0]])
    command = DecisionCommand(desk, change, lambda seen: change, Reports(), {ids[0]: "A&B"})
    assert command.text() == f"Approve #{ids[0]} (A&&B)"
    assert command.described == f"Approve #{ids[0]} (A&B)"


# --- in the window, from the keyboard -------------------------------------------------------


def test_ctrl_z_undoes_the_last_decision_and_ctrl_shift_z_redoes_it(
    desk: Desk, database: Database, ids: list[int], qtbot: QtBot
) -> None:
    window = MainWindow(desk)
    qtbot.addWidget(window)
    # Single-key shortcuts only fire in the active window.
    with qtbot.waitActive(window):
        window.show()
    undo, redo = window.action_map["actionUndo"], window.action_map["actionRedo"]
    assert (undo.isEnabled(), redo.isEnabled()) == (False, False)

    first = window.queue.comment_id(window.commentQueue.currentIndex().row())
    author = window.queue.comment(window.commentQueue.currentIndex().row()).author
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_A)
    assert status_of(database, first) is Status.APPROVED
    assert undo.isEnabled()
    assert undo.text() == f"&Undo Approve #{first} ({author})"

    qtbot.keyClick(window.commentQueue, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert status_of(database, first) is Status.PENDING
    # The comment is back in the pending queue, and selected again.
    assert window.queue.comment_id(window.commentQueue.currentIndex().row()) == first
    assert window.statusBar().currentMessage() == f"Undid: approve of #{first} ({author})"
    assert redo.text() == f"&Redo Approve #{first} ({author})"

    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_Z, modifiers)
    assert status_of(database, first) is Status.APPROVED
    assert [kind for kind, _, _ in actions_on(database, first)] == ["approve", "undo", "approve"]
    assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] == []
