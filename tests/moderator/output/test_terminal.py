"""Terminal output: aligned tables and the import progress bar."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from moderator.output.terminal import ProgressBar, data_output, inert_output, print_table


def test_tables_align_text_left_and_numbers_right() -> None:
    out = io.StringIO()
    print_table(out, ("ID", "NAME", "NOTE"), [(7, "ann", "short"), (123, "bartholomew", "x")])
    assert out.getvalue().splitlines() == [
        " ID  NAME         NOTE",
        "  7  ann          short",
        "123  bartholomew  x",
    ]


def test_an_empty_table_prints_its_header() -> None:
    out = io.StringIO()
    print_table(out, ("ID", "TITLE"), [])
    assert out.getvalue() == "ID  TITLE\n"


def test_the_progress_bar_redraws_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    bar = ProgressBar(out)
    bar.update(1, 4, Path("a.txt"))
    bar.update(4, 4, Path("/very/long/folder/name/that/does/not/fit/in/sixty/columns/b.txt"))
    bar.finish()
    frames = out.getvalue().split("\r")[1:]
    assert frames[0].startswith("[#######.......................] 1/4 a.txt")
    assert frames[1].startswith("[##############################] 4/4 …")
    assert frames[1].rstrip().endswith("b.txt")
    assert all(len(frame.rstrip("\n")) <= 60 for frame in frames)
    assert out.getvalue().endswith("\n")


def test_a_bar_never_drawn_prints_nothing() -> None:
    out = io.StringIO()
    ProgressBar(out).finish()
    assert out.getvalue() == ""


def test_a_tables_cells_are_inert_and_stay_on_their_line() -> None:
    out = io.StringIO()
    print_table(out, ("ID", "AUTHOR", "NOTE"), [(1, "ed\x1b[2J\u202e", "two\nlines")])
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "\x1b" not in out.getvalue()
    assert "\u202e" not in out.getvalue()
    assert lines[1].split() == [
        "1",
        "ed\u27e8U+001B\u27e9[2J\u27e8U+202E\u27e9",
        "two\u27e8U+000A\u27e9lines",
    ]


def test_while_a_command_runs_what_it_prints_is_inert(capsys: pytest.CaptureFixture[str]) -> None:
    with inert_output():
        sys.stdout.write("title \x1b]0;pwned\x07\n")
        sys.stderr.write("\x9b2J\n")
        # Data piped on (an export to -) passes as it is: it is not shown to anyone here.
        data_output().write("raw\x1b\n")
    sys.stdout.write("after \x1b\n")
    out, err = capsys.readouterr()
    assert out == "title \u27e8U+001B\u27e9]0;pwned\u27e8U+0007\u27e9\nraw\x1b\nafter \x1b\n"
    assert err == "\u27e8U+009B\u27e92J\n"


def test_a_progress_bar_label_is_inert() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    bar.update(1, 1, "a\x1b[2J\nb.txt")
    assert "\x1b" not in out.getvalue()
    assert "\n" not in out.getvalue()
