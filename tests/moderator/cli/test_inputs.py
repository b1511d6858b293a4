"""Odd and hostile values given to the command line: refused in plain words as they are parsed,
never a traceback; odd files refused by name while the rest of the run goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.moderator.cli.test_main import GOOD, Cli

BIG = str(2**63)
LARGEST = str(2**63 - 1)
# What Python makes of a byte that is not UTF-8 in an argument (a lone surrogate).
NOT_UTF8 = os.fsdecode(b"\xff")
ROOT = Path(__file__).resolve().parents[3]
# Guards against a hang or a runaway read in the child, not measurements of its speed.
HANG_GUARD_SECONDS = 120
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files and pipes")


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """The command line on a database holding one article with comments 1 and 2."""
    article = tmp_path / "seed.txt"
    article.write_text(GOOD.format(n=0), encoding="utf-8")
    run = Cli(tmp_path / "db.sqlite3", capsys)
    code, _, err = run("import", str(article), "--no-rules")
    assert code == 0, err
    return run


def usage_error(cli: Cli, *args: str) -> str:
    """What argparse said refusing ``args`` (it exits with status 2)."""
    with pytest.raises(SystemExit) as ended:
        cli(*args)
    err = cli.capsys.readouterr().err
    assert ended.value.code == 2, err
    return err


def child(db: Path, *args: str | bytes, **options: object) -> subprocess.CompletedProcess[bytes]:
    """``python -m moderator --db DB ARGS`` in a process of its own."""
    command: list[str | bytes] = [sys.executable, "-m", "moderator", "--db", str(db), *args]
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        command,
        check=False,
        capture_output="stdout" not in options,
        cwd=ROOT,
        timeout=HANG_GUARD_SECONDS,
        **options,  # type: ignore[call-overload]
    )


# -- ids, counts and dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("queue", "--limit", BIG), "--limit"),
        (("queue", "--offset", BIG), "--offset"),
        (("queue", "--article", BIG), "--article"),
        (("show", BIG), "ID"),
        (("approve", "1", "--seen", f"1={BIG}"), "--seen"),
        (("thread", BIG), "ARTICLE"),
        (("lock", BIG), "ARTICLE"),
        (("unlock", BIG), "ARTICLE"),
        (("note", "--comment", BIG, "a note"), "--comment"),
        (("resolve", BIG, "--outcome", "uphold", "--note", "why"), "ID"),
        (("log", "export", "--format", "jsonl", "--out", "-", "--comment", BIG), "--comment"),
        (("log", "export", "--format", "jsonl", "--out", "-", "--article", BIG), "--article"),
        (("rules", "run", "--article", BIG), "--article"),
        (("rank", "explain", BIG), "ID"),
        (("stats", "decisions", "--article", BIG), "--article"),
        (("stats", "queue", "--article", BIG), "--article"),
        (("stats", "articles", "--at-least", BIG), "--at-least"),
        (("thread", "-1"), "ARTICLE"),
        (("queue", "--limit", "-1"), "--limit"),
        (("queue", "--limit", "1" * 5000), "--limit"),
        (("thread", "1_000"), "ARTICLE"),
    ],
)
def test_an_id_or_count_past_64_bits_is_a_usage_error_naming_the_option(
    cli: Cli, args: tuple[str, ...], option: str
) -> None:
    err = usage_error(cli, *args)
    assert f"error: argument {option}: " in err
    assert "Traceback" not in err


def test_the_largest_id_and_count_are_taken(cli: Cli) -> None:
    assert cli("queue", "--limit", LARGEST)[0] == 0
    assert cli("queue", "--offset", LARGEST)[0] == 0
    code, _, err = cli("thread", LARGEST)
    assert (code, err) == (1, f"moderator: article {LARGEST} has no comments\n")
    code, _, err = cli("note", "--comment", LARGEST, "a note")
    assert (code, err) == (1, f"moderator: no comment with id {LARGEST}\n")
    code, out, _ = cli("rules", "run", "--article", LARGEST)
    assert (code, out.split(" ", 1)[0]) == (0, "0")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("log", "export", "--format", "jsonl", "--out", "-", "--until", "9999-12-31"), "--until"),
        (("log", "export", "--format", "jsonl", "--out", "-", "--since", "0001-01-01"), "--since"),
        (("log", "export", "--format", "jsonl", "--out", "-", "--since", "9999-12-31"), "--since"),
        (
            ("decisions", "export", "--format", "csv", "--out", "-", "--since", "1899-12-31"),
            "--since",
        ),
        (("stats", "decisions", "--until", "9999-12-31"), "--until"),
        (("stats", "moderators", "--since", "0001-01-01T00:00:00+01:00"), "--since"),
        (("stats", "queue", "--since", "9999-12-31T23:00:00-05:00"), "--since"),
    ],
)
def test_a_date_outside_1900_to_2200_is_a_usage_error(
    cli: Cli, args: tuple[str, ...], option: str
) -> None:
    err = usage_error(cli, *args)
    assert f"error: argument {option}: " in err
    assert "is out of range: dates are from 1900 to 2200" in err


def test_dates_at_the_ends_of_the_range_are_taken(cli: Cli) -> None:
    export = ("log", "export", "--format", "jsonl", "--out", "-")
    assert cli(*export, "--since", "1900-01-01", "--until", "2200-12-31")[0] == 0
    assert cli("stats", "decisions", "--since", "1900-01-01", "--until", "2200-12-31")[0] == 0


# -- text that is not UTF-8 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("approve", "1", "--as", NOT_UTF8), "--as"),
        (("hide", "1", "--reason", "spam", "--note", NOT_UTF8), "--note"),
        (("escalate", "1", "--note", NOT_UTF8), "--note"),
        (("note", "--comment", "1", f"a note {NOT_UTF8}"), "TEXT"),
        (("note", "--author", NOT_UTF8, "a note"), "--author"),
        (("profile", NOT_UTF8, "--role", "moderator"), "NAME"),
        (("lock", "1", "--note", NOT_UTF8), "--note"),
        (("resolve", "1", "--outcome", "uphold", "--note", NOT_UTF8), "--note"),
        (("log", "export", "--format", "jsonl", "--out", "-", "--actor", NOT_UTF8), "--actor"),
        (("stats", "decisions", "--actor", NOT_UTF8), "--actor"),
        (("rules", "test", f"some {NOT_UTF8} text"), "TEXT"),
        (("rules", "test", "some text", "--author", NOT_UTF8), "--author"),
        (("rules", "run", "--as", NOT_UTF8), "--as"),
        (("rank", "reset", "--as", NOT_UTF8), "--as"),
        (("import", "--no-rules", "--as", NOT_UTF8, "x.txt"), "--as"),
    ],
)
def test_text_that_is_not_utf_8_is_refused_naming_the_option(
    cli: Cli, args: tuple[str, ...], option: str
) -> None:
    err = usage_error(cli, *args)
    assert f"error: argument {option}: not valid UTF-8 text" in err


@posix_only
def test_a_comment_on_standard_input_that_is_not_utf_8_is_refused(tmp_path: Path) -> None:
    done = child(tmp_path / "db.sqlite3", "rules", "test", input=b"some \xff text")
    assert done.returncode == 1
    assert done.stderr.decode() == "moderator: standard input:1: not UTF-8 text (byte ff)\n"
