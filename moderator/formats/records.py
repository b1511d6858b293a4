"""What every importer hands over to be stored, whatever the source format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from moderator.formats.errors import FormatError, FormatWarning

# The years a comment's date may fall in: anything else is a scraper's or an exporter's fault,
# and dates near year 1 or 9999 overflow when moved between time zones.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def dated(when: datetime, *, source: str, line: int) -> datetime:
    """``when`` if its year is one a comment can have; ``FormatError`` at FILE:LINE otherwise."""
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise FormatError(
            source,
            line,
            f"the date {when:%Y-%m-%d} is out of range: a comment's year is from {FIRST_YEAR}"
            f" to {LAST_YEAR}",
        )
    return when


def refuse_nul(text: str, *, source: str) -> None:
    """``FormatError`` at the FILE:LINE of the first NUL character in ``text``, if any.

    A comment, a name or a title cannot hold one: PostgreSQL refuses it (and with it the whole
    run, had it reached the database), while SQLite would keep it.
    """
    at = text.find("\x00")
    if at < 0:
        return
    before = text[:at]
    # Lines end as the readers end them: CR LF, CR or LF.
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    column = at - max(before.rfind("\n"), before.rfind("\r"))
    raise nul_error(source, line, column)


def nul_error(source: str, line: int, column: int) -> FormatError:
    """The error for a NUL character at this line and column (see :func:`refuse_nul`)."""
    return FormatError(
        source,
        line,
        f"a NUL character (U+0000) at column {column}: no comment, name or title may hold one",
    )


@dataclass(frozen=True, slots=True)
class IncomingComment:
    """A comment as any importer hands it over, whatever the source format."""

    author: str
    posted_at: datetime
    body: str
    external_id: str | None = None
    # The platform's id of the comment this one answers (threads), if any.
    parent_external_id: str | None = None
    # Where the platform had it: "pending", "approved" or "hidden" (with ``reason``).
    state: str = "pending"
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingArticle:
    """An article as any importer hands it over; ``source`` names the file or URL."""

    title: str
    body: str
    source: str
    comments: tuple[IncomingComment, ...]
    warnings: tuple[FormatWarning, ...] = ()
