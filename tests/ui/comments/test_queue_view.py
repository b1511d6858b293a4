"""The queue's columns: the comment's text keeps a readable width however narrow the queue."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from moderator.store.database import Database
from tests.ui.conftest import queue_model
from ui.comments.queue_model import COLUMNS, Column
from ui.comments.queue_view import CommentQueueView


def comment_width(view: CommentQueueView) -> int:
    return view.horizontalHeader().sectionSize(COLUMNS.index(Column.EXCERPT))


def test_a_narrow_queue_keeps_the_comment_readable_and_scrolls(
    qtbot: QtBot, database: Database
) -> None:
    """At 1024x700 with the Likely column shown, the comment shrank to a letter ("T…")."""
    view = CommentQueueView(queue_model(database, None))
    qtbot.addWidget(view)
    view.resize(520, 300)
    view.show()
    qtbot.waitExposed(view)
    assert comment_width(view) >= view.comment_min_width
    # Wide again: the comment takes the room that is left, with no sideways scrolling.
    view.resize(1600, 300)
    qtbot.waitUntil(lambda: comment_width(view) > 2 * view.comment_min_width)
    header = view.horizontalHeader()
    assert header.length() <= view.viewport().width()
