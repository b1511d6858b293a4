"""Following other desks: the log's new entries as change records, and the watcher that says
there are some (LISTEN/NOTIFY on PostgreSQL, polling on SQLite)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from moderator.domain import ActionKind, Role, Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.live import LogWatcher, activity_since, log_head
from moderator.models import Comment
from moderator.services import claims, moderation, notes
from moderator.services.importing import import_article
from moderator.storage import Database, open_database

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
# Generous: a watcher on a busy CI machine may be slow; a failure here means "never".
PATIENCE_SECONDS = 20


@pytest.fixture
def ids(database: Database) -> list[int]:
    article = IncomingArticle(
        "T", "B", "t.txt", tuple(IncomingComment(f"a{i}", T0, f"c{i}") for i in range(4))
    )
    with database.transaction() as session:
        import_article(session, article)
        moderation.ensure_profile(session, "ed", role=Role.EDITOR)
    with database.session() as session:
        return list(session.scalars(select(Comment.id).order_by(Comment.id)))


@pytest.fixture
def other_desk(database: Database) -> Iterator[Database]:
    other = open_database(database.engine.url.render_as_string(hide_password=False))
    yield other
    other.close()


def test_others_decisions_come_back_as_one_net_step_per_comment(
    database: Database, ids: list[int]
) -> None:
    with database.session() as session:
        since = log_head(session)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        ed = moderation.ensure_profile(session, "ed")
        moderation.approve(session, [ids[0]], actor=ann)
        mine = moderation.approve(session, [ids[3]], actor=ann)
        moderation.hide(session, [ids[0], ids[1]], actor=ed, reason="spam")
        moderation.escalate(session, [ids[2]], actor=ann)
        notes.note_comment(session, ids[2], "look at the link", actor=ann)
    with database.session() as session:
        activity = activity_since(session, since, skip={mine.comments[0].entry_seq})
    steps = {
        step.comment_id: (
            change.action,
            change.actor,
            step.from_status,
            step.to_status,
            step.escalated,
        )
        for change in activity.changes
        for step in change.comments
    }
    # ids[0]: approved then hidden, one step from pending to hidden; ids[3] was this desk's.
    assert steps == {
        ids[0]: (ActionKind.HIDE, "ed", Status.PENDING, Status.HIDDEN, False),
        ids[1]: (ActionKind.HIDE, "ed", Status.PENDING, Status.HIDDEN, False),
        ids[2]: (ActionKind.ESCALATE, "ann", Status.PENDING, Status.PENDING, True),
    }
    with database.session() as session:
        head = log_head(session)
        versions = dict(session.execute(select(Comment.id, Comment.version)).all())
    assert activity.head == head
    # Each step names its comment's latest entry: the version a view then holds.
    assert all(
        step.entry_seq == versions[step.comment_id] for c in activity.changes for step in c.comments
    )
    assert "note" in activity.other
    with database.session() as session:
        assert activity_since(session, head).empty
        assert activity_since(session, since, limit=2).overflow


def _watch(database: Database) -> tuple[LogWatcher, threading.Event]:
    called = threading.Event()
    watcher = LogWatcher(database, called.set, poll_seconds=0.05)
    watcher.start()
    return watcher, called


def test_the_watcher_hears_another_desks_decision_and_claim(
    database: Database, other_desk: Database, ids: list[int]
) -> None:
    watcher, called = _watch(database)
    try:
        # It may call once on starting (PostgreSQL looks at what it may have missed).
        called.wait(1)
        called.clear()
        with other_desk.transaction() as session:
            moderation.approve(session, [ids[0]], actor=moderation.ensure_profile(session, "ann"))
        assert called.wait(PATIENCE_SECONDS), "no word of a committed decision"
        called.clear()
        with other_desk.transaction() as session:
            claims.claim(session, ids[1], holder="ann", desk="elsewhere")
        assert called.wait(PATIENCE_SECONDS), "no word of a new claim"
    finally:
        watcher.stop()
