"""Following other desks: the log's new entries as change records, and the watcher that says
there are some (LISTEN/NOTIFY on PostgreSQL, polling on SQLite)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from moderator.domain import ReasonCode, Role
from moderator.services import claims, moderation, notes
from moderator.services.live import LogActivity, LogWatcher, activity_since, log_head
from moderator.services.review import resolve
from moderator.store.database import Database
from moderator.store.models import LogEntryRow
from tests.conftest import add_comments

# Generous: a watcher on a busy CI machine may be slow; a failure here means "never".
PATIENCE_SECONDS = 20


@pytest.fixture
def ids(database: Database) -> list[int]:
    made = add_comments(database, 4)
    with database.transaction() as session:
        moderation.ensure_profile(session, "ed", role=Role.EDITOR)
    return made


def steps_of(activity: LogActivity) -> list[tuple[object, ...]]:
    """Each step as (action, actor, comment, from, to, was escalated, escalated), in order."""
    return [
        (
            str(change.action),
            change.actor,
            step.comment_id,
            str(step.from_status),
            str(step.to_status),
            step.was_escalated,
            step.escalated,
        )
        for change in activity.changes
        for step in change.comments
    ]


def test_others_decisions_come_back_step_by_step_in_log_order(
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
    # ids[3] was this desk's own; the note is another kind of entry.
    assert steps_of(activity) == [
        ("approve", "ann", ids[0], "pending", "approved", False, False),
        ("hide", "ed", ids[0], "approved", "hidden", False, False),
        ("hide", "ed", ids[1], "pending", "hidden", False, False),
        ("escalate", "ann", ids[2], "pending", "pending", False, True),
    ]
    # One record per run of steps alike: ed's hide of two comments is one, with its reason.
    assert [(str(c.action), len(c.comments), c.reason) for c in activity.changes] == [
        ("approve", 1, None),
        ("hide", 2, ReasonCode.SPAM),
        ("escalate", 1, None),
    ]
    with database.session() as session:
        head = log_head(session)
        seqs = list(
            session.scalars(
                select(LogEntryRow.seq)
                .where(
                    LogEntryRow.seq > since, LogEntryRow.action.in_(["approve", "hide", "escalate"])
                )
                .order_by(LogEntryRow.seq)
            )
        )
    assert activity.head == head
    assert [step.entry_seq for c in activity.changes for step in c.comments] == [
        seq for seq in seqs if seq != mine.comments[0].entry_seq
    ]
    assert "note" in activity.other
    with database.session() as session:
        assert activity_since(session, head).empty
        assert activity_since(session, since, limit=2).overflow


def test_what_escalation_each_step_found_is_known_for_undo_and_editors(
    database: Database, ids: list[int]
) -> None:
    with database.session() as session:
        since = log_head(session)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        ed = moderation.ensure_profile(session, "ed")
        escalated = moderation.escalate(session, [ids[0]], actor=ann)
        moderation.undo(session, escalated, actor=ann)
        moderation.escalate(session, [ids[1]], actor=ann)
        upheld = resolve(session, [ids[1]], actor=ed, outcome="uphold", note="n", reason="abuse")
        moderation.undo(session, upheld, actor=ed)
    with database.session() as session:
        activity = activity_since(session, since)
    assert steps_of(activity) == [
        ("escalate", "ann", ids[0], "pending", "pending", False, True),
        # Undoing the escalation found it escalated and left it not.
        ("undo", "ann", ids[0], "pending", "pending", True, False),
        ("escalate", "ann", ids[1], "pending", "pending", False, True),
        ("uphold", "ed", ids[1], "pending", "hidden", True, False),
        # Undoing the uphold found it upheld (no longer escalated) and escalated it again.
        ("undo", "ed", ids[1], "hidden", "pending", False, True),
    ]


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
