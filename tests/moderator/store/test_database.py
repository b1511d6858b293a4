"""Opening the database: where it lives, SQLite's settings, and migrations with a backup."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Index, text

from moderator import settings
from moderator.cli import main
from moderator.formats.modlog import GENESIS, LogEntry, entry_hash
from moderator.log.verify import verify_log
from moderator.store import database as storage
from moderator.store.checkpoints import BackgroundCheckpoints
from moderator.store.database import (
    APPLICATION_ID,
    Database,
    DatabaseError,
    _migration_connection,
    _switch_to_wal,
    alembic_config,
    database_url,
    make_engine,
    open_database,
    probe_database,
    upgrade,
)
from moderator.store.migrations import HEAD
from moderator.store.models import Base, sqlite_datetime_text


def test_head_constant_matches_the_migration_scripts() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_current_head() == HEAD


def test_migrations_build_exactly_the_models_schema(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_sqlite_is_durable_and_checks_foreign_keys(sqlite_database: Database) -> None:
    database = sqlite_database  # what it checks is SQLite's own
    with database.session() as session:
        settings = {
            name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert settings == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 2,  # FULL
        "busy_timeout": 10_000,
    }


def test_a_new_database_is_created_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "db.sqlite3"
    db = open_database(f"sqlite:///{path}")
    db.close()
    assert path.exists()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
    raw.close()


@pytest.mark.parametrize(
    "revision",
    [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()][1:],
)
def test_an_older_database_is_backed_up_then_upgraded(tmp_path: Path, revision: str) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    stamp = datetime(2024, 5, 1, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at)"
            " VALUES (1, 'Old', 'Body', 'old.txt', 'h', :t, :t)",
            "INSERT INTO author (id, name, first_seen_at) VALUES (1, 'ann', :t)",
            "INSERT INTO comment (id, article_id, position, author_id, posted_at, body, status,"
            " escalated, fingerprint, imported_at) VALUES (1, 1, 1, 1, :t, 'hi', 'hidden', 0,"
            " 'f', :t)",
            "INSERT INTO profile (id, name, role, created_at) VALUES (1, 'mod', 'moderator', :t)",
        ):
            connection.execute(text(statement), {"t": stamp})
        _hidden_by_mod(connection, revision, stamp)
    engine.dispose()

    db = open_database(f"sqlite:///{path}")
    try:
        assert db.backup is not None
        assert db.backup.name.startswith(f"old.sqlite3.backup-{revision}-")
        with db.session() as session:
            assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
            assert session.execute(text("SELECT title FROM article")).scalar() == "Old"
            history = session.execute(
                text("SELECT action, reason, actor FROM log_entry ORDER BY seq")
            )
            # The decision carried over, then (from before 0014) what the comments and roles were.
            baseline = [("baseline", None, "system")] if revision < "0014" else []
            assert history.all() == [("hide", "spam", "mod"), *baseline]
            # (From 0014 the log holds what was stored before it: rows added by hand since,
            # as this test adds them, are rightly named as stored behind its back.)
            assert verify_log(session).ok == (revision < "0014")
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.close()
    with sqlite3.connect(db.backup) as backup:
        assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
        assert backup.execute("SELECT title FROM article").fetchone() == ("Old",)
    backup.close()


def _hidden_by_mod(connection: Connection, revision: str, stamp: datetime) -> None:
    """Comment 1's hiding, as the history of ``revision`` keeps it."""
    if revision < "0005":
        connection.execute(
            text(
                "INSERT INTO moderation_action (comment_id, actor_id, role, action, from_status,"
                " to_status, reason, created_at) VALUES (1, 1, 'moderator', 'hide', 'pending',"
                " 'hidden', 'spam', :t)"
            ),
            {"t": stamp},
        )
        return
    entry = LogEntry(
        seq=1,
        prev=GENESIS,
        time=stamp.replace(tzinfo=UTC),
        actor="mod",
        role="moderator",
        action="hide",
        comment=1,
        article=1,
        from_status="pending",
        to_status="hidden",
        escalated=False,
        reason="spam",
        rule_set=None,
        reverts=None,
        note=None,
        evidence=None,
    )
    digest = entry_hash(entry)
    connection.execute(
        text(
            "INSERT INTO log_entry (seq, prev_hash, created_at, actor, role, action, comment_id,"
            " article_id, from_status, to_status, escalated, reason, hash) VALUES (1, :prev, :t,"
            " 'mod', 'moderator', 'hide', 1, 1, 'pending', 'hidden', 0, 'spam', :hash)"
        ),
        {"prev": GENESIS, "t": sqlite_datetime_text(entry.time), "hash": digest},
    )
    connection.execute(text("UPDATE log_head SET seq = 1, hash = :hash"), {"hash": digest})


def test_a_plain_path_opens_like_a_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = open_database("relative.sqlite3")
    db.close()
    assert (tmp_path / "relative.sqlite3").exists()
    assert db.url == f"sqlite:///{tmp_path / 'relative.sqlite3'}"


def test_an_up_to_date_database_is_not_backed_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    open_database(url).close()
    again = open_database(url)
    again.close()
    assert again.backup is None
    assert [p.name for p in tmp_path.iterdir() if "backup" in p.name] == []


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.close()
    with pytest.raises(DatabaseError, match=r"newer Moderator \(schema '9999'"):
        open_database(f"sqlite:///{path}")


def foreign_sqlite(path: Path) -> Path:
    """A SQLite file of another program's."""
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (x)")
    raw.close()
    return path


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = foreign_sqlite(tmp_path / "other.sqlite3")
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="is not a Moderator database"):
        open_database(str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite3"]


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n" * 100, encoding="utf-8")
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        open_database(str(path))
    assert path.read_text(encoding="utf-8") == "just some notes\n" * 100


def test_a_database_that_cannot_be_read_at_all_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changes waiting in its -wal file, in a folder that takes no writes: SQLite cannot read
    them without a -shm file, and reading the file alone would miss them."""
    path = tmp_path / "moderator.sqlite3"
    open_database(str(path)).close()
    path.with_name(path.name + "-wal").write_bytes(b"changes")
    real = sqlite3.connect

    def read_only(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        if "mode=ro" in str(args[0]):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(*args, **kwargs)

    monkeypatch.setattr("moderator.store.database.sqlite3.connect", read_only)
    with pytest.raises(DatabaseError) as refused:
        open_database(str(path))
    assert str(refused.value).startswith(
        f"{path} cannot be read: it (or its folder) takes no writes, and changes to it wait in"
        " a file beside it"
    )
    assert "not a SQLite database" not in str(refused.value)


@pytest.mark.parametrize("name", ["we?ird.sqlite3", "pct%20dir.sqlite3", "hash#tag.sqlite3"])
def test_paths_are_taken_literally(tmp_path: Path, name: str) -> None:
    db = open_database(str(tmp_path / name))
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".sqlite3") == [name]


def test_a_url_that_is_not_one_is_a_clear_error() -> None:
    with pytest.raises(DatabaseError, match="is not a database URL"):
        open_database("::bogus:://x")
    with pytest.raises(DatabaseError, match="no database driver for 'bogus'"):
        open_database("bogus://x")
    # A port that is not a number (SQLAlchemy raises ValueError), and the password not repeated.
    with pytest.raises(DatabaseError, match="is not a database URL") as refused:
        open_database("postgresql+psycopg://ann:s3cret@db.example.org:54x2/moderation")
    assert "s3cret" not in str(refused.value)
    assert "'postgresql+psycopg://ann:***@db.example.org:54x2/moderation'" in str(refused.value)


def test_a_failed_unit_of_work_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction() as session:
        session.execute(
            text(
                "INSERT INTO profile (name, role, created_at) VALUES ('x', 'moderator', "
                "'2020-01-01 00:00:00')"
            )
        )
        raise RuntimeError("boom")
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM profile")).scalar() == 0


@pytest.mark.parametrize(
    ("given", "environ", "expected"),
    [
        ("postgresql+psycopg://u@h/db", {}, "postgresql+psycopg://u@h/db"),
        (None, {"MODERATOR_DB": "sqlite:////x/y.db"}, "sqlite:////x/y.db"),
        ("/tmp/a.sqlite3", {"MODERATOR_DB": "/ignored"}, "sqlite:////tmp/a.sqlite3"),
    ],
)
def test_database_url_precedence(given: str | None, environ: dict[str, str], expected: str) -> None:
    assert database_url(given, environ).render_as_string(hide_password=False) == expected


def test_the_database_chosen_in_settings_comes_after_the_flag_and_the_environment(
    tmp_path: Path,
) -> None:
    chosen = "postgresql+psycopg://team@db.example/moderator"
    settings.use_database(chosen)
    assert database_url(None, {}).render_as_string() == chosen
    assert database_url(None, {"MODERATOR_DB": "/e.db"}).database == "/e.db"
    assert database_url("/f.db", {"MODERATOR_DB": "/e.db"}).database == "/f.db"
    settings.use_database(None)
    assert database_url(None, {}).database != chosen
    # A broken settings file is named, not guessed past.
    settings.settings_path().write_text('{"database": 7}', encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"settings\.json: 'database' must be a path or a URL"):
        database_url(None, {})


def test_probing_says_what_is_there_and_writes_nothing(tmp_path: Path) -> None:
    new = tmp_path / "new.sqlite3"
    assert probe_database(str(new)) == f"{new} does not exist yet: Moderator will create it"
    assert not new.exists()
    foreign = foreign_sqlite(tmp_path / "foreign.db")
    before = foreign.read_bytes()
    with pytest.raises(DatabaseError, match="not a Moderator database"):
        probe_database(str(foreign))
    assert foreign.read_bytes() == before
    with pytest.raises(DatabaseError, match=r"no database driver|not installed"):
        probe_database("nosuchdriver://x/y")


def test_probing_a_moderator_database_finds_it_ready(database: Database) -> None:
    location = database.engine.url.render_as_string(hide_password=False)
    assert probe_database(location).endswith("is a Moderator database, ready")


def test_a_read_sees_one_moment_whatever_commits_meanwhile(
    database: Database, other_desk: Database
) -> None:
    """A view that reads the log's head and then rows must not see a commit between the two
    (SQLite's read transactions hold a snapshot; PostgreSQL's reads are REPEATABLE READ)."""
    with database.session() as session:
        before = session.scalar(text("SELECT seq FROM log_head"))
        with other_desk.transaction() as writing:
            writing.execute(text("UPDATE log_head SET seq = seq + 1"))
        assert session.scalar(text("SELECT seq FROM log_head")) == before
    with database.session() as session:
        assert session.scalar(text("SELECT seq FROM log_head")) == before + 1


def test_relative_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_url("rel.db", {}).database == str(tmp_path / "rel.db")


def test_the_default_lives_in_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert database_url(None, {}).database == str(tmp_path / "moderator" / "moderator.sqlite3")


def test_processes_opening_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    script = (
        "import sys; from moderator.store.database import open_database; open_database(sys.argv[1])"
    )
    runs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and a literal script
            [sys.executable, "-c", script, str(path)], stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = [(run.wait(), run.stderr.read().decode() if run.stderr else "") for run in runs]
    for run in runs:
        if run.stderr:
            run.stderr.close()
    assert results == [(0, "")] * 4
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    raw.close()


def test_a_migration_that_breaks_references_changes_nothing(sqlite_database: Database) -> None:
    database = sqlite_database  # what it checks is SQLite's own
    orphan = (
        "INSERT INTO comment (article_id, position, author_id, posted_at, body, status, escalated,"
        " fingerprint, imported_at) VALUES (99, 1, 99, '2020-01-01', 'x', 'pending', 0, 'f',"
        " '2020-01-01')"
    )
    refused = pytest.raises(DatabaseError, match="would break 2 references")
    with refused, _migration_connection(database.engine) as connection:
        connection.exec_driver_sql(orphan)
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM comment")).scalar() == 0
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize(
    "revision",
    [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()][1:],
)
def test_an_upgraded_database_has_the_schema_of_a_new_one(tmp_path: Path, revision: str) -> None:
    # Down to every CHECK constraint: SQLite migrations that copy a table could drop them.
    # A table's columns and constraints are compared as a set: SQLAlchemy may write the
    # constraints in any order.
    def schema(path: Path) -> list[tuple[str, str, frozenset[str] | list[str]]]:
        with sqlite3.connect(path) as raw:
            rows = raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
            ).fetchall()
        raw.close()
        found: list[tuple[str, str, frozenset[str] | list[str]]] = []
        for name, sql in rows:
            flat = " ".join(sql.replace('"', "").split())
            head, _, body = flat.partition("(")
            body = body.strip().removesuffix(")")  # the parenthesis that closes the table
            parts = _top_level_parts(body)
            # An index's columns keep their order.
            found.append((name, head.strip(), frozenset(parts) if "TABLE" in head else parts))
        return found

    old = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{old}")
    upgrade(engine, revision)
    engine.dispose()
    open_database(f"sqlite:///{old}").close()
    new = tmp_path / "new.sqlite3"
    open_database(f"sqlite:///{new}").close()
    assert schema(old) == schema(new)


def _top_level_parts(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses, each part stripped."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        depth += (char == "(") - (char == ")")
        current.append(char)
    parts.append("".join(current).strip())
    return parts


class _Cursor:
    """Answers the WAL pragma with these errors first, then succeeds."""

    def __init__(self, *errors: sqlite3.OperationalError) -> None:
        self.errors = list(errors)
        self.tries = 0

    def execute(self, statement: str) -> None:
        assert statement == "PRAGMA journal_mode = WAL"
        self.tries += 1
        if self.errors:
            raise self.errors.pop(0)


def test_switching_a_new_file_to_wal_waits_for_other_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Several processes opening a new file at once: SQLite refuses all but one at once, with
    # no busy timeout, until the file is in WAL mode.
    monkeypatch.setattr("moderator.store.database.time.sleep", lambda _seconds: None)
    locked = sqlite3.OperationalError("database is locked")
    cursor = _Cursor(locked, locked)
    _switch_to_wal(cursor)  # type: ignore[arg-type]
    assert cursor.tries == 3

    broken = _Cursor(sqlite3.OperationalError("disk I/O error"))
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        _switch_to_wal(broken)  # type: ignore[arg-type]
    assert broken.tries == 1


def test_background_checkpoints_keep_commits_from_checkpointing(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "desk.sqlite3"), background_checkpoints=True)
    try:
        assert db.checkpoints is not None
        with db.session() as session:
            # The desk's own connections never checkpoint in a commit...
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        with db.session() as session:
            session.execute(text("SELECT count(*) FROM author")).scalar()
        # A unit of work that only read asks for nothing.
        assert db.checkpoints.count == 0
        with db.transaction() as session:
            rows = [
                {"name": f"reader {n}", "first_seen_at": datetime.now(UTC)} for n in range(5000)
            ]
            session.execute(
                text("INSERT INTO author (name, first_seen_at) VALUES (:name, :first_seen_at)"),
                rows,
            )
        # ... one that wrote hands the checkpoint to the helper thread.
        assert db.checkpoints.checkpointed.wait(timeout=30)
        assert db.checkpoints.count >= 1
    finally:
        db.close()
    # Closed: the helper ended and the database is whole.
    with sqlite3.connect(tmp_path / "desk.sqlite3") as raw:
        assert raw.execute("SELECT count(*) FROM author").fetchone() == (5000,)
    raw.close()


def test_background_checkpoints_are_for_sqlite_files_only() -> None:
    engine = make_engine("sqlite://")
    try:
        with pytest.raises(ValueError, match="SQLite database files"):
            BackgroundCheckpoints(engine)
    finally:
        engine.dispose()


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    "command",
    [
        ["queue"],
        ["articles"],
        ["show", "1"],
        ["thread", "1"],
        ["log", "verify"],
        ["log", "head"],
        ["log", "export", "--format", "jsonl", "--out", "-"],
        ["decisions", "export", "--format", "jsonl", "--out", "-"],
        ["stats", "decisions"],
        ["rank", "status"],
        ["approve", "1"],
        ["rules", "run"],
    ],
)
def test_a_command_on_a_path_with_no_database_refuses_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A mistyped --db made the folders and an empty database, which `log verify` then
    called "ok: 0 entries"."""
    path = tmp_path / "typo" / "moderator.sqlite3"
    assert main(["--db", str(path), *command]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"moderator: no database at {path} (a database is created by the window's first start,"
        " `moderator import` or `moderator init`)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_empty_file_is_no_database_to_read_and_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "moderator.sqlite3"
    path.touch()
    assert main(["--db", str(path), "log", "verify"]) == 1
    assert "no database at" in capsys.readouterr().err
    assert _files(tmp_path) == {"moderator.sqlite3": b""}


def test_init_creates_the_database_that_other_commands_then_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "moderator.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    assert capsys.readouterr().out == f"{path}: a Moderator database, created\n"
    assert main(["--db", str(path), "init"]) == 0
    assert capsys.readouterr().out == f"{path}: a Moderator database, ready\n"
    assert main(["--db", str(path), "log", "verify"]) == 0
    assert capsys.readouterr().out.startswith("ok: the log holds: 0 entries")


def _mark(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("PRAGMA application_id").fetchone()[0])
    finally:
        raw.close()


def test_a_new_database_carries_moderator_s_mark(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    open_database(str(path)).close()
    assert _mark(path) == APPLICATION_ID == int.from_bytes(b"MdRt", "big")


@pytest.mark.parametrize("revision", ["0004", HEAD])
def test_a_database_made_before_the_mark_is_marked_when_opened(
    tmp_path: Path, revision: str
) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    engine.dispose()
    assert _mark(path) == 0
    open_database(str(path)).close()
    assert _mark(path) == APPLICATION_ID


def _other_program_s(path: Path, *, mark: int = 0, revision: str = "0001") -> Path:
    """Another application's database, made with Alembic too (rollback journal, as most)."""
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    raw.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    raw.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL)")
    raw.execute(f"PRAGMA application_id = {mark}")
    raw.commit()
    raw.close()
    return path


@pytest.mark.parametrize(
    ("mark", "revision", "words"),
    [
        (0, "0001", "has a schema version ('0001') but not Moderator's tables"),
        (0, "0013", "has a schema version ('0013') but not Moderator's tables"),
        (0x12345678, "0001", "is another program's database (its mark is 0x12345678"),
    ],
)
def test_another_program_s_database_is_refused_untouched(
    tmp_path: Path, mark: int, revision: str, words: str
) -> None:
    """Another application's Alembic database with a revision named 0001 was upgraded:
    switched to WAL, a backup left beside it, and a raw SQL error shown."""
    path = _other_program_s(tmp_path / "other.sqlite3", mark=mark, revision=revision)
    before = _files(tmp_path)
    with pytest.raises(DatabaseError) as refused:
        open_database(str(path))
    assert words in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert _files(tmp_path) == before


def test_another_program_s_database_with_tables_named_like_ours_is_refused_untouched(
    tmp_path: Path,
) -> None:
    # A blog's article, author, comment and profile tables passed for Moderator's: the file
    # was backed up, switched to WAL and "upgraded" until a raw SQL error stopped it.
    path = _other_program_s(tmp_path / "blog.sqlite3")
    raw = sqlite3.connect(path)
    for table in ("article", "author", "comment", "profile"):
        raw.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
    raw.commit()
    raw.close()
    before = _files(tmp_path)
    with pytest.raises(DatabaseError) as refused:
        open_database(str(path))
    assert "not Moderator's tables" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert _files(tmp_path) == before


def test_a_database_of_ours_with_another_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    open_database(str(path)).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA application_id = 7")
    raw.commit()
    raw.close()
    with pytest.raises(DatabaseError, match="another program's database"):
        open_database(str(path))


def test_probing_another_program_s_database_refuses_it(tmp_path: Path) -> None:
    path = _other_program_s(tmp_path / "other.sqlite3")
    with pytest.raises(DatabaseError, match="not Moderator's tables"):
        probe_database(str(path))


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_an_upgrade_whose_backup_cannot_be_made_is_refused_leaving_no_half_copy(
    tmp_path: Path,
) -> None:
    # The copy kept before an upgrade failed with sqlite3's own error (a traceback) and left
    # a 0-byte "backup" beside the database.
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0004")
    engine.dispose()
    size = path.stat().st_size
    limit = size // 2

    def limited() -> None:
        import resource  # noqa: PLC0415 - in the child only
        import signal  # noqa: PLC0415

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "moderator", "--db", str(path), "queue"],
        capture_output=True,
        text=True,
        env={**os.environ, "MODERATOR_CONFIG_DIR": str(tmp_path / "config")},
        preexec_fn=limited,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "the copy of it kept first could not be made beside it" in done.stderr
    assert "Nothing was changed" in done.stderr
    assert sorted(p.name for p in tmp_path.glob("old.sqlite3.backup-*")) == []
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)


def test_a_database_read_as_immutable_is_read_afresh_by_each_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The immutable connection of the read-only fallback was kept in a pool: a window that
    # opened that way never saw what a desk writing to the file committed afterwards.
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (n INTEGER)")
        raw.execute("INSERT INTO t VALUES (1)")
    raw.close()

    def immutable(at: Path) -> sqlite3.Connection:
        return sqlite3.connect(f"{at.resolve().as_uri()}?immutable=1", uri=True)

    monkeypatch.setattr(storage, "read_only_connection", immutable)
    engine = storage._read_only_engine(path)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
        with sqlite3.connect(path) as raw:
            raw.execute("INSERT INTO t VALUES (2)")
        raw.close()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_database_path_that_is_no_file_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    # `moderator --db FIFO init` waited for ever; a folder was said to take no writes.
    if kind == "fifo":
        path = tmp_path / "db.sqlite3"
        os.mkfifo(path)
        said = "is not a regular file, not a database file"
    elif kind == "folder":
        path = tmp_path
        said = "is a folder, not a database file"
    else:
        path = Path("/dev/null")
        said = "is not a regular file, not a database file"
    with pytest.raises(DatabaseError, match=said):
        open_database(str(path), create=True)


def _partial_indexes() -> list[Index]:
    return [i for t in Base.metadata.tables.values() for i in t.indexes if "where" in i.info]


def test_the_partial_indexes_hold_the_rows_the_models_say(sqlite_database: Database) -> None:
    # The models keep each partial index's WHERE in ``info`` (not as dialect arguments, which
    # load the PostgreSQL dialect at start): the migrations must have made exactly that.
    indexes = _partial_indexes()
    assert {i.name for i in indexes} >= {"ix_comment_escalated", "ix_log_entry_turnaround"}
    with sqlite_database.engine.connect() as connection:
        for index in indexes:
            made = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
                {"name": index.name},
            ).scalar_one()
            where = " ".join(made.split(" WHERE ", 1)[1].split())
            assert where == " ".join(index.info["where"]["sqlite"].split()), index.name
            columns = [c.name for c in index.columns]
            assert f"({', '.join(columns)})" in " ".join(made.split()), index.name
