"""The import's line in the status bar says what was stored, and what a lock kept out."""

from __future__ import annotations

from moderator.imports.importer import ImportReport
from moderator.services.changes import ImportChange
from ui.desk.import_flow import imported_message


def change(added: int, *, skipped_locked: int = 0) -> ImportChange:
    return ImportChange(
        article_id=1,
        title="T",
        source="a.txt",
        created=False,
        added=added,
        already_present=0,
        locked=skipped_locked > 0,
        skipped_locked=skipped_locked,
    )


def test_comments_a_lock_kept_out_are_counted_in_the_line() -> None:
    report = ImportReport(imported=[change(3), change(0, skipped_locked=2)], files=2)
    assert imported_message(report) == (
        "Imported 2 articles, 3 new comments, 2 skipped (article locked)"
    )
    assert imported_message(ImportReport(imported=[change(1)], files=1)) == (
        "Imported 1 article, 1 new comment"
    )
