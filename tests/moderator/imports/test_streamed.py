"""A scraped file too big to hold, imported as it is read (moderator.imports.streamed): the
same rows and log entries as a file read whole, in parts, whatever the part size."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from moderator.domain import Role, Status
from moderator.formats.scraped import ScrapedStream, parse_scraped_bytes
from moderator.imports import files as import_files
from moderator.imports import streamed as import_streamed
from moderator.imports.files import read_import_file
from moderator.imports.importer import import_paths
from moderator.log.verify import verify_log
from moderator.rules.model import RuleSet
from moderator.services import moderation, staging
from moderator.services.flagging import added_comment_ids, flag_comments
from moderator.services.history import Actor
from moderator.services.importing import import_article
from moderator.services.review import set_locked
from moderator.store.database import Database, open_database
from moderator.store.models import Article, Comment
from tests.moderator.imports import test_importer
from tests.moderator.imports.test_importer import _campaign_file, writer_is_free
from tests.moderator.imports.test_parts import _everything

# The importer's tests' rule set: insults hidden, copies flagged.
campaign_rules = test_importer.campaign_rules


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scraped file is read as a big one is."""
    monkeypatch.setattr(import_files, "STREAM_BYTES", 0)


@pytest.mark.usefixtures("streamed")
@pytest.mark.parametrize("part_size", [1, 2, 5_000])
def test_a_file_read_as_it_is_stored_stores_what_one_unit_of_work_does(
    tmp_path: Path, campaign_rules: RuleSet, monkeypatch: pytest.MonkeyPatch, part_size: int
) -> None:
    monkeypatch.setattr(staging, "PART_SIZE", part_size)
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob", "cy", "dee"), last="zed")
    with path.open("a", encoding="utf-8") as out:
        out.write("\nyan 1 May 2020, 20:00\n\nWhat an idiot, and another idiot.\n")
        out.write("\nwes 1 May 2020, 21:00\n\nA fair point about the levy.\n")
        # A verbatim repeat: numbered, as a file read whole numbers it.
        out.write("\nwes 1 May 2020, 21:00\n\nA fair point about the levy.\n")
    assert isinstance(read_import_file(path), ScrapedStream)
    stored = {}
    for way in ("streamed", "in one"):
        database = open_database(f"sqlite:///{tmp_path / f'{way}.sqlite3'}")
        try:
            if way == "streamed":
                report = import_paths(database, [path], rules=campaign_rules, actor="ed")
                assert (report.added, report.flagged, report.hidden) == (8, 5, 2)
                (flags,) = report.flags
                assert flags.checked == 8
            else:
                incoming = parse_scraped_bytes(path.read_bytes(), source="a").to_incoming(
                    str(path.resolve())
                )
                with database.transaction() as session:
                    acting = Actor.of(moderation.ensure_profile(session, "ed"))
                    change = import_article(session, incoming, actor=acting)
                    ids = added_comment_ids(session, change.article_id, change.added_fingerprints)
                    flag_comments(session, campaign_rules, ids)
            with database.session() as session:
                assert verify_log(session).ok
            stored[way] = _everything(database)
        finally:
            database.close()
    assert stored["streamed"] == stored["in one"]


@pytest.mark.usefixtures("streamed")
def test_a_new_scrape_of_a_stored_thread_places_its_comments_as_one_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "PART_SIZE", 2)

    def scrape(*comments: str) -> Path:
        path = tmp_path / "thread.txt"
        path.write_text(
            "Thread\n\nBody.\n\n"
            + f"Comments {len(comments)}\n"
            + "".join(f"{name} 1 May 2020, 10:0{n}\n\n{name} says hi.\n\n" for n, name in comments),
            encoding="utf-8",
        )
        return path

    first = ("a0", "b1", "c2", "d3")
    # b is gone from the newer scrape (it stays after a); x and y are new, around c.
    second = ("a0", "x5", "c2", "y6", "d3")
    places = {}
    for way in ("streamed", "whole"):
        if way == "whole":
            monkeypatch.setattr(import_files, "STREAM_BYTES", 1 << 30)
        database = open_database(f"sqlite:///{tmp_path / f'{way}.sqlite3'}")
        try:
            for comments in (first, second):
                path = scrape(*((int(name[1]), name[0]) for name in comments))
                report = import_paths(database, [path], actor="ed")
                assert not report.failed
            assert report.imported[0].already_present == 3
            with database.session() as session:
                places[way] = session.execute(
                    select(Comment.body, Comment.position, Comment.id).order_by(Comment.position)
                ).all()
                assert verify_log(session).ok
        finally:
            database.close()
    assert places["streamed"] == places["whole"]
    assert [body[0] for body, _, _ in places["streamed"]] == ["a", "b", "x", "c", "y", "d"]


@pytest.mark.usefixtures("streamed")
def test_a_fault_in_a_comment_is_refused_before_anything_is_written(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(
        "T\n\nBody.\n\nComments 2\nann 1 May 2020, 10:00\n\nHi.\nbob 1 May 1066, 10:00\n\nOld.\n",
        encoding="utf-8",
    )
    report = import_paths(database, [path], actor="ed")
    (failed,) = report.failed
    assert str(failed).startswith(f"{path}:9: the date 1066-05-01 is out of range")
    with database.session() as session:
        assert session.scalars(select(Article.id)).all() == []
        assert staging.state(session) is None


@pytest.mark.usefixtures("streamed")
def test_a_locked_article_takes_nothing_and_says_how_much_it_skipped(
    database: Database, tmp_path: Path
) -> None:
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann",))
    import_paths(database, [path], actor="ed")
    with database.transaction() as session:
        editor = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        set_locked(session, session.scalars(select(Article.id)).one(), locked=True, actor=editor)
    _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob", "cy"))
    report = import_paths(database, [path], actor="ed")
    (change,) = report.imported
    # ann's and zed's comments were there; bob's and cy's are skipped.
    assert (change.locked, change.added, change.already_present) == (True, 0, 2)
    assert change.skipped_locked == 2
    with database.session() as session:
        assert len(session.scalars(select(Comment.id)).all()) == 2
        assert session.scalars(select(Comment.status)).all() == [Status.PENDING] * 2
        assert verify_log(session).ok


@pytest.mark.usefixtures("streamed")
def test_the_rules_check_a_big_file_as_one_run_while_other_desks_may_write(
    database: Database, tmp_path: Path, campaign_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checked part by part, each part a run of its own, a campaign spread over two parts
    # went unseen; the run reads the desk's history without holding the write lock.
    monkeypatch.setattr(staging, "PART_SIZE", 1)
    runs: list[bool] = []
    real = import_streamed.check_in_order

    def spy(*args: object, **kwargs: object) -> object:
        runs.append(writer_is_free(database))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(import_streamed, "check_in_order", spy)
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob", "cy"))
    report = import_paths(database, [path], rules=campaign_rules, actor="ed")
    assert runs == [True]
    assert report.flagged == 3  # bob's and cy's copies of ann's text, and zed's insult


@pytest.mark.usefixtures("streamed")
def test_a_temporary_file_that_cannot_take_the_comments_fails_the_file_not_the_run(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sqlite3's own error escaped the importer as a traceback.
    def full(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    # Under the import lock, after the article was stored out of sight.
    monkeypatch.setattr(import_streamed._Spill, "plan", full)
    path = _campaign_file(tmp_path / "a.txt", "Levy", ("ann", "bob"))
    report = import_paths(database, [path], actor="ed")
    (failed,) = report.failed
    assert str(failed).startswith(f"{path}: its comments could not be set aside in a temporary")
    assert "(database or disk is full)" in str(failed)
    with database.session() as session:
        assert session.scalars(select(Article.id)).all() == []
        assert staging.state(session) is None
        assert verify_log(session).ok
