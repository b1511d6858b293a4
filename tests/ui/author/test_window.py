"""The author window: one author's comments across articles, their notes, and all their pending
comments decided as one step of the desk's undo stack."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import ReasonCode, Status
from moderator.queries.queue import QueueFilter, count_queue
from moderator.store.database import Database
from tests.ui.conftest import AddArticle, Answers, press, status_of
from ui.author.window import AuthorWindow
from ui.comments.queue_model import COLUMNS, Column
from ui.desk.main_window import MainWindow
from ui.dialogs.reason import ReasonChoice


def open_author(window: MainWindow, qtbot: QtBot) -> AuthorWindow:
    press(qtbot, window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    (author,) = window.review.author_windows.values()
    return author


def test_ctrl_u_shows_the_author_across_articles(
    make_window: object,
    add_article: AddArticle,
    database: Database,
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    first = add_article(["one", "two"], title="First")
    add_article(["three"], title="Second")
    window = make_window()  # type: ignore[operator]
    window.select_article(first)
    author = open_author(window, qtbot)
    name = author.author
    with database.session() as session:
        expected = count_queue(session, QueueFilter(status=None, author=name))
    assert author.model.rowCount() == expected >= 1
    column = COLUMNS.index(Column.AUTHOR)
    assert {author.model.data(author.model.index(r, column)) for r in range(expected)} == {name}
    assert author.summary.text().startswith(f"{name}: ")
    qtmodeltester.check(author.model)


def test_hide_all_pending_is_one_undoable_step(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    window.commentQueue.setCurrentIndex(window.queue.index(0, 0))  # Priya Raman: 2 comments
    author = open_author(window, qtbot)
    assert author.author == "Priya Raman"
    ids = author.pending_ids()
    assert ids is not None
    assert len(ids) == 2
    answers.reason = ReasonChoice(ReasonCode.SPAM, "same text everywhere")
    with qtbot.waitSignal(window.desk.moderated):
        author.hideButton.click()
    assert {status_of(database, i) for i in ids} == {Status.HIDDEN}
    assert not author.hideButton.isEnabled()
    assert window.decisions.stack.undoText() == f"Hide 2 comments (#{ids[0]}, #{ids[1]}) as Spam"
    window.decisions.undo()
    assert {status_of(database, i) for i in ids} == {Status.PENDING}
    assert author.hideButton.isEnabled()


def test_a_note_on_the_author_shows_there(demo_window: MainWindow, qtbot: QtBot) -> None:
    window = demo_window
    window.review._note_picker = lambda *_: "second warning"
    author = open_author(window, qtbot)
    with qtbot.waitSignal(window.desk.noted):
        author.noteButton.click()
    assert author.notes.toPlainText().endswith(": second warning")
    assert "tester (moderator)" in author.notes.toPlainText()
