"""Attacks on "the desk decides only what it shows": bulk decisions, teammates' decisions
under the shown comment, and the other windows that decide."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from moderator.domain import Outcome, ReasonCode, Role, Status
from moderator.services import moderation
from moderator.store.database import Database
from tests.ui.conftest import AddArticle, Answers, press, status_of
from ui.author.window import AuthorWindow
from ui.desk.main_window import MainWindow
from ui.dialogs.editor import EditorChoice
from ui.dialogs.reason import ReasonChoice


@pytest.fixture
def window(make_window: Callable[[], MainWindow], add_article: AddArticle) -> MainWindow:
    add_article(count=300)
    return make_window()


def shown_ids(window: MainWindow) -> list[int]:
    """The comments the detail pane shows, read off the screen ("#ID · ..." lines)."""
    text = window.commentDetail.toPlainText()
    return [int(n) for n in re.findall(r"^#(\d+) · ", text, re.MULTILINE)]


def approve_elsewhere(teammate: Database, ids: list[int]) -> None:
    with teammate.transaction() as session:
        moderation.approve(session, ids, actor=moderation.ensure_profile(session, "bob"))


def count_drawing(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the detail pane is drawn from now on, what it was asked to draw."""
    drawn: list[str] = []
    for name in ("show_selection", "show_comment"):
        draw = getattr(window.detail, name)

        def counted(*args: object, _draw: Any = draw, _name: str = name, **kwargs: object) -> None:
            drawn.append(_name)
            _draw(*args, **kwargs)

        monkeypatch.setattr(window.detail, name, counted)
    return drawn


def test_a_bulk_decision_draws_the_detail_pane_once_not_once_a_row(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each row leaving the queue drew the selection's list again: 5,000 took half a minute.
    window.commentQueue.selectAll()
    drawn = count_drawing(window, monkeypatch)
    with qtbot.waitSignal(window.desk.moderated):
        press(qtbot, window, "a")
    assert window.queue.rowCount() == 0
    assert len(drawn) <= 2, drawn


def test_a_teammates_bulk_decision_draws_the_detail_pane_once_not_once_a_row(
    window: MainWindow, other_desk: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.commentQueue.selectAll()
    drawn = count_drawing(window, monkeypatch)
    ids = [window.queue.comment_id(row) for row in range(100)]
    approve_elsewhere(other_desk, [i for i in ids if i is not None])
    window.live.refresh()
    assert window.queue.rowCount() == 200
    # Once for the decisions, once more for whatever else the teammate did (``elsewhere``).
    assert len(drawn) <= 2, drawn
    assert window.commentDetail.toPlainText().startswith("200 comments selected")


def test_when_a_teammate_takes_the_shown_comment_the_next_one_is_shown(
    window: MainWindow, other_desk: Database, qtbot: QtBot
) -> None:
    for _ in range(3):
        press(qtbot, window, "j")
    gone, following = window.queue.comment_id(3), window.queue.comment_id(4)
    assert gone is not None
    assert following is not None
    assert shown_ids(window) == [gone]
    approve_elsewhere(other_desk, [gone])
    window.live.refresh()
    # Qt makes the row above current; the moderator works down the queue.
    assert shown_ids(window) == [following]
    assert window.commentQueue.targets(10).rows == (3,)
    with qtbot.waitSignal(window.desk.moderated) as decided:
        press(qtbot, window, "a")
    assert decided.args[0].comment_ids == (following,)


def test_when_a_teammate_takes_the_shown_comment_and_the_next_the_one_after_is_shown(
    window: MainWindow, other_desk: Database, qtbot: QtBot
) -> None:
    for _ in range(3):
        press(qtbot, window, "j")
    taken = [window.queue.comment_id(row) for row in (3, 4)]
    after = window.queue.comment_id(5)
    approve_elsewhere(other_desk, [i for i in taken if i is not None])
    window.live.refresh()
    assert shown_ids(window) == [after]


def test_when_a_teammate_takes_the_last_comment_shown_the_one_above_is_shown(
    window: MainWindow, other_desk: Database, qtbot: QtBot
) -> None:
    window.commentQueue.setFocus()
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_End)  # type: ignore[no-untyped-call]
    last = window.queue.rowCount() - 1
    gone, above = window.queue.comment_id(last), window.queue.comment_id(last - 1)
    assert gone is not None
    approve_elsewhere(other_desk, [gone])
    window.live.refresh()
    assert shown_ids(window) == [above]


def restore_elsewhere(teammate: Database, comment_id: int) -> None:
    # Sending back another's decision takes an editor: bob is the database's first.
    with teammate.transaction() as session:
        bob = moderation.ensure_profile(session, "bob", role=Role.EDITOR, granted_by="bob")
        moderation.restore(session, [comment_id], actor=bob)


@pytest.fixture
def author_window(window: MainWindow, qtbot: QtBot) -> AuthorWindow:
    """The author window of the desk's first comment's author: one of their comments approved
    here, the rest pending."""
    first = window.queue.comment(0)
    assert first is not None
    theirs = [
        c for row in range(1, 50) if (c := window.queue.comment(row)) and c.author == first.author
    ]
    window.commentQueue.select_row(window.queue.row_of(theirs[0].id) or 0)
    with qtbot.waitSignal(window.desk.moderated):
        press(qtbot, window, "a")
    window.commentQueue.select_row(0)
    author = window.review.show_author()
    assert author is not None
    return author


def test_the_author_window_follows_a_teammates_decisions(
    window: MainWindow, author_window: AuthorWindow, other_desk: Database
) -> None:
    pending = author_window.pending_ids()
    assert pending is not None
    approved = next(
        c.id
        for row in range(author_window.model.rowCount())
        if (c := author_window.model.comment(row)) and c.status is Status.APPROVED
    )
    # Bob puts the approved comment back to pending; this desk hears of it.
    restore_elsewhere(other_desk, approved)
    window.live.refresh()
    row = author_window.model.row_of(approved)
    assert row is not None
    assert author_window.model.comment(row).status is Status.PENDING  # type: ignore[union-attr]
    assert f"{len(pending) + 1:,} pending" in author_window.summary.text()


def test_the_author_window_refuses_a_comment_changed_since_it_was_shown(
    author_window: AuthorWindow,
    other_desk: Database,
    database: Database,
    answers: Answers,
    qtbot: QtBot,
) -> None:
    approved = next(
        c.id
        for row in range(author_window.model.rowCount())
        if (c := author_window.model.comment(row)) and c.status is Status.APPROVED
    )
    # Bob puts it back to pending; this desk has not heard yet, so the window shows it approved.
    restore_elsewhere(other_desk, approved)
    answers.reason = ReasonChoice(ReasonCode.SPAM, None)
    with qtbot.assertNotEmitted(author_window.desk.moderated):
        author_window.hideButton.click()
    assert status_of(database, approved) is Status.PENDING


def test_the_author_window_says_which_comments_it_decided(
    window: MainWindow, author_window: AuthorWindow, qtbot: QtBot
) -> None:
    pending = author_window.pending_ids()
    assert pending
    with qtbot.waitSignal(window.desk.moderated):
        author_window.approveButton.click()
    said = author_window.statusBar().currentMessage()
    assert said.startswith(f"Approved {len(pending)} comments (#{pending[0]}, #{pending[1]}, ")


def test_n_with_several_selected_says_why_it_does_nothing(window: MainWindow, qtbot: QtBot) -> None:
    window.commentQueue.setFocus()
    qtbot.keyClick(window.commentQueue, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # type: ignore[no-untyped-call]
    assert not window.action_map["actionNote"].isEnabled()
    press(qtbot, window, "n")
    assert window.statusBar().currentMessage() == (
        "A note is on one comment, and 2 are selected: J or K goes back to one"
    )


@pytest.fixture
def second_article(
    make_window: Callable[[], MainWindow], add_article: AddArticle, answers: Answers, qtbot: QtBot
) -> MainWindow:
    """A desk on the second of two articles (so a comment's place, 2nd, is not its id), its
    second comment escalated, the user an editor."""
    add_article(count=3)
    second = add_article(count=3)
    window = make_window()
    window.select_article(second)
    window.commentQueue.select_row(1)
    answers.note = "look"
    with qtbot.waitSignal(window.desk.moderated):
        press(qtbot, window, "e")
    window.desk.create_profile("tester", Role.EDITOR)
    return window


def test_the_review_window_names_the_comment_it_decided_by_its_id(
    second_article: MainWindow, qtbot: QtBot
) -> None:
    review = second_article.review.show()
    shown = review.current_item()
    assert shown is not None
    target, author = shown.comment.id, shown.comment.author
    assert shown.comment.position != target
    review._editor_picker = lambda *_: EditorChoice("agreed", ReasonCode.ABUSE)
    with qtbot.waitSignal(second_article.desk.moderated):
        review.decide(Outcome.UPHOLD)
    assert review.statusBar().currentMessage() == (
        f"Upheld the hide of #{target} ({author}) as Abuse or harassment"
    )
    review.refresh()  # as it does when it is the active window
    with qtbot.waitSignal(second_article.desk.moderated):
        review.approve()
    assert review.statusBar().currentMessage() == f"Approved #{target} ({author})"


def test_a_note_is_asked_for_naming_the_comment_by_its_id(
    second_article: MainWindow, qtbot: QtBot
) -> None:
    asked: list[str] = []

    def note(_parent: object, about: str) -> None:
        asked.append(about)

    comment = second_article.queue.comment(1)
    assert comment is not None
    second_article.commentQueue.select_row(1)
    second_article.review._note_picker = note
    press(qtbot, second_article, "n")
    review = second_article.review.show()
    review._note_picker = note
    review.add_note()
    assert asked == [f"{comment.author}'s comment #{comment.id}"] * 2


def test_a_search_that_keeps_the_shown_comment_first_lights_its_words(
    window: MainWindow, qtbot: QtBot
) -> None:
    first = window.queue.comment(0)
    assert first is not None
    assert first.body == "comment 1"
    press(qtbot, window, "/")
    qtbot.keyClicks(window.searchBox, "comment 1")  # type: ignore[no-untyped-call]
    qtbot.keyClick(window.searchBox, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert window.queue.comment_id(0) == first.id
    view = window.commentDetail
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.toPlainText().rindex("comment 1") + 2)
    assert cursor.charFormat().fontUnderline()
