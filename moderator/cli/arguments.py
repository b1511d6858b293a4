"""Argument types of the ``moderator`` command: ids, counts, dates and texts checked as parsed.

Each refuses a value the command could not use with an :class:`argparse.ArgumentTypeError`,
which argparse shows as a usage error naming the option (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

# The years a date may name: those of the comments' own dates.
from moderator.formats.records import FIRST_YEAR, LAST_YEAR

# Ids and counts are stored and compared as SQLite's (and PostgreSQL's bigint) signed 64 bits.
LARGEST = 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]{1,40}", re.ASCII)


def row_id(value: str) -> int:
    """An id: a whole number from 1 to 2^63 - 1."""
    number = _whole(value, "an id")
    if not 1 <= number <= LARGEST:
        raise argparse.ArgumentTypeError(
            f"{value.strip()} is not an id (ids are whole numbers from 1 to {LARGEST})"
        )
    return number


def count(value: str) -> int:
    """A count (a limit, an offset, a least number): a whole number from 0 to 2^63 - 1."""
    number = _whole(value, "a count")
    if not 0 <= number <= LARGEST:
        raise argparse.ArgumentTypeError(
            f"{value.strip()} is not a count (whole numbers from 0 to {LARGEST})"
        )
    return number


def _whole(value: str, what: str) -> int:
    # int() alone would take "1_000" and other digits than ASCII's, and refuse a long enough
    # string of digits with a message about Python's own limit.
    found = _WHOLE.fullmatch(value.strip())
    if found is None:
        raise argparse.ArgumentTypeError(f"{_shown(value)} is not {what}")
    return int(found.group())


def utf8_text(value: str) -> str:
    """Text given on the command line; bytes that are not UTF-8 are refused (they would reach
    the database and the log as unstorable lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("not valid UTF-8 text") from None
    return value


def remembered_path(value: str) -> Path:
    """A file whose name is kept in the settings (the active rule set): its name must be
    UTF-8, which the settings file is, or it could not be found again by it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            "the file's name is not valid UTF-8 text; rename it to choose it (it is remembered"
            " by its name)"
        ) from None
    return Path(value)


def seen_version(value: str) -> tuple[int, int]:
    """``ID=VERSION``, for ``--seen``."""
    comment, _, version = value.partition("=")
    if not version.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{_shown(value)} is not ID=VERSION (e.g. 12=431)")
    return row_id(comment.strip()), count(version)


class Moment:
    """A ``--since``/``--until`` value: a time, or a whole day."""

    def __init__(self, value: datetime, *, whole_day: bool) -> None:
        self.value = value
        self.whole_day = whole_day

    @property
    def start(self) -> datetime:
        return self.value

    @property
    def end(self) -> datetime:
        # --until 2026-11-28 includes the whole of that day.
        return self.value + timedelta(days=1) if self.whole_day else self.value


def day_or_time(value: str) -> Moment:
    """YYYY-MM-DD (a day, UTC) or an ISO 8601 time (UTC unless it says otherwise), in the
    years 1900 to 2200."""
    given = value.strip()
    try:
        if len(given) == 10:
            day = datetime.fromisoformat(given).date()
            moment = Moment(datetime.combine(day, time(0), tzinfo=UTC), whole_day=True)
        else:
            found = datetime.fromisoformat(given.replace("Z", "+00:00"))
            moment = Moment(found.replace(tzinfo=found.tzinfo or UTC), whole_day=False)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{_shown(value)} is not a date (YYYY-MM-DD) or an ISO 8601 time"
        ) from None
    # Checked before it is moved to UTC, which at the ends of the calendar overflows.
    if not FIRST_YEAR <= moment.value.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{_shown(value)} is out of range: dates are from {FIRST_YEAR} to {LAST_YEAR}"
        )
    moment.value = moment.value.astimezone(UTC)
    return moment


def _shown(value: str) -> str:
    # Quoted as Python would, so a control character or a lone surrogate shows as an escape.
    return ascii(value)
