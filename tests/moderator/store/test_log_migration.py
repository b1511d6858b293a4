"""Revision 0005: the decisions kept before the log become its first entries, chained."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from moderator.formats.modlog import GENESIS
from moderator.log.queries import LogFilter, stream_entries
from moderator.log.verify import verify_log
from moderator.store.database import make_engine, open_database, upgrade

STAMP = datetime(2024, 5, 1, 12, 0, tzinfo=UTC).replace(tzinfo=None)


def test_earlier_decisions_become_a_verified_chain(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0004")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at)"
            " VALUES (1, 'Old', 'Body', 'old.txt', 'h', :t, :t)",
            "INSERT INTO author (id, name, first_seen_at) VALUES (1, 'ann', :t)",
            *(
                "INSERT INTO comment (id, article_id, position, author_id, posted_at, body,"
                f" status, escalated, fingerprint, imported_at) VALUES ({i}, 1, {i}, 1, :t,"
                f" 'c{i}', '{status}', {escalated}, 'f{i}', :t)"
                for i, status, escalated in (
                    (1, "hidden", 0),  # hidden, escalated, escalation undone
                    (2, "approved", 0),  # approved by hand before there was a log
                    (3, "pending", 1),  # escalated and still so
                )
            ),
            "INSERT INTO profile (id, name, role, created_at) VALUES (1, 'mod', 'moderator', :t)",
            "INSERT INTO profile (id, name, role, created_at) VALUES (2, 'ed', 'editor', :t)",
            "INSERT INTO moderation_action (id, comment_id, actor_id, role, action, from_status,"
            " to_status, reason, note, created_at) VALUES"
            " (1, 1, 1, 'moderator', 'hide', 'pending', 'hidden', 'spam', NULL, :t),"
            " (2, 1, 1, 'moderator', 'escalate', 'hidden', 'hidden', NULL, 'look', :t),"
            " (3, 3, 2, 'editor', 'escalate', 'pending', 'pending', NULL, NULL, :t),"
            " (4, 1, 1, 'moderator', 'undo', 'hidden', 'hidden', NULL,"
            " 'undo of action #2 (escalate)', :t)",
        ):
            connection.execute(text(statement), {"t": STAMP})
    engine.dispose()

    database = open_database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            entries = list(stream_entries(session, LogFilter()))
            found = verify_log(session)
            gone = session.execute(
                text("SELECT name FROM sqlite_master WHERE name = 'moderation_action'")
            ).all()
    finally:
        database.close()
    assert found.ok, found.summary()
    assert gone == []
    assert [
        (e.seq, e.actor, e.role, e.action, e.comment, e.to_status, e.escalated, e.reverts)
        for e in entries
    ] == [
        (1, "mod", "moderator", "hide", 1, "hidden", False, None),
        (2, "mod", "moderator", "escalate", 1, "hidden", True, None),
        (3, "ed", "editor", "escalate", 3, "pending", True, None),
        (4, "mod", "moderator", "undo", 1, "hidden", False, 2),
        (5, "system", "system", "carry-over", 2, "approved", False, None),
        # What `log verify` holds the comments and roles from before the log to (0014).
        (6, "system", "system", "baseline", None, None, None, None),
    ]
    said = entries[-1].evidence_object()
    assert said == {
        "comments_before": 3,
        "last_comment_before": 3,
        "profiles": {"mod": "moderator", "ed": "editor"},
    }
    assert found.partly_checked == 3
    assert entries[0].prev == GENESIS
    assert entries[0].time == STAMP.replace(tzinfo=UTC)
    assert entries[0].reason == "spam"


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        (
            "INSERT INTO comment (id, article_id, position, author_id, posted_at, body, status,"
            " escalated, fingerprint, imported_at) VALUES (9, 1, 9, 1, :t, 'planted', 'pending',"
            " 0, 'f9', :t)",
            "without an import entry (stored behind the log's back): 9",
        ),
        ("DELETE FROM comment WHERE id = 2", "and 1 are now: comments were deleted behind"),
        (
            "UPDATE profile SET role = 'editor' WHERE name = 'mod'",
            "'mod' (profile 1) is editor, but its last role entry",
        ),
    ],
    ids=["a comment planted after", "a comment deleted", "a role changed"],
)
def test_what_was_stored_before_the_log_is_held_to_the_baseline(
    tmp_path: Path, statement: str, said: str | None
) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0013")
    with engine.begin() as connection:
        for setup in (
            "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at,"
            " locked) VALUES (1, 'Old', 'Body', 'old.txt', 'h', :t, :t, 0)",
            "INSERT INTO author (id, name, first_seen_at) VALUES (1, 'ann', :t)",
            "INSERT INTO comment (id, article_id, position, author_id, posted_at, body, status,"
            " escalated, fingerprint, imported_at) VALUES (1, 1, 1, 1, :t, 'c1', 'pending', 0,"
            " 'f1', :t), (2, 1, 2, 1, :t, 'c2', 'pending', 0, 'f2', :t)",
            "INSERT INTO profile (id, name, role, created_at) VALUES (1, 'mod', 'moderator', :t)",
        ):
            connection.execute(text(setup), {"t": STAMP})
    engine.dispose()
    database = open_database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            assert verify_log(session).ok
        with database.engine.begin() as connection:
            connection.execute(text(statement), {"t": STAMP})
        with database.session() as session:
            found = verify_log(session)
    finally:
        database.close()
    assert said in found.summary()
