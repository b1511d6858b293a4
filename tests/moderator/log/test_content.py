"""`log verify` against the stored rows: each change made by raw SQL behind the log's back
(comments' text, author and article, roles, locks, notes, flags) is named by its id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

import moderator.rules.kinds  # noqa: F401 - registers the built-in kinds
from moderator.domain import Role
from moderator.formats.modlog import evidence_text
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.log.details import evidence_lines
from moderator.log.queries import LogFilter, stream_entries
from moderator.log.verify import LogVerification, verify_log
from moderator.rules.loader import load_rule_set
from moderator.services import moderation, notes
from moderator.services.flagging import added_comment_ids, flag_comments
from moderator.services.history import Actor, NewEntry, append
from moderator.services.importing import import_article
from moderator.services.review import set_locked
from moderator.store.database import Database
from moderator.store.models import Article, Author, Comment

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
RULES = """
[ruleset]
name = "Content test"

[[rule]]
id = "insults"
kind = "words"
terms = ["idiot"]
severity = "medium"
"""
BODIES = ("Fair point.", "You idiot.", "Agreed.", "Not so sure.")


@dataclass(frozen=True)
class Desk:
    """What the fixture made: two articles' comments (the second article locked)."""

    first: list[int]
    second: list[int]
    second_article: int


def _import(database: Database, title: str, rules: Path) -> tuple[int, list[int]]:
    article = IncomingArticle(
        title=title,
        body="Body",
        source=f"{title}.txt",
        comments=tuple(IncomingComment(f"a{i}", T0, body) for i, body in enumerate(BODIES)),
    )
    with database.transaction() as session:
        actor = Actor.of(moderation.ensure_profile(session, "ann"))
        change = import_article(session, article, actor=actor)
        ids = added_comment_ids(session, change.article_id, change.added_fingerprints)
        flag_comments(session, load_rule_set(rules), ids)
    return change.article_id, sorted(ids)


@pytest.fixture
def desk(database: Database, tmp_path: Path) -> Desk:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    _, first = _import(database, "One", rules)
    second_article, second = _import(database, "Two", rules)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        ed = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        moderation.approve(session, [first[0]], actor=ann)
        notes.note_comment(session, first[2], "watch this one", actor=ann)
        notes.note_author(session, "a3", "warned once", actor=ed)
        set_locked(session, second_article, locked=True, actor=ed)
    return Desk(first, second, second_article)


def _verified(database: Database) -> LogVerification:
    with database.session() as session:
        return verify_log(session, workers=1)


def _sql(database: Database, statement: str, **values: object) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(statement), values)


def _problem(found: LogVerification, words: str) -> str:
    assert not found.ok
    named = [problem for problem in found.problems if words in problem]
    assert named, found.problems
    return named[0]


def test_a_clean_database_verifies_every_comment_in_full(database: Database, desk: Desk) -> None:
    found = _verified(database)
    assert found.ok, found.problems
    assert found.comments == 8
    assert found.partly_checked == 0
    assert "8 comments match their import records" in found.summary()


def test_an_import_records_each_comment_and_shows_it_briefly(
    database: Database, desk: Desk
) -> None:
    with database.session() as session:
        imports = list(stream_entries(session, LogFilter(action="import")))
    record = imports[0].evidence_object()
    assert record is not None
    assert record["comments"]["ids"] == [[desk.first[0], desk.first[-1]]]
    assert len(record["comments"]["sha256"]) == 4
    shown = "\n".join(evidence_lines(record))
    assert f"Comments recorded: 4 (ids {desk.first[0]}-{desk.first[-1]};" in shown
    assert record["comments"]["sha256"][0] not in shown


Tamper = Callable[[Database, Desk], tuple[str, str]]


def _edit_body(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE comment SET body = 'edited' WHERE id = :id", id=desk.first[3])
    return "text or author", f"{desk.first[3]} (entry"


def _edit_decided_body(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE comment SET body = 'edited' WHERE id = :id", id=desk.first[0])
    return "text or author", f"{desk.first[0]} (entry"


def _change_author(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(
        database,
        "UPDATE comment SET author_id = (SELECT id FROM author WHERE name = 'a0') WHERE id = :id",
        id=desk.first[3],
    )
    return "text or author", f"{desk.first[3]} (entry"


def _rename_author(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE author SET name = 'someone else' WHERE name = 'a3'")
    return "text or author", f"{desk.first[3]} (entry"


def _move_comment(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(
        database,
        "UPDATE comment SET article_id = :article, fingerprint = 'moved' WHERE id = :id",
        article=desk.second_article,
        id=desk.first[3],
    )
    return "moved to another article", f"{desk.first[3]} (imported into article"


def _insert_comment(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(
        database,
        "INSERT INTO comment (article_id, position, author_id, posted_at, body, status,"
        " escalated, fingerprint, imported_at, urgency, hide_rank, version)"
        " SELECT article_id, 99, author_id, posted_at, 'planted', 'pending', false,"
        " 'planted', imported_at, 3, 10000, 0 FROM comment WHERE id = :id",
        id=desk.first[3],
    )
    with database.session() as session:
        planted = session.query(Comment.id).filter(Comment.body == "planted").scalar()
    return "without an import entry", str(planted)


def _delete_comment(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "DELETE FROM comment WHERE id = :id", id=desk.first[3])
    return "no longer stored", f"{desk.first[3]} (entry"


def _promote(database: Database, _desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE profile SET role = 'editor' WHERE name = 'ann'")
    return "role is not the one", "'ann'"


def _demote(database: Database, _desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE profile SET role = 'moderator' WHERE name = 'ed'")
    return "role is not the one", "'ed'"


def _new_editor(database: Database, _desk: Desk) -> tuple[str, str]:
    _sql(
        database,
        "INSERT INTO profile (name, role, created_at) VALUES ('eve', 'editor', :at)",
        at="2024-03-01 09:00:00.000000",
    )
    return "role is not the one", "'eve'"


def _unlock(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE article SET locked = false WHERE id = :id", id=desk.second_article)
    return "locked or unlocked without", f"{desk.second_article} (unlocked"


def _lock(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE article SET locked = true WHERE id <> :id", id=desk.second_article)
    return "locked or unlocked without", "(locked; no entry locked it)"


def _edit_note(database: Database, _desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE note SET text = 'nothing to see' WHERE text = 'watch this one'")
    return "note(s) that are not", "text or author differs"


def _move_note(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(
        database, "UPDATE note SET comment_id = :id WHERE comment_id IS NOT NULL", id=desk.first[1]
    )
    return "note(s) that are not", "not on what entry"


def _delete_note(database: Database, _desk: Desk) -> tuple[str, str]:
    _sql(database, "DELETE FROM note WHERE author_id IS NOT NULL")
    return "note entries whose note", "entry "


def _edit_flag(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "UPDATE flag SET severity = 'low' WHERE comment_id = :id", id=desk.first[1])
    return "flags are not", f"{desk.first[1]} (entry"


def _delete_flag(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(database, "DELETE FROM flag WHERE comment_id = :id", id=desk.second[1])
    return "flags are not", f"{desk.second[1]} (entry"


def _add_flag(database: Database, desk: Desk) -> tuple[str, str]:
    _sql(
        database,
        "INSERT INTO flag (comment_id, rule_id, rule_set_version, severity, spans, explanation,"
        " created_at) VALUES (:id, 'insults', 'x', 'high', '[[0, 4]]', 'planted', :at)",
        id=desk.first[3],
        at="2024-03-01 09:00:00.000000",
    )
    return "flags are not", str(desk.first[3])


TAMPERING: dict[str, Tamper] = {
    "edit a pending comment's text": _edit_body,
    "edit a decided comment's text": _edit_decided_body,
    "give a comment another author": _change_author,
    "rename an author": _rename_author,
    "move a comment to another article": _move_comment,
    "insert a pending comment": _insert_comment,
    "delete a comment no decision names": _delete_comment,
    "make a moderator an editor": _promote,
    "demote an editor": _demote,
    "insert an editor": _new_editor,
    "unlock an article": _unlock,
    "lock an article": _lock,
    "edit a note": _edit_note,
    "move a note": _move_note,
    "delete a note": _delete_note,
    "change a flag's severity": _edit_flag,
    "delete a flag": _delete_flag,
    "add a flag": _add_flag,
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_each_change_behind_the_logs_back_is_named(
    database: Database, desk: Desk, kind: str
) -> None:
    what, named = TAMPERING[kind](database, desk)
    problem = _problem(_verified(database), what)
    assert named in problem


def _old_import(database: Database, title: str, bodies: tuple[str, ...]) -> list[int]:
    """An import as Moderator logged them before each comment was recorded: rows, and one
    entry saying how many were added."""
    now = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
    with database.transaction() as session:
        article = Article(
            title=title,
            body="Body",
            source="old.txt",
            content_hash=title.ljust(64, "0"),
            imported_at=now,
        )
        author = Author(name=f"old-{title}", first_seen_at=now)
        session.add_all([article, author])
        session.flush()
        comments = [
            Comment(
                article_id=article.id,
                position=i,
                author_id=author.id,
                posted_at=T0,
                body=body,
                fingerprint=f"{title}{i}",
                imported_at=now,
            )
            for i, body in enumerate(bodies)
        ]
        session.add_all(comments)
        session.flush()
        evidence = {"source": "old.txt", "article_sha256": "0" * 64, "added": len(bodies)}
        append(
            session,
            Actor("ann", "moderator"),
            [NewEntry("import", article_id=article.id, evidence=evidence_text(evidence))],
            at=now,
        )
        return [comment.id for comment in comments]


@pytest.fixture
def old_desk(database: Database) -> tuple[list[int], list[int]]:
    first = _old_import(database, "Old", BODIES)
    second = _old_import(database, "Older", BODIES[:2])
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        moderation.approve(session, [first[0]], actor=ann)
    return first, second


def test_comments_imported_before_the_records_are_checked_partly_and_counted(
    database: Database, old_desk: tuple[list[int], list[int]]
) -> None:
    found = _verified(database)
    assert found.ok, found.problems
    assert found.partly_checked == 6
    assert "6 comments imported before imports recorded each comment" in found.summary()


def test_an_old_decided_comment_edited_or_moved_is_named(
    database: Database, old_desk: tuple[list[int], list[int]]
) -> None:
    first, _ = old_desk
    _sql(database, "UPDATE comment SET body = 'edited' WHERE id = :id", id=first[0])
    assert f"{first[0]} (entry" in _problem(_verified(database), "last decision recorded")
    _sql(
        database,
        "UPDATE comment SET article_id = (SELECT article_id FROM comment WHERE id = :other)"
        " WHERE id = :id",
        other=old_desk[1][0],
        id=first[0],
    )
    assert f"{first[0]} (entry" in _problem(_verified(database), "than their last entry names")


@pytest.mark.parametrize("same_time", [True, False], ids=["as of its import", "another time"])
def test_a_comment_planted_among_old_ones_is_caught(
    database: Database, old_desk: tuple[list[int], list[int]], same_time: bool
) -> None:
    _, second = old_desk
    _sql(
        database,
        "INSERT INTO comment (article_id, position, author_id, posted_at, body, status,"
        " escalated, fingerprint, imported_at, urgency, hide_rank, version)"
        " SELECT article_id, 99, author_id, posted_at, 'planted', 'pending', false,"
        f" 'planted', {'imported_at' if same_time else ':later'}, 3, 10000, 0"
        " FROM comment WHERE id = :id",
        id=second[0],
        **({} if same_time else {"later": "2024-02-02 08:00:00.000000"}),
    )
    found = _verified(database)
    if same_time:
        assert "which added 2" in _problem(found, "comments were added behind the log's back")
    else:
        assert _problem(found, "without an import entry")
