"""A scraped file imported in parts: other desks write between them, nobody sees a comment
before its part is shown (with its log entries and the rules' verdict), and a process killed
part-way leaves nothing half imported: the next import discards or finishes it."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import moderator.rules.kinds  # noqa: F401 - registers the built-in kinds
from moderator.cli import main
from moderator.domain import Status
from moderator.domain.errors import ServiceError
from moderator.formats.errors import FormatError
from moderator.formats.platform_xml import ReadSummary, read_wxr
from moderator.formats.records import IncomingArticle
from moderator.imports import parts as import_parts
from moderator.imports.files import read_platform
from moderator.imports.importer import ImportAborted, import_paths
from moderator.log.verify import verify_log
from moderator.queries.queue import QueueFilter, count_tabs, get_comment, list_queue
from moderator.queries.snapshots import list_articles
from moderator.rules.loader import load_rule_set
from moderator.rules.model import RuleSet
from moderator.services import moderation, staging
from moderator.services.flagging import added_comment_ids, flag_comments
from moderator.services.history import Actor
from moderator.services.importing import (
    apply_platform_state,
    comment_fingerprints,
    import_article,
)
from moderator.store.database import Database, open_database
from moderator.store.models import Article, Comment, Flag, ImportBatch, ImportStep, LogEntryRow
from tests.moderator.formats.test_platform_xml import WXR_HEAD, wxr_comment, wxr_item
from tests.moderator.imports.test_importer import writer_is_free

RULES = """
[ruleset]
name = "Parts"

[[rule]]
id = "insults"
kind = "words"
terms = ["idiot"]
severity = "medium"
action = "hide"
"""
SIZE = 7  # comments in the big file; with parts of 2 it takes 4 parts


def _file(path: Path, title: str, count: int) -> Path:
    comments = "".join(
        f"reader{n} 1 May 2020, 10:{n:02d}\n\n"
        + ("You idiot, number {n}." if n % 3 == 0 else "A fair point, number {n}.").format(n=n)
        + "\n\n"
        for n in range(count)
    )
    path.write_text(f"{title}\n\nBody.\n\nComments {count}\n{comments}", encoding="utf-8")
    return path


@pytest.fixture
def rules(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_rule_set(path)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "PART_SIZE", 2)


def _seen(database: Database) -> dict[str, object]:
    """What a desk sees: comments, articles, queue counts, log entries; and whether the log
    verifies."""
    with database.session() as session:
        bodies = sorted(session.scalars(select(Comment.body)))
        queue = list_queue(session, QueueFilter(article_id=None, status=None))
        tabs = count_tabs(session, QueueFilter(article_id=None, status=None))
        verified = verify_log(session)
        return {
            "bodies": bodies,
            "queue": sorted(row.body for row in queue),
            "pending": tabs.pending,
            "articles": sorted(row.title for row in list_articles(session)),
            "entries": session.scalar(select(func.count()).select_from(LogEntryRow)),
            "flags": session.scalar(
                select(func.count()).select_from(Flag).join(Comment, Comment.id == Flag.comment_id)
            ),
            "verified": verified.ok,
        }


@pytest.mark.usefixtures("small_parts")
def test_nothing_of_a_part_is_seen_before_it_is_shown_and_desks_write_between_parts(
    database: Database, tmp_path: Path, rules: RuleSet
) -> None:
    first = _file(tmp_path / "first.txt", "First", 2)
    import_paths(database, [first], actor="ed")
    before = _seen(database)
    with database.session() as session:
        decidable = session.scalars(select(Comment.id).order_by(Comment.id)).all()
    big = _file(tmp_path / "big.txt", "Big", SIZE)
    moments: list[tuple[str, int, dict[str, object]]] = []

    def after_part(stage: str, index: int) -> None:
        # Another desk decides between any two parts: the write lock is free.
        assert writer_is_free(database)
        moments.append((stage, index, _seen(database)))
        if stage == "stored" and index == 1:
            with database.transaction() as session:
                moderation.approve(
                    session, [decidable[0]], actor=moderation.ensure_profile(session, "ann")
                )
            # The stored comments cannot be decided by their ids either.
            with database.session() as session:
                hidden_id = session.scalar(
                    select(func.max(Comment.id)), execution_options={"all_rows": True}
                )
                assert get_comment(session, hidden_id) is None
            with pytest.raises(ServiceError), database.transaction() as session:
                moderation.hide(
                    session,
                    [hidden_id],
                    actor=moderation.ensure_profile(session, "ann"),
                    reason="spam",
                )

    report = import_paths(database, [big], rules=rules, actor="ed", after_part=after_part)
    assert report.added == SIZE
    assert [(stage, index) for stage, index, _ in moments] == [
        *(("stored", n) for n in range(4)),
        *(("shown", n) for n in range(4)),
    ]
    for stage, index, seen in moments:
        assert seen["verified"], (stage, index)
        if stage == "stored":
            # Stored, not shown: the desk sees what it saw before (and its own decision).
            assert seen["bodies"] == before["bodies"]
            assert seen["articles"] == ["First"]
            assert seen["flags"] == 0
        else:
            shown = min(2 * (index + 1), SIZE)
            assert len(seen["bodies"]) == 2 + shown  # type: ignore[arg-type]
            assert seen["articles"] == ["Big", "First"]
            # Each shown comment has its verdict: the insults are hidden, not pending.
            insults = len([n for n in range(shown) if n % 3 == 0])
            assert seen["pending"] == 1 + shown - insults
            assert seen["flags"] == insults
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
        assert session.scalar(select(func.count()).select_from(ImportStep)) == 0
        imports = session.scalars(
            select(LogEntryRow.note).where(LogEntryRow.action == "import").order_by(LogEntryRow.seq)
        ).all()
    assert imports[1:] == [
        "2 comments added, 0 already present (new article) (part 1 of 4: 7 in all)",
        "2 comments added, 0 already present (part 2 of 4: 7 in all)",
        "2 comments added, 0 already present (part 3 of 4: 7 in all)",
        "1 comments added, 0 already present (part 4 of 4: 7 in all)",
    ]


@pytest.mark.usefixtures("small_parts")
def test_a_failure_before_the_showing_takes_back_all_that_was_stored(
    database: Database, tmp_path: Path, rules: RuleSet
) -> None:
    big = _file(tmp_path / "big.txt", "Big", SIZE)

    def after_part(stage: str, index: int) -> None:
        if (stage, index) == ("stored", 2):
            raise OSError("the machine gave out")

    with pytest.raises(OSError, match="gave out"):
        import_paths(database, [big], rules=rules, actor="ed", after_part=after_part)
    with database.session() as session:
        for table in (Comment, Article, Flag, ImportBatch, ImportStep):
            count = select(func.count()).select_from(table)
            assert session.scalar(count, execution_options={"all_rows": True}) == 0, table
    # And the file goes in whole the next time.
    assert import_paths(database, [big], rules=rules, actor="ed").added == SIZE


_KILLED_RUN = """
import os, signal, sys
from pathlib import Path
import moderator.rules.kinds
from moderator.imports import files as import_files
from moderator.imports import parts as import_parts
from moderator.imports.importer import ImportAborted, import_paths
from moderator.rules.loader import load_rule_set
from moderator.services import staging
from moderator.store.database import open_database

staging.PART_SIZE = 2
stage, index = sys.argv[3], int(sys.argv[4])
if sys.argv[6] == "streamed":
    import_files.STREAM_BYTES = 0

def after_part(now, number):
    if (now, number) == (stage, index):
        os.kill(os.getpid(), signal.SIGKILL)

database = open_database(sys.argv[1])
import_paths(database, [Path(sys.argv[2])], rules=load_rule_set(Path(sys.argv[5])),
             actor="ed", after_part=after_part)
"""


@pytest.mark.parametrize("reading", ["whole", "streamed"])
@pytest.mark.parametrize("stage", ["stored", "shown"])
def test_an_import_killed_part_way_is_discarded_or_finished_by_the_next(
    sqlite_database: Database, tmp_path: Path, rules: RuleSet, stage: str, reading: str
) -> None:
    database = sqlite_database
    big = _file(tmp_path / "big.txt", "Big", SIZE)
    other = _file(tmp_path / "other.txt", "Other", 1)
    url = database.engine.url.render_as_string(hide_password=False)
    database.engine.dispose()
    run = subprocess.run(  # noqa: S603 - this interpreter, this test's own script
        [
            sys.executable,
            "-c",
            textwrap.dedent(_KILLED_RUN),
            url,
            str(big),
            stage,
            "1",
            str(rules.source),
            reading,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    seen = _seen(database)
    assert seen["verified"]
    if stage == "stored":
        assert seen["bodies"] == []
        assert seen["articles"] == []
    else:
        # Two parts were shown, whole, before the kill: the rest is out of sight.
        assert len(seen["bodies"]) == 4  # type: ignore[arg-type]
    # The next import (of another file) first discards, or finishes, the one left behind.
    import_paths(database, [other], rules=rules, actor="ed")
    seen = _seen(database)
    assert seen["verified"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
        stored = session.scalar(
            select(func.count()).select_from(Comment), execution_options={"all_rows": True}
        )
        hidden = session.scalar(
            select(func.count()).select_from(Comment).where(Comment.status == Status.HIDDEN)
        )
    if stage == "stored":
        assert seen["articles"] == ["Other"]
        assert stored == 1
    else:
        assert seen["articles"] == ["Big", "Other"]
        assert stored == SIZE + 1
        assert hidden == 4  # comments 0, 3 and 6 of the big file, and the other's one


@pytest.mark.usefixtures("small_parts")
def test_the_command_line_shows_no_stored_comment_and_log_verify_passes(
    tmp_path: Path, rules: RuleSet, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "desk.sqlite3"
    big = _file(tmp_path / "big.txt", "Big", SIZE)
    database = open_database(str(db))
    outputs: dict[str, str] = {}

    def after_part(stage: str, index: int) -> None:
        if (stage, index) == ("stored", 3):
            capsys.readouterr()
            for command in (
                ["queue", "--status", "all", "--json"],
                ["articles", "--json"],
                ["stats", "rules", "--json"],
                ["stats", "articles", "--json"],
                ["log", "export", "--format", "jsonl", "--out", "-"],
                ["decisions", "export", "--format", "jsonl", "--out", "-"],
            ):
                code = main(["--db", str(db), *command])
                out, err = capsys.readouterr()
                outputs[" ".join(command[:2])] = out
                assert code == 0, err
            assert main(["--db", str(db), "log", "verify"]) == 0

    try:
        import_paths(database, [big], rules=rules, actor="ed", after_part=after_part)
    finally:
        database.close()
    assert outputs
    for command, out in outputs.items():
        assert "fair point" not in out, command
        assert "idiot" not in out, command
        assert "Big" not in out, command


@pytest.mark.usefixtures("small_parts")
def test_a_platform_export_takes_its_turn_and_its_rows_are_seen_once_committed(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "site.xml"
    export.write_text(
        WXR_HEAD + wxr_item("Site", wxr_comment(1, "hello there")) + "</channel></rss>",
        encoding="utf-8",
    )
    big = _file(tmp_path / "big.txt", "Big", SIZE)
    refused: list[str] = []

    def after_part(stage: str, index: int) -> None:
        # An export imported while the big file is being stored waits its turn: it would
        # otherwise take ids the big file's parts hold, or be counted among them.
        if (stage, index) == ("stored", 0):
            monkeypatch.setattr(import_parts, "WAIT_FOR_OTHER", 0.3)
            with pytest.raises(ImportAborted) as aborted:
                import_paths(database, [export], actor="cy")
            refused.append(str(aborted.value))
            monkeypatch.setattr(import_parts, "WAIT_FOR_OTHER", 600.0)

    import_paths(database, [big], actor="ed", after_part=after_part)
    assert "another import is still being written: " in refused[0]
    # Its turn now: stored in one write, seen as soon as it commits, the lock let go.
    assert import_paths(database, [export], actor="cy").added == 1
    seen = _seen(database)
    assert seen["articles"] == ["Big", "Site"]
    assert "hello there" in seen["bodies"]  # type: ignore[operator]
    assert seen["verified"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_the_rule_set_is_logged_before_its_first_flag_even_in_a_later_part(
    database: Database, tmp_path: Path, rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "PART_SIZE", 1)
    path = tmp_path / "late.txt"
    path.write_text(
        "Late\n\nBody.\n\nComments 2\nann 1 May 2020, 10:00\n\nA fair point.\n\n"
        "bob 1 May 2020, 11:00\n\nYou idiot.\n",
        encoding="utf-8",
    )
    import_paths(database, [path], rules=rules, actor="ed")
    with database.session() as session:
        actions = session.scalars(select(LogEntryRow.action).order_by(LogEntryRow.seq)).all()
    assert actions == ["profile", "import", "rule-set", "import", "flag", "hide"]


def _everything(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """What an import writes, but the import entries and the numbers that follow from
    them (entries' numbers, comments' versions): a file in parts has one per part."""
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
                        Comment.parent_id,
                        Comment.external_id,
                    ).order_by(Comment.id)
                )
            ],
            "flags": sorted(
                (row[0], row[1], str(row[2]), repr(row[3]), row[4])
                for row in session.execute(
                    select(
                        Flag.comment_id, Flag.rule_id, Flag.severity, Flag.spans, Flag.explanation
                    )
                )
            ),
            "log": [
                tuple(row)
                for row in session.execute(
                    select(
                        LogEntryRow.actor,
                        LogEntryRow.action,
                        LogEntryRow.comment_id,
                        LogEntryRow.article_id,
                        LogEntryRow.from_status,
                        LogEntryRow.to_status,
                        LogEntryRow.reason,
                        LogEntryRow.note,
                        LogEntryRow.evidence,
                    )
                    .where(LogEntryRow.action != "import")
                    .order_by(LogEntryRow.comment_id, LogEntryRow.seq)
                )
            ],
            "articles": [
                tuple(row)
                for row in session.execute(select(Article.id, Article.title, Article.source))
            ],
        }


@pytest.mark.parametrize("part_size", [1, 2, 5_000])
def test_a_platform_export_in_parts_stores_what_one_unit_of_work_does(
    tmp_path: Path, rules: RuleSet, monkeypatch: pytest.MonkeyPatch, part_size: int
) -> None:
    export = tmp_path / "site.xml"
    export.write_text(
        WXR_HEAD
        # First an article without comments: its part has no rules' verdict, and the rule
        # set's first use is still logged, before the first flag.
        + wxr_item("Empty")
        + wxr_item(
            "One",
            wxr_comment(1, "first, you idiot"),
            wxr_comment(2, "a reply", parent=1, approved="0"),
            wxr_comment(3, "an idiot's spam", approved="spam"),
            wxr_comment(5, "a reply to a reply", parent=2),
        )
        + wxr_item("Two", wxr_comment(4, "idiot again", approved="0"), wxr_comment(6, "fine"))
        + "</channel></rss>",
        encoding="utf-8",
    )
    monkeypatch.setattr(staging, "PART_SIZE", part_size)
    seen = {}
    for way in ("in parts", "in one"):
        database = open_database(f"sqlite:///{tmp_path / f'{way}.sqlite3'}")
        try:
            if way == "in parts":
                report = import_paths(database, [export], rules=rules, actor="ed")
                assert report.added == 6
                assert report.hidden == 1  # "idiot again": pending on the platform
            else:
                # As platform exports were stored: each article, its states, then its rules.
                with database.transaction() as session:
                    acting = Actor.of(moderation.ensure_profile(session, "ed"))
                    for incoming in _articles(export):
                        prints = comment_fingerprints(incoming.comments)
                        change = import_article(
                            session, incoming, fingerprints=prints, actor=acting
                        )
                        apply_platform_state(session, change, incoming, prints)
                        ids = added_comment_ids(
                            session, change.article_id, change.added_fingerprints
                        )
                        flag_comments(session, rules, ids)
            with database.session() as session:
                assert verify_log(session).ok
            seen[way] = _everything(database)
        finally:
            database.close()
    assert seen["in parts"] == seen["in one"]


def _articles(path: Path) -> list[IncomingArticle]:
    return list(read_platform(read_wxr, path, ReadSummary()))


def test_small_articles_share_a_part_a_big_one_has_its_own_and_a_fault_keeps_those_before() -> None:
    titles = itertools.count()

    def article(comments: int, title: str = "") -> tuple[IncomingArticle, list[str]]:
        title = title or f"t{next(titles)}"
        return IncomingArticle(title, "b", "s", ()), [f"{n}" for n in range(comments)]

    def sizes(groups: Iterator[list[tuple[IncomingArticle, list[str]]]]) -> list[list[int]]:
        return [[len(prints) for _, prints in group] for group in groups]

    small = [article(300) for _ in range(5)]
    assert sizes(import_parts._groups([*small, article(20_000), article(1)])) == [
        [300, 300, 300],
        [300, 300],
        [20_000],
        [1],
    ]
    assert sizes(import_parts._groups([article(0) for _ in range(250)])) == [
        [0] * 100,
        [0] * 100,
        [0] * 50,
    ]
    # An article given twice waits for the next group, to find its first comments stored.
    twice = [article(1, "a"), article(2, "b"), article(3, "a"), article(4, "c")]
    assert sizes(import_parts._groups(twice)) == [[1, 2], [3, 4]]

    def broken() -> Iterator[tuple[IncomingArticle, list[str]]]:
        yield article(10)
        yield article(10)
        raise FormatError("x.xml", 9, "cut short")

    seen: list[list[int]] = []
    with pytest.raises(FormatError):
        for group in import_parts._groups(broken()):
            seen.append([len(prints) for _, prints in group])
    assert seen == [[10, 10]]


def test_small_articles_are_checked_by_the_rules_outside_the_write_and_one_given_twice_once(
    database: Database, tmp_path: Path, rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small articles' rules were checked inside their part's write: on a 1,000,000-post
    # Disqus export the history they read grew with the import, and so did that write
    # (2.7 s), which other desks waited out.
    free: list[bool] = []
    real = import_parts.check_new

    def spy(session: object, rule_set: RuleSet, comments: list[object]) -> object:
        free.append(writer_is_free(database))
        return real(session, rule_set, comments)  # type: ignore[arg-type]

    monkeypatch.setattr(import_parts, "check_new", spy)
    export = tmp_path / "site.xml"
    export.write_text(
        WXR_HEAD
        + wxr_item("One", wxr_comment(1, "first, you idiot"), wxr_comment(2, "fine"))
        + wxr_item("Two", wxr_comment(3, "idiot again"))
        # The same article again, with one comment more: it takes the next part, to find
        # its first two comments stored rather than add them twice.
        + wxr_item(
            "One", wxr_comment(1, "first, you idiot"), wxr_comment(2, "fine"), wxr_comment(4, "new")
        )
        + "</channel></rss>",
        encoding="utf-8",
    )
    report = import_paths(database, [export], rules=rules, actor="ed")
    assert free == [True, True]
    assert report.added == 4
    assert [change.already_present for change in report.imported] == [0, 0, 2]
    with database.session() as session:
        bodies = session.scalars(select(Comment.body).order_by(Comment.id)).all()
        assert bodies == ["first, you idiot", "fine", "idiot again", "new"]
        assert verify_log(session).ok
    # Each article's verdict counts its own comments, though they were checked together.
    assert [flags.checked for flags in report.flags] == [2, 1, 1]
    assert [len(flags.flagged) for flags in report.flags] == [1, 1, 0]
