"""The Desk: one unit of work per action, then a signal carrying the change record."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from moderator.domain import ActionKind, ReasonCode, Role, Status
from moderator.domain.errors import MissingInputError, TransitionError
from moderator.imports.importer import ImportReport
from moderator.queries.queue import QueueFilter, list_queue
from moderator.queries.snapshots import get_profile
from moderator.resources import DEMO_ARTICLE
from moderator.services.changes import ModerationChange
from moderator.services.moderation import ensure_profile
from moderator.store.database import Database
from tests.ui.conftest import WORK_TIMEOUT_MS, AddArticle, actions_on, status_of
from ui.common.funnel import Desk


def comment_ids(database: Database, article_id: int) -> list[int]:
    with database.session() as session:
        return [row.id for row in list_queue(session, QueueFilter(article_id=article_id))]


def test_approve_commits_then_emits_the_change(
    database: Database, add_article: AddArticle, desk: Desk, qtbot: QtBot
) -> None:
    first, second = comment_ids(database, add_article(count=2))
    seen: list[Status] = []
    # A listener re-reads the database: the change must be committed by the time it hears.
    desk.moderated.connect(lambda _change: seen.append(status_of(database, first)))

    with qtbot.waitSignal(desk.moderated) as blocker:
        returned = desk.approve([first, second])
    change = blocker.args[0]
    assert isinstance(change, ModerationChange)
    assert change is returned
    assert change.action is ActionKind.APPROVE
    assert change.actor == "tester"
    assert change.comment_ids == (first, second)
    assert seen == [Status.APPROVED]
    assert actions_on(database, first) == [("approve", None, "tester")]


def test_hide_restore_and_escalate_record_what_was_asked(
    database: Database, add_article: AddArticle, desk: Desk
) -> None:
    (comment,) = comment_ids(database, add_article(count=1))
    hidden = desk.hide([comment], ReasonCode.SPAM, "shop links")
    assert (hidden.reason, hidden.note) == (ReasonCode.SPAM, "shop links")
    assert status_of(database, comment) is Status.HIDDEN
    desk.restore([comment])
    assert status_of(database, comment) is Status.PENDING
    escalated = desk.escalate([comment], "legal should look")
    assert escalated.comments[0].escalated
    assert [action for action, _, _ in actions_on(database, comment)] == [
        "hide",
        "restore",
        "escalate",
    ]


def test_a_refused_decision_raises_and_emits_nothing(
    database: Database, add_article: AddArticle, desk: Desk, qtbot: QtBot
) -> None:
    first, second = comment_ids(database, add_article(count=2))
    desk.approve([first])
    with qtbot.assertNotEmitted(desk.moderated), pytest.raises(TransitionError):
        desk.approve([second, first])
    # All or nothing: the comment that could have been approved was not.
    assert status_of(database, second) is Status.PENDING
    with qtbot.assertNotEmitted(desk.moderated), pytest.raises(MissingInputError):
        desk.hide([second], ReasonCode.OTHER, "  ")


def test_import_emits_the_report(database: Database, desk: Desk, qtbot: QtBot) -> None:
    with qtbot.waitSignal(desk.imported, timeout=WORK_TIMEOUT_MS) as blocker:
        report = desk.import_paths([DEMO_ARTICLE])
    assert blocker.args == [report]
    assert isinstance(report, ImportReport)
    assert [change.title for change in report.imported] == [
        "Harbour Ferry Fares to Rise 15 Percent as Council Closes Budget Gap"
    ]
    assert report.added == 12


def test_import_reports_bad_files_by_file_and_line(
    desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Title\n\nBody.\n\nComments 1\nThumb Bob 14 Smarch 2025, 08:02\n\nHello.\n")
    with qtbot.waitSignal(desk.imported, timeout=WORK_TIMEOUT_MS):
        report = desk.import_paths([bad])
    assert report.imported == []
    assert [str(error) for error in report.failed] == [
        f"{bad}:6: unknown month 'Smarch' in comment header"
    ]


def test_the_acting_profile(
    database: Database, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    monkeypatch.setenv("MODERATOR_USER", " Ana ")
    assert Desk(database).actor == "Ana"
    assert Desk(database).role is Role.MODERATOR
    with database.session() as session:
        assert get_profile(session, "Ana") is None  # reading the role writes nothing
    with database.transaction() as session:
        ensure_profile(session, "Ana", role=Role.EDITOR)
    assert Desk(database).role is Role.EDITOR
    monkeypatch.setenv("MODERATOR_USER", "")
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    assert Desk(database).actor == "login-name"
