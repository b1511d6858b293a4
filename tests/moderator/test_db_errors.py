"""A full disk, a read-only database, a lock held too long: the unit of work is refused as a
whole, the database stays sound, and the message says what happened in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from moderator.db_errors import explain_refusal
from moderator.domain import Status
from moderator.importer import ImportAborted, import_paths
from moderator.log_verify import verify_log
from moderator.models import Article, Comment, LogEntryRow
from moderator.services import moderation
from moderator.storage import Database
from tests.conftest import add_comments, failing_writes, full_disk, read_only

FULL = "The disk that holds the database is full. Nothing of it was saved."


def _big_article(folder: Path, comments: int) -> Path:
    lines = ["A long thread", "", "Body.", "", f"Comments {comments}"]
    for number in range(comments):
        lines += [f"Thumb reader{number} 3 March 2025, 10:{number % 60:02d}", ""]
        lines += [f"Comment number {number} says something at length. " * 5, ""]
    path = folder / "long-thread.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _sound(database: Database) -> None:
    with database.session() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert verify_log(session, workers=1).ok


def test_an_import_on_a_full_disk_stores_nothing_of_the_file(
    sqlite_database: Database, tmp_path: Path
) -> None:
    database = sqlite_database
    add_comments(database, 2, title="Before")
    path = _big_article(tmp_path, 3000)
    with full_disk(database), pytest.raises(ImportAborted) as refused:
        import_paths(database, [path], actor="ann")
    assert str(refused.value).startswith(f"{path}: {FULL} Free some space, then do it again.")
    with database.session() as session:
        assert session.scalars(select(Article.title)).all() == ["Before"]
        assert session.scalar(select(func.count(Comment.id))) == 2
    _sound(database)
    # Space again: the same file goes in whole.
    report = import_paths(database, [path], actor="ann")
    assert report.added == 3000
    _sound(database)


def test_a_decision_refused_while_writing_its_entry_leaves_nothing(
    sqlite_database: Database,
) -> None:
    database = sqlite_database
    ids = add_comments(database, 3)
    with database.session() as session:
        entries = session.scalar(select(func.count(LogEntryRow.seq)))
    with (
        failing_writes(database, "log_entry", "database or disk is full"),
        pytest.raises(OperationalError) as refused,
        database.transaction() as session,
    ):
        moderation.approve(session, ids, actor=moderation.ensure_profile(session, "ann"))
    assert explain_refusal(refused.value).startswith(FULL)
    with database.session() as session:
        assert session.scalar(select(func.count(LogEntryRow.seq))) == entries
        statuses = session.scalars(select(Comment.status).where(Comment.id.in_(ids))).all()
    assert set(statuses) == {Status.PENDING}
    _sound(database)


def test_a_read_only_database_is_read_and_refuses_writes(sqlite_database: Database) -> None:
    database = sqlite_database
    ids = add_comments(database, 2)
    with read_only(database):
        with database.session() as session:
            assert session.scalar(select(func.count(Comment.id))) == 2
        with pytest.raises(OperationalError) as refused, database.transaction() as session:
            moderation.approve(session, ids, actor=moderation.ensure_profile(session, "ann"))
    assert explain_refusal(refused.value) == (
        "The database can be read but not written (a read-only file, folder or server)."
        " Nothing of it was saved. Reading still works; to decide, open a database you may"
        " write to. (attempt to write a readonly database)"
    )
    _sound(database)


class _Refused(Exception):  # noqa: N818 - stands for a driver's error
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("driver", "opening"),
    [
        (_Refused("could not extend file: No space left on device", "53100"), FULL),
        (_Refused("cannot execute UPDATE in a read-only transaction", "25006"), "The database can"),
        (_Refused("canceling statement due to lock timeout", "55P03"), "Another program held"),
        (_Refused("terminating connection due to administrator command", "57P01"), "The connec"),
        (_Refused("database is locked"), "Another program held the database for too long."),
        (_Refused("malformed something"), "The database refused it: malformed something."),
    ],
)
def test_each_refusal_is_said_plainly(driver: _Refused, opening: str) -> None:
    error = OperationalError("UPDATE comment SET status = ?", {}, driver)
    explained = explain_refusal(error)
    assert explained.startswith(opening)
    assert "Nothing of it was saved." in explained
    # The driver's words close it, on one line, without SQLAlchemy's wrapping.
    assert str(driver) in explained
    assert "[SQL:" not in explained
