"""Import runs: parallel parsing gives the same result as parsing in process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moderator import importer
from moderator.formats.records import IncomingArticle
from moderator.importer import import_paths
from moderator.storage import Database

ARTICLE = (
    "Title {n}\n\nBody {n}.\n\nComments 2\n"
    "Thumb ann 1 May 2020, 10:00\n\nHi {n}.\n\n"
    "Missing bob 1 May 2020, 11:00\n\nYo {n}.\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "scrapes"
    root.mkdir()
    for n in range(5):
        (root / f"{n}.txt").write_text(ARTICLE.format(n=n), encoding="utf-8")
    (root / "2.txt").write_text("only a title\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parallel"])
def test_runs_report_the_same_whichever_way_they_parse(
    database: Database, folder: Path, parallel: bool
) -> None:
    seen: list[tuple[int, int, str]] = []
    report = import_paths(
        database,
        [folder],
        parallel=parallel,
        progress=lambda done, total, path: seen.append((done, total, path.name)),
    )
    assert [change.title for change in report.imported] == [
        "Title 0",
        "Title 1",
        "Title 3",
        "Title 4",
    ]
    assert [f"{error.source}:{error.line}" for error in report.failed] == [f"{folder / '2.txt'}:1"]
    assert report.added == 8
    assert seen == [(n + 1, 5, f"{n}.txt") for n in range(5)]


def test_a_helper_that_dies_is_replaced_by_parsing_here(
    database: Database, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = importer.read_import_file
    parsed_here: list[str] = []

    def dies_on_the_fourth_file(path: Path) -> IncomingArticle | str:
        # The helper is forked after this patch, so it runs this too, in another process.
        if os.getpid() != parent and path.name == "3.txt":
            os._exit(9)
        if os.getpid() == parent:
            parsed_here.append(path.name)
        return real(path)

    monkeypatch.setattr(importer, "read_import_file", dies_on_the_fourth_file)
    report = import_paths(database, [folder], parallel=True)
    assert [change.title for change in report.imported] == [
        "Title 0",
        "Title 1",
        "Title 3",
        "Title 4",
    ]
    assert len(report.failed) == 1
    # From the file it died on (or, if its death was noticed early, a little before), every
    # file was parsed here.
    names = [f"{n}.txt" for n in range(5)]
    assert parsed_here[-2:] == ["3.txt", "4.txt"]
    assert parsed_here == names[names.index(parsed_here[0]) :]


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "parallel"])
def test_a_run_stops_between_files_and_keeps_those_done(
    database: Database, folder: Path, parallel: bool
) -> None:
    done: list[str] = []
    report = import_paths(
        database,
        [folder],
        parallel=parallel,
        progress=lambda _done, _total, path: done.append(path.name),
        stop=lambda: len(done) == 2,
    )
    assert (report.files, report.stopped) == (5, True)
    assert done == ["0.txt", "1.txt"]
    assert [change.title for change in report.imported] == ["Title 0", "Title 1"]
    # Nothing of the files after the stop was written.
    again = import_paths(database, [folder])
    assert [(change.title, change.created) for change in again.imported] == [
        ("Title 0", False),
        ("Title 1", False),
        ("Title 3", True),
        ("Title 4", True),
    ]
    assert not again.stopped
