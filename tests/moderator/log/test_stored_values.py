"""Values stored by raw SQL that the log never writes (SQLite keeps any type in any column):
`log verify` names the entry or comment and the column, exports refuse naming them, and no
command ends in a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from moderator.cli import main

ARTICLE = (
    "T\n\nBody.\n\nComments 2\nThumb ann 1 May 2020, 10:00\n\nHi.\n\n"
    "Thumb bob 1 May 2020, 11:00\n\nYo.\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database whose last entry (a hide) has every column of an entry filled but two."""
    path = tmp_path / "db.sqlite3"
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    assert main(["--db", str(path), "import", str(article), "--no-rules", "--as", "ann"]) == 0
    hide = ["hide", "1", "--reason", "spam", "--note", "rude", "--as", "ann"]
    assert main(["--db", str(path), *hide]) == 0
    return path


def _store(path: Path, sql: str) -> None:
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA ignore_check_constraints = ON")
        raw.execute(sql)
        raw.commit()
    finally:
        raw.close()


def _last_entry(path: Path) -> int:
    raw = sqlite3.connect(path)
    try:
        return int(raw.execute("SELECT max(seq) FROM log_entry").fetchone()[0])
    finally:
        raw.close()


def _run(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


# (column, stored value, how the message shows it and what it should have been)
ENTRY_VALUES = [
    ("comment_id", "'garbage'", "its comment_id holds 'garbage', not a whole number or nothing"),
    ("article_id", "1.5", "its article_id holds 1.5, not a whole number or nothing"),
    ("reverts", "x'00ff'", "its reverts holds b'\\x00\\xff', not a whole number or nothing"),
    ("created_at", "'garbage'", "its created_at holds 'garbage', not a time"),
    ("created_at", "'2026-13-45 99:99:99.000000'", "its created_at holds '2026-13-45 99:99"),
    ("created_at", "-1", "its created_at holds -1, not a time"),
    (
        "created_at",
        "'2026-12-07T15:42:18.153240'",
        "its created_at holds '2026-12-07T15:42:18.153240', not a time as the log stores times",
    ),
    ("actor", "x'00ff'", "its actor holds b'\\x00\\xff', not text"),
    ("action", "x'68'", "its action holds b'h', not text"),
    ("prev_hash", "x'00'", "its prev_hash holds b'\\x00', not text"),
    ("hash", "x'00'", "its hash holds b'\\x00', not text"),
    ("note", "x'00ff'", "its note holds b'\\x00\\xff', not text or nothing"),
    ("reason", "x'00'", "its reason holds b'\\x00', not text or nothing"),
    ("escalated", "'garbage'", "its escalated holds 'garbage', not 0, 1 or nothing"),
    ("escalated", "-1", "its escalated holds -1, not 0, 1 or nothing"),
    ("evidence", "'garbage'", "its evidence holds 'garbage', not a JSON object's text"),
    ("evidence", "'{not json'", "its evidence holds '{not json', not a JSON object's text"),
    ("evidence", "x'00ff'", "its evidence holds b'\\x00\\xff', not a JSON object's text"),
    # json gave up on this with RecursionError: a traceback from every export.
    ("evidence", "'" + "[" * 100_000 + "'", "its evidence holds '[[[[[[[[[[["),
]


@pytest.mark.parametrize(("column", "value", "said"), ENTRY_VALUES)
def test_verify_names_the_entry_and_the_column(
    db: Path, capsys: pytest.CaptureFixture[str], column: str, value: str, said: str
) -> None:
    seq = _last_entry(db)
    _store(db, f"UPDATE log_entry SET {column} = {value} WHERE seq = {seq}")
    code, _, err = _run(db, capsys, "log", "verify")
    assert code == 1
    assert f"moderator: the log does not hold: entry {seq}: {said}" in err
    assert "a stored value not usable" in err


@pytest.mark.parametrize("log_format", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("stored", ENTRY_VALUES)
def test_export_refuses_naming_the_entry_and_writes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], stored: tuple[str, str, str], log_format: str
) -> None:
    """A comment id stored as text, a time as garbage, bytes for a name: the export ended
    in a traceback (TypeError, ValueError, KeyError, AttributeError), or copied them out."""
    column, value, said = stored
    seq = _last_entry(db)
    _store(db, f"UPDATE log_entry SET {column} = {value} WHERE seq = {seq}")
    out = db.with_name(f"log.{log_format}")
    code, _, err = _run(db, capsys, "log", "export", "--format", log_format, "--out", str(out))
    assert code == 1
    assert err.startswith(f"moderator: log entry {seq}: {said}")
    assert "nothing was exported" in err
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith("log.")) == []


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        (
            "UPDATE comment SET status = 'garbage' WHERE id = 1",
            "comment 1: its status is 'garbage'",
        ),
        ("UPDATE comment SET escalated = 'x' WHERE id = 1", "comment 1: its escalated is 'x'"),
        (
            "UPDATE log_entry SET created_at = 'garbage' WHERE action = 'hide'",
            "comment 1: its decision's time is 'garbage', not a time",
        ),
        (
            "UPDATE log_entry SET actor = x'00' WHERE action = 'hide'",
            "comment 1: its actor is b'\\x00', not text",
        ),
        (
            "UPDATE log_entry SET reason = x'01' WHERE action = 'hide'",
            "comment 1: its reason is b'\\x01', not text",
        ),
    ],
)
def test_the_decisions_export_refuses_naming_the_comment(
    db: Path, capsys: pytest.CaptureFixture[str], sql: str, said: str
) -> None:
    _store(db, sql)
    out = db.with_name("decisions.jsonl")
    code, _, err = _run(db, capsys, "decisions", "export", "--format", "jsonl", "--out", str(out))
    assert code == 1
    assert err.startswith(f"moderator: {said}")
    assert not out.exists()


@pytest.mark.parametrize("value", ["'garbage'", "1.5", "x'00'"])
def test_the_head_of_a_log_with_an_unusable_time_is_refused_in_words(
    db: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    _store(db, f"UPDATE log_entry SET created_at = {value} WHERE seq = {_last_entry(db)}")
    code, out, err = _run(db, capsys, "log", "head")
    assert (code, out) == (1, "")
    assert err.startswith("moderator: the time stored with the log's last entry is not usable (")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("posted_at", "'garbage'"),
        ("posted_at", "1.5"),
        ("imported_at", "x'00'"),
        ("version", "'x'"),
        ("position", "1.5"),
        ("parent_id", "'x'"),
    ],
)
def test_verify_names_a_comment_holding_a_value_of_the_wrong_type(
    db: Path, capsys: pytest.CaptureFixture[str], column: str, value: str
) -> None:
    """A comment's time stored as garbage passed `log verify` (and then broke the queue)."""
    _store(db, f"UPDATE comment SET {column} = {value} WHERE id = 2")
    code, _, err = _run(db, capsys, "log", "verify")
    assert code == 1
    assert (
        "comment(s) holding a stored value not usable (of a type Moderator never writes, stored"
        f" behind the log's back): 2 ({column})"
    ) in err
