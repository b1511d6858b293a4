"""The insights' rows as CSV: whole or nothing, and inert in a spreadsheet."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from moderator.insights.rows import write_csv


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    rows = [
        {"article": 1, "title": '=HYPERLINK("http://evil.example","click")', "share": 0.25},
        {"article": 2, "title": "@SUM(A1:A9)", "share": None},
        {"article": 3, "title": "Plain; with a semicolon", "share": 1.0},
    ]
    write_csv(path, rows)
    with path.open(encoding="utf-8", newline="") as data:
        read = list(csv.reader(data))
    assert read[0] == ["article", "title", "share"]
    assert read[1] == ["1", '\'=HYPERLINK("http://evil.example","click")', "0.25"]
    assert read[2] == ["2", "'@SUM(A1:A9)", ""]
    assert read[3][1] == "Plain; with a semicolon"
    # Text is quoted: a spreadsheet splitting on ";" keeps the cell whole.
    assert '"Plain; with a semicolon"' in path.read_text(encoding="utf-8")


def test_a_file_that_cannot_be_finished_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text("what was there\n", encoding="utf-8")

    class Unwritable:
        def __str__(self) -> str:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_csv(path, [{"rule": "a", "odd": Unwritable()}])
    assert path.read_text(encoding="utf-8") == "what was there\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rules.csv"]
