"""Output is inert: what strangers wrote neither drives the terminal nor runs in a sheet."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.services.importing import import_article
from moderator.store.database import Database, open_database
from tests.conftest import add_comments
from tests.moderator.cli.test_inputs import child, posix_only
from tests.moderator.cli.test_main import Cli

# A retitled terminal, a cleared screen, a planted link, a reversed line, a hidden space, a
# C1 "control sequence introducer".
HOSTILE = (
    "\x1b]0;pwned\x07 \x1b[2J \x1b]8;;http://x\x1b\\click\x1b]8;;\x1b\\ \u202eexe.txt \u200b \x9b2J"
)
AUTHOR = "ed\x1b[31m\u200b\u202e\x9b"
# Raw, each of these would act on a terminal (or hide text from the one reading it).
ACTIVE = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b", "\x85", "\r")
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    database = open_database(str(tmp_path / "db.sqlite3"))
    with database.transaction() as session:
        import_article(
            session,
            IncomingArticle(
                f"Title {HOSTILE}",
                "The article.",
                "hostile.txt",
                (
                    IncomingComment(AUTHOR, T0, f"Body {HOSTILE}\nsecond line", "1;=2+2"),
                    IncomingComment("reader", T0, "A reply", "r1", parent_external_id="1;=2+2"),
                ),
            ),
        )
    database.close()
    return Cli(tmp_path / "db.sqlite3", capsys)


def _inert(printed: str) -> None:
    raw = printed.encode("utf-8")
    for char in ACTIVE:
        assert char.encode("utf-8") not in raw, repr(char)


@pytest.mark.parametrize(
    "args",
    [
        ("queue",),
        ("queue", "--status", "all", "--order", "severity"),
        ("show", "1", "2"),
        ("thread", "1"),
        ("threads",),
        ("articles",),
    ],
)
def test_commands_print_hostile_text_as_markers(cli: Cli, args: tuple[str, ...]) -> None:
    assert cli("hide", "2", "--reason", "spam", "--note", HOSTILE, "--as", "ann")[0] == 0
    assert cli("escalate", "1", "--note", HOSTILE, "--as", "ann")[0] == 0  # for `threads`
    code, out, err = cli(*args)
    assert code == 0, err
    _inert(out)
    _inert(err)
    assert "\u27e8U+001B\u27e9" in out
    if args[0] in {"queue", "show", "thread"}:
        assert (
            "ed\u27e8U+001B\u27e9[31m\u27e8U+200B\u27e9\u27e8U+202E\u27e9\u27e8U+009B\u27e9" in out
        )


def test_show_keeps_a_comments_own_line_breaks(cli: Cli) -> None:
    _, out, _ = cli("show", "1")
    assert "second line" in out.splitlines()


def test_messages_quoting_untrusted_text_are_inert(cli: Cli) -> None:
    code, _, err = cli("note", "--author", "no\x1b]0;one\x07", "hello", "--as", "ann")
    assert code in {0, 1}
    _inert(err)
    code, _, err = cli("import", "/nonexistent/\x1b[2J\u202e.txt", "--as", "ann")
    assert code == 1
    _inert(err)


@pytest.mark.parametrize(
    "args", [("queue", "--json"), ("show", "1", "--json"), ("thread", "1", "--json")]
)
def test_json_output_escapes_what_it_carries_and_reads_back_unchanged(
    cli: Cli, args: tuple[str, ...]
) -> None:
    code, out, err = cli(*args)
    assert code == 0, err
    _inert(out)
    assert "\\u001b" in out
    assert "\\u202e" in out
    assert "\\u009b" in out
    document = json.loads(out)
    (comment,) = [c for c in document["comments"] if c["id"] == 1]
    assert comment["author"] == AUTHOR
    assert comment["body"] == f"Body {HOSTILE}\nsecond line"


def test_json_lines_escape_line_separators(cli: Cli, tmp_path: Path) -> None:
    note = "one\u2028two\u2029three\x85four\u202e"
    assert cli("note", "--comment", "1", note, "--as", "ann")[0] == 0
    out = tmp_path / "log.jsonl"
    assert cli("log", "export", "--format", "jsonl", "--out", str(out))[0] == 0
    raw = out.read_bytes()
    for char in ("\u2028", "\u2029", "\x85", "\u202e", "\x1b", "\x9b"):
        assert char.encode("utf-8") not in raw, repr(char)
    # A line-based reader sees one record a line, and each reads back as it was signed.
    lines = raw.decode("utf-8").split("\n")
    assert all(json.loads(line) for line in lines if line)
    notes = [json.loads(line).get("note") for line in lines if line]
    assert note in notes
    code, said, err = cli("log", "verify", "--file", str(out))
    assert code == 0, err
    assert said.startswith("ok:")
    decisions = tmp_path / "decisions.jsonl"
    assert cli("hide", "1", "--reason", "spam", "--as", "ann")[0] == 0
    assert cli("decisions", "export", "--format", "jsonl", "--out", str(decisions))[0] == 0
    assert "\\u2028" not in decisions.read_text(encoding="utf-8")  # nothing to escape there
    _inert(decisions.read_text(encoding="utf-8"))


def test_the_decisions_csv_neutralises_a_semicolon_locales_formula(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("hide", "1", "--reason", "spam", "--as", "ann")[0] == 0
    out = tmp_path / "decisions.csv"
    assert cli("decisions", "export", "--format", "csv", "--out", str(out))[0] == 0
    text = out.read_text(encoding="utf-8")
    (row,) = csv.DictReader(text.splitlines())
    assert row["external_id"] == "1;'=2+2"
    # Read as a semicolon locale reads it (quotes that do not open a cell are text).
    cells = [cell for line in text.splitlines() for cell in line.split(";")]
    assert not [cell for cell in cells if cell.lstrip(" ")[:1] in {"=", "+", "-", "@"}]


@posix_only
def test_output_to_a_closed_pipe_ends_quietly_as_sigpipe_would(sqlite_database: Database) -> None:
    add_comments(sqlite_database, 3000)
    url = sqlite_database.engine.url.database
    assert url is not None
    reading, writing = os.pipe()
    # The reader has gone before the command writes a line (`moderator queue | head -0`).
    os.close(reading)
    try:
        done = child(Path(url), "queue", "--limit", "0", stdout=writing, stderr=subprocess.PIPE)
    finally:
        os.close(writing)
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports a command it ended
    assert done.stderr == b""


def test_a_terminal_that_cannot_show_a_letter_gets_its_escape(tmp_path: Path) -> None:
    # An author named zoë ended `moderator queue` in UnicodeEncodeError on an ASCII terminal.
    article = tmp_path / "a.txt"
    article.write_text(
        "T\n\nBody.\n\nComments 1\nThumb zoë 1 May 2020, 10:00\n\nHé là.\n", encoding="utf-8"
    )
    env = {**os.environ, "MODERATOR_CONFIG_DIR": str(tmp_path / "config")}
    command = [sys.executable, "-m", "moderator", "--db", str(tmp_path / "db.sqlite3")]
    subprocess.run([*command, "import", str(article)], env=env, check=True, capture_output=True)  # noqa: S603
    shown = subprocess.run(  # noqa: S603 - our own command line
        [*command, "queue"],
        env={**env, "PYTHONIOENCODING": "ascii"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "zo\\xeb" in shown.stdout
    assert "H\\xe9 l\\xe0." in shown.stdout
