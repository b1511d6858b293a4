"""Import runs: parallel parsing gives the same result as parsing in process."""

from __future__ import annotations

import gc
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import moderator.rules.kinds  # noqa: F401 - registers the built-in kinds
from moderator.domain import Status
from moderator.formats.records import IncomingArticle
from moderator.imports import importer
from moderator.imports import parts as import_parts
from moderator.imports.files import read_import_file
from moderator.imports.importer import import_paths
from moderator.log.verify import verify_log
from moderator.rules.loader import load_rule_set
from moderator.rules.model import CommentSnapshot, RuleSet
from moderator.services import moderation
from moderator.services.flagging import added_comment_ids, flag_comments
from moderator.services.history import Actor
from moderator.services.importing import import_article
from moderator.store.database import Database, open_database
from moderator.store.models import Author, Comment, Flag, LogEntryRow

ARTICLE = (
    "Title {n}\n\nBody {n}.\n\nComments 2\n"
    "Thumb ann 1 May 2020, 10:00\n\nHi {n}.\n\n"
    "Missing bob 1 May 2020, 11:00\n\nYo {n}.\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "scrapes"
    root.mkdir()
    for n in range(5):
        (root / f"{n}.txt").write_text(ARTICLE.format(n=n), encoding="utf-8")
    (root / "2.txt").write_text("only a title\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parallel"])
def test_runs_report_the_same_whichever_way_they_parse(
    database: Database, folder: Path, parallel: bool
) -> None:
    seen: list[tuple[int, int, str]] = []
    report = import_paths(
        database,
        [folder],
        parallel=parallel,
        progress=lambda done, total, path: seen.append((done, total, path.name)),
    )
    assert [change.title for change in report.imported] == [
        "Title 0",
        "Title 1",
        "Title 3",
        "Title 4",
    ]
    assert [f"{error.source}:{error.line}" for error in report.failed] == [f"{folder / '2.txt'}:1"]
    assert report.added == 8
    assert seen == [(n + 1, 5, f"{n}.txt") for n in range(5)]


def test_a_helper_that_dies_is_replaced_by_parsing_here(
    database: Database, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = importer.read_import_file
    parsed_here: list[str] = []

    def dies_on_the_fourth_file(path: Path) -> IncomingArticle | str:
        # The helper is forked after this patch, so it runs this too, in another process.
        if os.getpid() != parent and path.name == "3.txt":
            os._exit(9)
        if os.getpid() == parent:
            parsed_here.append(path.name)
        return real(path)

    monkeypatch.setattr(importer, "read_import_file", dies_on_the_fourth_file)
    report = import_paths(database, [folder], parallel=True)
    assert [change.title for change in report.imported] == [
        "Title 0",
        "Title 1",
        "Title 3",
        "Title 4",
    ]
    assert len(report.failed) == 1
    # From the file it died on (or, if its death was noticed early, a little before), every
    # file was parsed here.
    names = [f"{n}.txt" for n in range(5)]
    assert parsed_here[-2:] == ["3.txt", "4.txt"]
    assert parsed_here == names[names.index(parsed_here[0]) :]


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parallel"])
def test_a_run_stops_between_files_and_keeps_those_done(
    database: Database, folder: Path, parallel: bool
) -> None:
    done: list[str] = []
    report = import_paths(
        database,
        [folder],
        parallel=parallel,
        progress=lambda _done, _total, path: done.append(path.name),
        stop=lambda: len(done) == 2,
    )
    assert (report.files, report.stopped) == (5, True)
    assert done == ["0.txt", "1.txt"]
    assert [change.title for change in report.imported] == ["Title 0", "Title 1"]
    # Nothing of the files after the stop was written.
    again = import_paths(database, [folder])
    assert [(change.title, change.created) for change in again.imported] == [
        ("Title 0", False),
        ("Title 1", False),
        ("Title 3", True),
        ("Title 4", True),
    ]
    assert not again.stopped


CAMPAIGN_RULES = """
[ruleset]
name = "Lock"

[[rule]]
id = "insults"
kind = "words"
terms = ["idiot"]
severity = "medium"
action = "hide"

[[rule]]
id = "campaign"
kind = "campaign"
severity = "low"
min_authors = 2
"""
COPY = "Vote for the ferry levy now, before the council quietly buries it again."


def _campaign_file(path: Path, title: str, authors: tuple[str, ...], *, last: str = "zed") -> Path:
    comments = "".join(
        f"{author} 1 May 2020, 1{n}:00\n\n{COPY}\n\n" for n, author in enumerate(authors)
    )
    text = f"{title}\n\nBody.\n\nComments {len(authors) + 1}\n{comments}"
    text += f"{last} 1 May 2020, 19:00\n\nYou idiot.\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def campaign_rules(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.toml"
    path.write_text(CAMPAIGN_RULES, encoding="utf-8")
    return load_rule_set(path)


def writer_is_free(database: Database) -> bool:
    """Whether another desk could write now: a write lock taken with no wait at all."""
    if database.engine.dialect.name != "sqlite":
        return True  # there, what desks wait on is the log's head, taken with the write
    raw = sqlite3.connect(str(database.engine.url.database), timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    finally:
        raw.close()
    return True


def test_rules_are_checked_before_the_write_lock_is_taken(
    database: Database, tmp_path: Path, campaign_rules: RuleSet
) -> None:
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob", "cy"))
    checked: list[RuleSet] = []
    real = import_parts.check_new

    def spy(session: Session, rule_set: RuleSet, comments: list[CommentSnapshot]) -> object:
        # While the rules run, any other desk may write: no write transaction is open.
        assert writer_is_free(database)
        checked.append(rule_set)
        return real(session, rule_set, comments)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(import_parts, "check_new", spy)
        report = import_paths(database, [path], rules=campaign_rules, actor="ed")
    assert checked == [campaign_rules]
    ids = _ids_by_author(database)
    flagged = _explanations(database)
    with database.session() as session:
        hidden = list(session.scalars(select(Comment.id).where(Comment.status == Status.HIDDEN)))
    assert hidden == [ids["zed"]]
    # The hits name the ids the comments were stored under (reserved before the write).
    assert flagged[ids["bob"]] == f"identical text from 2 authors, first in comment {ids['ann']}"
    assert set(flagged) == {ids["bob"], ids["cy"], ids["zed"]}
    assert report.flagged == 3
    assert report.hidden == 1
    _assert_log_verifies(database)


def test_an_import_waits_for_the_one_being_written_and_names_it_if_that_takes_too_long(
    database: Database, tmp_path: Path, campaign_rules: RuleSet
) -> None:
    ahead = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob"), last="zed")
    other = _campaign_file(tmp_path / "b.txt", "Other", ("dee",), last="yan")
    refused: list[str] = []

    def meanwhile(path: Path) -> None:
        # Another import starts while this file is being written: it waits for the lock
        # (briefly here), then says whose import holds it, and writes nothing.
        if path == ahead:
            with (
                pytest.raises(importer.ImportAborted) as aborted,
                pytest.MonkeyPatch.context() as patch,
            ):
                patch.setattr(import_parts, "WAIT_FOR_OTHER", 0.3)
                import_paths(database, [other], rules=campaign_rules, actor="cy")
            refused.append(str(aborted.value))

    report = import_paths(
        database, [ahead], rules=campaign_rules, actor="ed", before_write=meanwhile
    )
    assert len(refused) == 1
    assert "another import is still being written" in refused[0]
    assert "a.txt by ed" in refused[0]
    assert report.added == 3
    # Once it is done, the other goes in as usual.
    assert import_paths(database, [other], rules=campaign_rules, actor="cy").added == 2
    ids = _ids_by_author(database)
    assert _explanations(database) == {
        ids["bob"]: f"identical text from 2 authors, first in comment {ids['ann']}",
        ids["zed"]: "'idiot' is on the list 'insults' (medium)",
        ids["yan"]: "'idiot' is on the list 'insults' (medium)",
    }
    _assert_log_verifies(database)


def test_the_rules_read_the_history_as_it_stood_when_the_import_began(
    database: Database, tmp_path: Path
) -> None:
    # A desk's hide while a file is written does not change the verdict on it (that was
    # worked out first); the next rules run sees it.
    rules_file = tmp_path / "history.toml"
    rules_file.write_text(
        '[ruleset]\nname = "History"\n\n[[rule]]\nid = "history"\nkind = "author_history"\n'
        'severity = "medium"\nthreshold = 0.5\nmin_decided = 1\n',
        encoding="utf-8",
    )
    rules = load_rule_set(rules_file)
    first = tmp_path / "first.txt"
    first.write_text(
        "One\n\nBody.\n\nComments 1\nmallory 1 May 2020, 10:00\n\nFirst.\n", encoding="utf-8"
    )
    later = tmp_path / "later.txt"
    later.write_text(
        "Two\n\nBody.\n\nComments 1\nmallory 2 May 2020, 10:00\n\nAgain.\n", encoding="utf-8"
    )
    import_paths(database, [first], rules=rules, actor="ed")
    with database.session() as session:
        (stored,) = session.scalars(select(Comment.id))

    def meanwhile(path: Path) -> None:
        if path == later:
            with database.transaction() as session:
                moderation.hide(
                    session,
                    [stored],
                    actor=moderation.ensure_profile(session, "ann"),
                    reason="spam",
                )

    report = import_paths(database, [later], rules=rules, actor="ed", before_write=meanwhile)
    assert report.added == 1
    with database.session() as session:
        flagged = set(session.scalars(select(Flag.comment_id).where(Flag.rule_id == "history")))
        again = session.scalar(select(Comment.id).where(Comment.body == "Again."))
    assert flagged == set()
    with database.transaction() as session:
        flag_comments(session, rules, [again])
    with database.session() as session:
        flagged = set(session.scalars(select(Flag.comment_id).where(Flag.rule_id == "history")))
    assert flagged == {again}
    _assert_log_verifies(database)


def _ids_by_author(database: Database) -> dict[str, int]:
    with database.session() as session:
        rows = session.execute(
            select(Author.name, Comment.id).join(Author, Author.id == Comment.author_id)
        )
        return {row[0]: row[1] for row in rows}


def _explanations(database: Database) -> dict[int, str]:
    with database.session() as session:
        rows = session.execute(select(Flag.comment_id, Flag.explanation))
        return {row[0]: row[1] for row in rows}


def _assert_log_verifies(database: Database) -> None:
    with database.session() as session:
        verified = verify_log(session)
    assert verified.ok, verified.summary()


def _stored(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Everything an import writes that does not depend on the moment it ran."""
    with database.session() as session:
        return {
            "comments": [
                tuple(row)
                for row in session.execute(
                    select(
                        Comment.id,
                        Comment.position,
                        Comment.status,
                        Comment.escalated,
                        Comment.urgency,
                        Comment.version,
                        Comment.hide_rank,
                    ).order_by(Comment.id)
                )
            ],
            "flags": sorted(
                (row[0], row[1], row[2], str(row[3]), repr(row[4]), row[5])
                for row in session.execute(
                    select(
                        Flag.comment_id,
                        Flag.rule_id,
                        Flag.rule_set_version,
                        Flag.severity,
                        Flag.spans,
                        Flag.explanation,
                    )
                )
            ),
            "log": [
                tuple(row)
                for row in session.execute(
                    select(
                        LogEntryRow.seq,
                        LogEntryRow.actor,
                        LogEntryRow.role,
                        LogEntryRow.action,
                        LogEntryRow.comment_id,
                        LogEntryRow.article_id,
                        LogEntryRow.from_status,
                        LogEntryRow.to_status,
                        LogEntryRow.escalated,
                        LogEntryRow.reason,
                        LogEntryRow.rule_set_version,
                        LogEntryRow.reverts,
                        LogEntryRow.note,
                        LogEntryRow.evidence,
                    ).order_by(LogEntryRow.seq)
                )
            ],
        }


def test_an_import_in_parts_stores_and_logs_what_one_unit_of_work_does(
    tmp_path: Path, campaign_rules: RuleSet
) -> None:
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob", "cy", "dee"), last="zed")
    with path.open("a", encoding="utf-8") as out:
        out.write("\nyan 1 May 2020, 20:00\n\nWhat an idiot, and another idiot.\n")
        out.write("\nwes 1 May 2020, 21:00\n\nA fair point about the levy.\n")
    stored = {}
    for way in ("in parts", "in one"):
        database = open_database(f"sqlite:///{tmp_path / f'{way}.sqlite3'}")
        try:
            if way == "in parts":
                report = import_paths(database, [path], rules=campaign_rules, actor="ed")
                assert report.hidden == 2
                assert report.flagged == 5
            else:
                # As platform exports are stored: import, then check, in one transaction.
                incoming = read_import_file(path)
                assert isinstance(incoming, IncomingArticle)
                with database.transaction() as session:
                    acting = Actor.of(moderation.ensure_profile(session, "ed"))
                    change = import_article(session, incoming, actor=acting)
                    ids = added_comment_ids(session, change.article_id, change.added_fingerprints)
                    assert len(flag_comments(session, campaign_rules, ids).hidden) == 2
            _assert_log_verifies(database)
            stored[way] = _stored(database)
        finally:
            database.close()
    assert stored["in parts"] == stored["in one"]


def test_the_collector_rests_while_a_file_is_checked_and_stored_and_only_then(
    database: Database, tmp_path: Path, campaign_rules: RuleSet
) -> None:
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob"))
    broken = tmp_path / "b.txt"
    broken.write_text("only a title\n", encoding="utf-8")
    during: list[bool] = []
    real = import_parts.check_new

    def spy(session: Session, rule_set: RuleSet, comments: list[CommentSnapshot]) -> object:
        during.append(gc.isenabled())
        return real(session, rule_set, comments)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(import_parts, "check_new", spy)
        report = import_paths(database, [path, broken], rules=campaign_rules, actor="ed")
    assert during == [False]
    assert report.added == 3
    assert gc.isenabled()
