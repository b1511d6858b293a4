"""Terminal output: aligned tables and the import progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from moderator.terminal import ProgressBar, print_table


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
