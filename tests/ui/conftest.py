"""Fixtures for the window tests: a desk on a real database and articles made to order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from moderator.domain import ReasonCode, Status
from moderator.formats.modlog import LogEntry
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.log.queries import LogFilter
from moderator.queries.queue import QueueFilter
from moderator.services.importing import import_article
from moderator.store.database import Database
from moderator.store.models import Comment
from tests.conftest import logged_decisions
from ui.comments.queue_model import CommentQueueModel
from ui.common.funnel import Desk
from ui.desk.main_window import MainWindow
from ui.dialogs.reason import ReasonChoice
from ui.log.export_flow import ExportRequest

T0 = datetime(2025, 1, 14, 8, 0, tzinfo=UTC)
HOSTILE = "<b>bold</b><script>alert(1)</script><img src=x onerror=alert(1)>"

AddArticle = Callable[..., int]
# How long a test waits for background work (an import, a rule run) to report back: generous,
# as a busy machine is slow; the wait ends as soon as the signal comes.
WORK_TIMEOUT_MS = 30_000


@pytest.fixture
def desk(database: Database) -> Desk:
    return Desk(database, actor="tester")


@pytest.fixture
def add_article(database: Database) -> AddArticle:
    """Store an article with these comment bodies (or ``count`` numbered ones); its id."""
    made = 0

    def add(
        bodies: Sequence[str] = (), *, count: int = 0, title: str | None = None, body: str = "Text."
    ) -> int:
        nonlocal made
        made += 1
        texts = list(bodies) or [f"comment {i}" for i in range(1, count + 1)]
        comments = tuple(
            IncomingComment(f"author{i % 7}", T0 + timedelta(minutes=i), text)
            for i, text in enumerate(texts)
        )
        incoming = IncomingArticle(title or f"Article {made}", body, f"a{made}.txt", comments)
        with database.transaction() as session:
            return import_article(session, incoming).article_id

    return add


def status_of(database: Database, comment_id: int) -> Status:
    with database.session() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.status


def actions_on(database: Database, comment_id: int) -> list[tuple[str, ReasonCode | None, str]]:
    """The history of a comment as (action, reason, actor name)."""
    return [
        (row.action, None if row.reason is None else ReasonCode(row.reason), row.actor)
        for row in logged_decisions(database, comment_id)
        if row.action not in {"flag", "unflag"}
    ]


def queue_model(database: Database, queue: QueueFilter | None) -> CommentQueueModel:
    """A comment queue model showing ``queue`` (None: no queue chosen)."""
    model = CommentQueueModel(database)
    model.set_queue(queue)
    return model


class Answers:
    """Stands in for the reason dialog and the file dialog, recording that they were asked."""

    def __init__(self) -> None:
        self.reason: ReasonChoice | None = None
        self.files: list[Path] = []
        self.note: str | None = ""
        self.export: ExportRequest | None = None
        self.revert = True
        self.asked: list[str] = []
        # What the last dialog asked about ("#12 (ann)").
        self.about = ""

    def pick_reason(self, _parent: QWidget, count: int, about: str = "") -> ReasonChoice | None:
        self.asked.append(f"reason for {count}")
        self.about = about
        return self.reason

    def pick_files(self, _parent: QWidget) -> Sequence[Path]:
        self.asked.append("files")
        return self.files

    def pick_note(self, _parent: QWidget, count: int, about: str = "") -> str | None:
        self.about = about
        self.asked.append(f"note for {count}")
        return self.note

    def choose_export(
        self, _parent: QWidget, _database: Database, log_filter: LogFilter
    ) -> ExportRequest | None:
        self.asked.append(f"export {log_filter.described()}")
        return self.export

    def confirm_revert(self, _parent: QWidget, entry: LogEntry) -> bool:
        self.asked.append(f"revert {entry.seq}")
        return self.revert


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def make_window(desk: Desk, answers: Answers, qtbot: QtBot) -> Callable[[], MainWindow]:
    def make() -> MainWindow:
        window = MainWindow(
            desk,
            reason_picker=answers.pick_reason,
            file_picker=answers.pick_files,
            note_picker=answers.pick_note,
            export_chooser=answers.choose_export,
            revert_confirmer=answers.confirm_revert,
        )
        qtbot.addWidget(window)
        # Single-key shortcuts only fire in the active window.
        with qtbot.waitActive(window):
            window.show()
        return window

    return make


@pytest.fixture
def demo_window(make_window: Callable[[], MainWindow], qtbot: QtBot) -> MainWindow:
    """A first start, then the demo article opened from the empty state."""
    window = make_window()
    with qtbot.waitSignal(window.desk.imported, timeout=WORK_TIMEOUT_MS):
        qtbot.mouseClick(window.empty_state.demo_button, Qt.MouseButton.LeftButton)
    return window


def press(
    qtbot: QtBot,
    window: MainWindow,
    key: str | Qt.Key,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    # The window's shortcuts only fire in the active window; a dialog of an earlier step may
    # have taken that from it for a moment.
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=WORK_TIMEOUT_MS)
    qtbot.keyClick(window.commentQueue, key, modifiers)
