"""Team mode in the window: teammates' decisions arrive, a decision on a comment changed
elsewhere is refused with who changed it, and comments open at other desks are passed by."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from moderator.domain import Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.services import claims, moderation
from moderator.services.importing import import_article
from moderator.store.database import Database
from moderator.store.models import Comment
from tests.ui.conftest import T0, WORK_TIMEOUT_MS, AddArticle, press, status_of
from ui.comments.queue_model import COLUMNS, ChipsRole, Column
from ui.common.jobs import Job
from ui.desk.main_window import MainWindow


@pytest.fixture
def teammate(other_desk: Database) -> Database:
    """Another desk on the same file, as another window or process has."""
    return other_desk


@pytest.fixture
def window(make_window: Callable[[], MainWindow], add_article: AddArticle) -> MainWindow:
    add_article(count=6)
    return make_window()


def current_id(window: MainWindow) -> int:
    comment_id = window.queue.comment_id(window.commentQueue.currentIndex().row())
    assert comment_id is not None
    return comment_id


def queue_ids(window: MainWindow) -> list[int | None]:
    return [window.queue.comment_id(row) for row in range(window.queue.rowCount())]


def decide_elsewhere(teammate: Database, name: str, action: str, comment_id: int) -> None:
    with teammate.transaction() as session:
        actor = moderation.ensure_profile(session, name)
        if action == "hide":
            moderation.hide(session, [comment_id], actor=actor, reason="spam")
        else:
            moderation.approve(session, [comment_id], actor=actor)


def import_elsewhere(teammate: Database, window: MainWindow) -> None:
    """Another desk imports one more comment into the window's first article."""
    article = window.articles.article(0)
    incoming = IncomingArticle(
        article.title, "Text.", "a1.txt", (IncomingComment("zed", T0, "a late comment"),)
    )
    with teammate.transaction() as session:
        import_article(session, incoming)


def pending_in(database: Database) -> int:
    with database.session() as session:
        return (
            session.scalar(select(func.count(Comment.id)).where(Comment.status == Status.PENDING))
            or 0
        )


def test_a_teammates_decision_leaves_the_queue_and_is_announced(
    window: MainWindow, teammate: Database, qtmodeltester: ModelTester
) -> None:
    qtmodeltester.check(window.queue)
    ids = queue_ids(window)
    assert ids[2] is not None
    author = window.queue.comment(2).author
    decide_elsewhere(teammate, "bob", "hide", ids[2])
    window.live.refresh()
    assert queue_ids(window) == ids[:2] + ids[3:]
    assert window.statusBar().currentMessage() == (
        f"bob, at another desk: Hid #{ids[2]} ({author}) as Spam"
    )
    # The article list counts it too.
    assert window.articles.article(0).hidden == 1
    qtmodeltester.check(window.queue)


def test_this_desks_own_decisions_are_not_followed_twice(
    window: MainWindow, database: Database, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    press(qtbot, window, "a")
    press(qtbot, window, "a")
    window.live.refresh()
    assert window.queue.rowCount() == pending_in(database) == 4
    qtmodeltester.check(window.queue)


def test_the_watcher_brings_a_teammates_decision_without_being_asked(
    window: MainWindow, teammate: Database, qtbot: QtBot
) -> None:
    window.live.start()
    try:
        ids = queue_ids(window)
        assert ids[0] is not None
        decide_elsewhere(teammate, "bob", "approve", ids[0])
        qtbot.waitUntil(lambda: window.queue.rowCount() == len(ids) - 1, timeout=WORK_TIMEOUT_MS)
    finally:
        window.live.stop()


def test_a_decision_on_a_comment_changed_elsewhere_is_refused_saying_who(
    window: MainWindow, teammate: Database, database: Database, qtbot: QtBot
) -> None:
    target = current_id(window)
    # Bob hides it while it is open here, and this window has not heard yet.
    decide_elsewhere(teammate, "bob", "hide", target)
    with qtbot.assertNotEmitted(window.desk.moderated):
        press(qtbot, window, "a")
    # Said in the status bar, not a box: the moderator's next key works at once.
    assert [box for box in window.findChildren(QMessageBox) if box.isVisible()] == []
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Cannot approve #{target} (")
    assert "is already hidden (by bob at " in said
    assert "it changed while you had it open, so nothing was decided" in said
    assert status_of(database, target) is Status.HIDDEN
    # Refused, the window caught up at once: the comment has left the pending queue.
    assert target not in queue_ids(window)


def test_a_comment_open_at_another_desk_is_marked_and_passed_by(
    window: MainWindow, teammate: Database, qtbot: QtBot
) -> None:
    ids = queue_ids(window)
    assert None not in ids
    with teammate.transaction() as session:
        claims.claim(session, ids[1], holder="bob", desk="bobs-desk")  # type: ignore[arg-type]
    window.live.refresh()
    flags = window.queue.index(1, COLUMNS.index(Column.FLAGS))
    assert flags.data(ChipsRole)[0].text == "bob has it"
    assert "bob has it open at another desk" in flags.data()
    assert flags.data(Qt.ItemDataRole.FontRole).italic()
    # J goes past it, saying so; so does the move after a decision.
    assert current_id(window) == ids[0]
    press(qtbot, window, "j")
    assert current_id(window) == ids[2]
    assert window.statusBar().currentMessage() == (
        f"Skipped #{ids[1]}: bob has it open at another desk"
    )
    press(qtbot, window, "k")
    assert current_id(window) == ids[0]
    press(qtbot, window, "a")
    assert current_id(window) == ids[2]
    # Opened anyway (a click), the detail pane says who has it.
    window.commentQueue.setCurrentIndex(window.queue.index(0, 0))
    assert current_id(window) == ids[1]
    assert "bob has this comment open at another desk" in window.commentDetail.toPlainText()


def test_the_comment_open_here_is_claimed_and_released_on_close(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    target = current_id(window)
    window.live.write_claim()
    with database.session() as session:
        held = claims.claims_of_others(session, desk="someone else")
    assert {c: row.holder for c, row in held.items()} == {target: "tester"}
    press(qtbot, window, "j")
    window.live.write_claim()
    with database.session() as session:
        held = claims.claims_of_others(session, desk="someone else")
    assert list(held) == [current_id(window)]
    window.close()
    with database.session() as session:
        assert claims.claims_of_others(session, desk="someone else") == {}


def test_a_claim_left_by_this_persons_killed_desk_is_ended_when_a_desk_starts(
    window: MainWindow, teammate: Database, qtbot: QtBot
) -> None:
    ids = [comment_id for comment_id in queue_ids(window) if comment_id is not None]
    assert current_id(window) == ids[0]
    # The tester's desk before this one was killed with comment 1 open (its process has
    # ended); Bob's desk has comment 2 open.
    with subprocess.Popen([sys.executable, "-c", "pass"]) as ended:
        assert ended.wait() == 0
    with teammate.transaction() as session:
        claims.claim(session, ids[1], holder="tester", desk="killed", pid=ended.pid)
        claims.claim(session, ids[2], holder="bob", desk="bobs-desk")
    window.live.start()
    try:
        assert window.queue.claimed_by(ids[1]) is None
        assert window.queue.claimed_by(ids[2]) == "bob"
        # J stops on the tester's own comment, and then passes Bob's by.
        press(qtbot, window, "j")
        assert current_id(window) == ids[1]
        assert "open at another desk" not in window.commentDetail.toPlainText()
        press(qtbot, window, "j")
        assert current_id(window) == ids[3]
    finally:
        window.live.stop()


def test_an_import_elsewhere_is_read_keeping_the_comment_open_here(
    window: MainWindow, teammate: Database, add_article: AddArticle, qtbot: QtBot
) -> None:
    press(qtbot, window, "j")
    press(qtbot, window, "j")
    target = current_id(window)
    before = window.queue.rowCount()
    # Another desk imports into the same article: the queue reads itself again.
    import_elsewhere(teammate, window)
    window.live.refresh()
    # Read again: the new comment is in (at the end of the thread), and the comment open
    # here is still the one open (a queue read again starts at its first row otherwise).
    assert window.queue.rowCount() == before + 1 == pending_in(teammate)
    assert window.articles.article(0).comments == 7
    assert current_id(window) == target
    assert window.commentQueue.currentIndex().row() == 2


def test_a_view_read_again_midway_follows_only_what_came_after(
    window: MainWindow, teammate: Database, database: Database, qtmodeltester: ModelTester
) -> None:
    ids = queue_ids(window)
    assert ids[4] is not None
    decide_elsewhere(teammate, "bob", "approve", ids[4])
    # The window reads its lists again (a tab switched, say) before it hears of Bob's steps.
    window.queue.reload()
    window.articles.reload()
    with teammate.transaction() as session:
        moderation.restore(session, [ids[4]], actor=moderation.ensure_profile(session, "bob"))
    window.live.refresh()
    assert queue_ids(window) == ids
    assert window.queue.rowCount() == pending_in(database) == 6
    assert window.articles.article(0).pending == 6
    assert window.articles.article(0).approved == 0
    qtmodeltester.check(window.queue)


def test_several_steps_on_one_comment_at_once_leave_it_where_the_last_one_put_it(
    window: MainWindow, teammate: Database, database: Database, qtmodeltester: ModelTester
) -> None:
    ids = queue_ids(window)
    target = ids[3]
    assert target is not None
    with teammate.transaction() as session:
        bob = moderation.ensure_profile(session, "bob")
        moderation.approve(session, [target], actor=bob)
        moderation.restore(session, [target], actor=bob)
        moderation.hide(session, [target], actor=bob, reason="spam")
    window.live.refresh()
    assert queue_ids(window) == [i for i in ids if i != target]
    assert window.queue.rowCount() == pending_in(database) == 5
    assert window.articles.article(0).hidden == 1
    qtmodeltester.check(window.queue)


def test_an_import_elsewhere_during_this_desks_own_job_is_read_when_the_job_ends(
    window: MainWindow, teammate: Database, qtbot: QtBot
) -> None:
    release = threading.Event()
    job = Job(lambda _progress, _stop: release.wait(WORK_TIMEOUT_MS / 1000), window.desk)
    job.start()
    before = window.queue.rowCount()
    import_elsewhere(teammate, window)
    window.live.refresh()
    # Not under the desk's own job...
    assert window.queue.rowCount() == before
    release.set()
    # ... but once it has ended, however it ended.
    qtbot.waitUntil(lambda: window.queue.rowCount() == before + 1, timeout=WORK_TIMEOUT_MS)
