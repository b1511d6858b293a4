"""Imports files and folders, one transaction per file, so a bad file never half-lands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from moderator.formats.errors import FormatError
from moderator.formats.scraped import read_scraped_file
from moderator.services.changes import ImportChange
from moderator.services.importing import import_article
from moderator.storage import Database

# Scraped articles are plain text files; anything else in a folder is left alone.
SCRAPED_SUFFIXES = frozenset({".txt"})


@dataclass
class ImportReport:
    """What a run of imports did: the articles stored and the files refused, with why."""

    imported: list[ImportChange] = field(default_factory=list)
    failed: list[FormatError] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(change.added for change in self.imported)


class ImportAborted(RuntimeError):  # noqa: N818 - it names what happened, like KeyboardInterrupt
    """The database failed partway; ``report`` holds the files committed before ``path``."""

    def __init__(self, report: ImportReport, path: Path, error: Exception) -> None:
        super().__init__(f"{path}: the database refused the import: {error}")
        self.report = report
        self.path = path


# Called after each file with (files done, files in all, the file).
Progress = Callable[[int, int, Path], None]


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and folders searched recursively for scraped files, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SCRAPED_SUFFIXES
            )
        else:
            yield path


def import_paths(
    database: Database, paths: Iterable[Path], *, progress: Progress | None = None
) -> ImportReport:
    """Import every file; each is all-or-nothing, and one file's error does not stop the rest.

    Files are read one at a time, so memory stays bounded whatever the size of the run. (Parsing
    the next file on a thread while storing was measured slower: parsing holds the interpreter.)
    """
    files = list(expand_paths(paths))
    report = ImportReport()
    for done, path in enumerate(files, start=1):
        try:
            incoming = read_scraped_file(path)
        except FormatError as error:
            report.failed.append(error)
        else:
            try:
                with database.transaction() as session:
                    change = import_article(session, incoming)
            except SQLAlchemyError as error:
                raise ImportAborted(report, path, error) from error
            report.imported.append(change)
        if progress is not None:
            progress(done, len(files), path)
    return report
