"""Platform exports through the importer: one unit of work per file, states and threads kept,
hostile or broken files refused whole (or salvaged with --recover)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from moderator.cli import main
from moderator.domain import Status
from moderator.formats import platform_xml
from moderator.imports.importer import import_paths
from moderator.log.queries import LogFilter, stream_entries
from moderator.log.verify import verify_log
from moderator.queries.review import thread
from moderator.store.database import Database
from moderator.store.models import Article, Comment
from tests.moderator.formats.test_platform_xml import (
    DISQUS_HEAD,
    WXR_HEAD,
    disqus_export,
    disqus_thread,
    wxr_comment,
    wxr_item,
)
from tests.moderator.imports.test_importer import writer_is_free


def counts(database: Database) -> tuple[int, int]:
    with database.session() as session:
        articles = session.scalar(select(func.count()).select_from(Article)) or 0
        comments = session.scalar(select(func.count()).select_from(Comment)) or 0
    return articles, comments


def test_a_wxr_file_keeps_states_threads_and_the_log(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "site.xml"
    path.write_text(
        WXR_HEAD
        + wxr_item(
            "One",
            wxr_comment(1, "first"),
            wxr_comment(2, "reply", parent=1, approved="0"),
            wxr_comment(3, "buy", approved="spam"),
            wxr_comment(4, "ping", kind="trackback"),
        )
        + "</channel></rss>",
        encoding="utf-8",
    )
    report = import_paths(database, [path], actor="ann")
    assert (len(report.imported), report.added, report.failed) == (1, 3, [])
    assert report.skipped == [f"{path}: 1 pingbacks and trackbacks skipped"]
    with database.session() as session:
        rows = session.execute(
            select(Comment.external_id, Comment.status, Comment.version).order_by(Comment.id)
        ).all()
        items = thread(session, report.imported[0].article_id)
        states = list(stream_entries(session, LogFilter(action="import-state")))
        assert verify_log(session).ok
    assert [(external, str(status)) for external, status, _ in rows] == [
        ("1", "approved"),
        ("2", "pending"),
        ("3", "hidden"),
    ]
    # A state brought from the platform is the comment's version, as a decision would be.
    assert [version for _, _, version in rows] == [states[0].seq, 0, states[1].seq]
    assert [(item.comment.body, item.depth) for item in items] == [
        ("first", 0),
        ("reply", 1),
        ("buy", 0),
    ]
    assert [(e.actor, e.to_status, e.reason) for e in states] == [
        ("system", "approved", None),
        ("system", "hidden", "spam"),
    ]
    # Again: the platform's state does not overwrite the desk's decisions, nothing is added.
    again = import_paths(database, [path], actor="ann")
    assert again.added == 0
    assert counts(database) == (1, 3)


def test_a_hostile_or_broken_file_imports_nothing(database: Database, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>&b;</channel></rss>',
        encoding="utf-8",
    )
    broken = tmp_path / "broken.xml"
    broken.write_text(
        WXR_HEAD + wxr_item("One", wxr_comment(1, "kept?")) + "<item><title>Two</ti",
        encoding="utf-8",
    )
    report = import_paths(database, [bomb, broken], actor="ann")
    assert [str(error).split(":")[0] for error in report.failed] == [str(bomb), str(broken)]
    assert "refused as unsafe XML" in str(report.failed[0])
    assert "malformed XML at column" in str(report.failed[1])
    assert counts(database) == (0, 0)

    salvaged = import_paths(database, [broken], actor="ann", recover=True)
    assert (salvaged.failed, salvaged.added) == ([], 1)
    assert "recovered: the 1 articles read before it were imported" in salvaged.skipped[0]
    assert counts(database) == (1, 1)


def test_the_real_exports_through_the_command_line(
    shared_imports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    files = [
        shared_imports / "wordpress/themeunittestdata.wordpress.xml",
        shared_imports / "isso/wordpress.xml",
        shared_imports / "isso/disqus.xml",
    ]
    assert main(["--db", str(db), "import", *map(str, files), "--as", "ann"]) == 0
    out, err = capsys.readouterr()
    assert "skipped: " in err
    assert "4 pingbacks and trackbacks skipped" in err
    assert "post 6 belongs to no thread" in err
    assert out.count("new article") == 7 + 2 + 2
    assert main(["--db", str(db), "log", "verify"]) == 0
    decisions = tmp_path / "decisions.jsonl"
    assert (
        main(["--db", str(db), "decisions", "export", "--format", "jsonl", "--out", str(decisions)])
        == 0
    )
    import json  # noqa: PLC0415

    rows = [json.loads(line) for line in decisions.read_text(encoding="utf-8").splitlines()]
    # Every comment the platforms had decided comes back with its platform id.
    assert {row["status"] for row in rows} == {str(Status.APPROVED), str(Status.HIDDEN)}
    assert all(row["external_id"] for row in rows)


def test_a_locked_article_takes_no_comment_nor_state_from_a_reimport(
    database: Database, tmp_path: Path
) -> None:
    from moderator.domain import Role  # noqa: PLC0415
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.services.review import set_locked  # noqa: PLC0415

    path = tmp_path / "site.xml"
    first = wxr_comment(1, "first")
    path.write_text(WXR_HEAD + wxr_item("One", first) + "</channel></rss>", encoding="utf-8")
    (change,) = import_paths(database, [path], actor="ann").imported
    with database.transaction() as session:
        set_locked(
            session,
            change.article_id,
            locked=True,
            actor=ensure_profile(session, "ed", role=Role.EDITOR),
        )
    later = (
        first
        + wxr_comment(2, "reply", parent=1)
        + wxr_comment(3, "buy", approved="spam")
        + wxr_comment(4, "held", approved="0")
    )
    path.write_text(WXR_HEAD + wxr_item("One", later) + "</channel></rss>", encoding="utf-8")
    report = import_paths(database, [path], actor="ann")
    assert (report.added, report.skipped_locked) == (0, 3)
    assert report.skipped == [
        f"http://x.test/One: article #{change.article_id} 'One' is locked by an editor:"
        " its 3 new comments were not imported"
    ]
    assert counts(database) == (1, 1)
    with database.session() as session:
        # The first import's state of comment 1 only: none for the skipped ones.
        states = list(stream_entries(session, LogFilter(action="import-state")))
        assert [entry.comment for entry in states] == [1]
        imports = list(stream_entries(session, LogFilter(action="import")))
        assert imports[-1].note == (
            "0 comments added, 1 already present, 3 new skipped: the article is locked"
        )
        assert verify_log(session).ok


def test_a_date_out_of_range_refuses_its_file_and_the_run_goes_on(
    database: Database, tmp_path: Path
) -> None:
    # Year 1 an hour east of UTC raised OverflowError: the files after it were never read.
    (tmp_path / "a-bad.xml").write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>http://x.test/a</link><title>A</title></thread>'
        '<post dsq:id="10"><message>hi</message><createdAt>0001-01-01T00:00:00+01:00'
        '</createdAt><author><name>ann</name></author><thread dsq:id="1"/></post></disqus>',
        encoding="utf-8",
    )
    (tmp_path / "b-good.txt").write_text(
        "T\n\nBody.\n\nComments 1\nThumb bob 1 May 2020, 10:00\n\nFine.\n", encoding="utf-8"
    )
    report = import_paths(database, [tmp_path])
    assert [error.source for error in report.failed] == [str(tmp_path / "a-bad.xml")]
    assert "not a date" in str(report.failed[0])
    assert report.added == 1


def test_a_cut_disqus_file_recovers_what_precedes_the_fault_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Threads were emitted only at the end: --recover kept nothing, then the command said
    # "no scraped files (*.txt) found".
    db = str(tmp_path / "db.sqlite3")
    cut = tmp_path / "cut.xml"
    cut.write_text(disqus_export()[:-200], encoding="utf-8")
    assert main(["--db", db, "import", str(cut), "--as", "ann"]) == 1
    out, err = capsys.readouterr()
    assert f"{cut}:" in err
    assert "(nothing imported from this file)" in err
    assert main(["--db", db, "import", str(cut), "--as", "ann", "--recover"]) == 0
    out, err = capsys.readouterr()
    assert out.count("new article") == 2
    assert "recovered: the 2 articles read before it were imported" in err
    assert "post 29 belongs to no thread in the file; skipped" in err
    assert "found in the paths given" not in err
    assert "2 imported, 0 failed, 19 comments added" in err


def test_a_disqus_file_cut_before_any_thread_is_a_failed_file_even_recovering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.xml"
    cut.write_text(DISQUS_HEAD + disqus_thread(1)[:-20], encoding="utf-8")
    code = main(["--db", str(tmp_path / "db.sqlite3"), "import", str(cut), "--recover"])
    _, err = capsys.readouterr()
    assert code == 1
    assert f"{cut}:" in err
    assert "(nothing imported from this file)" in err
    assert "found in the paths given" not in err


def test_a_nul_character_refuses_its_file_and_the_run_goes_on(
    database: Database, tmp_path: Path
) -> None:
    # SQLite stored it; PostgreSQL refused it and the whole run ended there.
    (tmp_path / "a-nul.txt").write_text(
        "T\n\nBody.\n\nComments 1\nThumb ann 1 May 2020, 10:00\n\nHi \x00there.\n",
        encoding="utf-8",
    )
    (tmp_path / "b-good.txt").write_text(
        "T2\n\nBody.\n\nComments 1\nThumb bob 1 May 2020, 10:00\n\nFine.\n", encoding="utf-8"
    )
    (tmp_path / "c-nul.xml").write_text(
        WXR_HEAD + wxr_item("One", wxr_comment(1, "x\x00y")) + "</channel></rss>",
        encoding="utf-8",
    )
    report = import_paths(database, [tmp_path], actor="ann")
    assert [(error.source, error.line) for error in report.failed] == [
        (str(tmp_path / "a-nul.txt"), 8),
        (str(tmp_path / "c-nul.xml"), 4),
    ]
    assert "NUL character" in str(report.failed[0])
    assert (len(report.imported), report.added) == (1, 1)
    assert counts(database) == (1, 1)


def test_a_full_temporary_disk_refuses_the_disqus_file_and_the_run_goes_on(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The posts wait in SQLite's temporary file: a full disk there raised sqlite3's own
    # error, a traceback that ended the run before the next file.
    def full(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(platform_xml._Spill, "post", full)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "a-site.xml").write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>http://x.test/a</link><title>A</title></thread>'
        '<post dsq:id="10"><message>hi</message><createdAt>2024-01-01T10:00:00Z'
        '</createdAt><author><name>ann</name></author><thread dsq:id="1"/></post></disqus>',
        encoding="utf-8",
    )
    (tmp_path / "b-good.txt").write_text(
        "T\n\nBody.\n\nComments 1\nThumb bob 1 May 2020, 10:00\n\nFine.\n", encoding="utf-8"
    )
    report = import_paths(database, [tmp_path / "a-site.xml", tmp_path / "b-good.txt"])
    (failed,) = report.failed
    assert str(failed).startswith(f"{tmp_path / 'a-site.xml'}: its posts could not be set aside")
    assert f"in {tmp_path / 'tmp'} (database or disk is full)" in str(failed)
    assert report.added == 1


def test_a_disqus_file_is_read_before_the_write_lock_is_taken(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The whole file was read (its posts set aside) inside the write transaction: another
    # desk's decision waited for all of it, and was refused past 10 s.
    free: list[bool] = []
    real_post = platform_xml._Spill.post

    def post(self: object, *args: object) -> None:
        free.append(writer_is_free(database))
        real_post(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(platform_xml._Spill, "post", post)
    path = tmp_path / "site.xml"
    path.write_text(
        '<?xml version="1.0"?><disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>http://x.test/a</link><title>A</title></thread>'
        + "".join(
            f'<post dsq:id="{n}"><message>hi {n}</message><createdAt>2024-01-01T10:00:00Z'
            '</createdAt><author><name>ann</name></author><thread dsq:id="1"/></post>'
            for n in range(3)
        )
        + "</disqus>",
        encoding="utf-8",
    )
    report = import_paths(database, [path])
    assert report.added == 3
    assert free == [True, True, True]
