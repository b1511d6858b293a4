"""The status bar's log badge follows the log: this desk's work and other desks', counted in
words ("1 entry"), without checking the whole chain again on each decision."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from moderator.services import moderation, notes
from moderator.services.live import log_head
from moderator.store.database import Database
from tests.ui.conftest import WORK_TIMEOUT_MS, AddArticle, press
from ui.desk.main_window import MainWindow
from ui.log.status import entries


@pytest.fixture
def window(make_window: Callable[[], MainWindow], add_article: AddArticle) -> MainWindow:
    add_article(count=6)
    return make_window()


def head_of(database: Database) -> int:
    with database.session() as session:
        return log_head(session)


def verified(window: MainWindow, qtbot: QtBot) -> None:
    job = window.log.status.verify()
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=WORK_TIMEOUT_MS):
        pass


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "0 entries"), (1, "1 entry"), (2, "2 entries"), (1_234_567, "1,234,567 entries")],
)
def test_entries_are_counted_in_words(count: int, said: str) -> None:
    assert entries(count) == said


def test_a_log_of_one_entry_is_one_entry(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    assert head_of(database) == 1  # the import
    assert window.log.badge.text() == "Log: 1 entry, not checked yet"
    verified(window, qtbot)
    assert window.log.badge.text() == "Log verified ✓ 1 entry"


def test_the_badge_follows_this_desks_decisions_without_checking_again(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    verified(window, qtbot)
    check = window.log.status.job
    press(qtbot, window, "a")
    grown = head_of(database)
    assert grown > 1
    assert window.log.badge.text() == f"Log: {grown} entries, first 1 verified ✓"
    assert f"{grown - 1} entr" in window.log.badge.toolTip()
    assert "added since, not checked yet" in window.log.badge.toolTip()
    press(qtbot, window, "a")
    assert head_of(database) == grown + 1
    assert window.log.badge.text() == f"Log: {grown + 1} entries, first 1 verified ✓"
    # The chain was read once, at the check asked for; a decision only counts.
    assert window.log.status.job is check
    assert not window.log.status.checking
    # Checked again, it covers them all.
    verified(window, qtbot)
    assert window.log.badge.text() == f"Log verified ✓ {grown + 1} entries"


def test_the_badge_follows_a_note_left_here(
    window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    verified(window, qtbot)
    comment_id = window.queue.comment_id(0)
    assert comment_id is not None
    window.desk.note_comment(comment_id, "asked legal")
    assert window.log.badge.text() == f"Log: {head_of(database)} entries, first 1 verified ✓"


def test_the_badge_follows_another_desks_work(
    window: MainWindow, other_desk: Database, qtbot: QtBot
) -> None:
    verified(window, qtbot)
    comment_id = window.queue.comment_id(2)
    assert comment_id is not None
    with other_desk.transaction() as session:
        bob = moderation.ensure_profile(session, "bob")
        moderation.hide(session, [comment_id], actor=bob, reason="spam")
    with qtbot.waitSignal(window.desk.arrived, timeout=WORK_TIMEOUT_MS):
        window.live.refresh()
    grown = head_of(other_desk)
    assert window.log.badge.text() == f"Log: {grown:,} entries, first 1 verified ✓"
    # A note elsewhere is no decision: it reaches the desk as work done elsewhere.
    with other_desk.transaction() as session:
        notes.note_comment(
            session, comment_id, "spam wave", actor=moderation.ensure_profile(session, "bob")
        )
    with qtbot.waitSignal(window.desk.elsewhere, timeout=WORK_TIMEOUT_MS):
        window.live.refresh()
    assert window.log.badge.text() == f"Log: {grown + 1:,} entries, first 1 verified ✓"
