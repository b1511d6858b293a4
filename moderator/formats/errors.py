"""Errors and warnings that point at a place in an input file."""

from __future__ import annotations

import os
from dataclasses import dataclass


class FormatError(ValueError):
    """Input that cannot be read; ``str()`` gives ``FILE:LINE: reason`` as compilers do."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        # Line 0 means the file as a whole (it could not be opened, say).
        super().__init__(f"{source}:{line}: {reason}" if line > 0 else f"{source}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, int, str]]:
        # Parsing may happen in a helper process; the error must survive the trip back.
        return (type(self), (self.source, self.line, self.reason))


def not_set_aside(source: str, what: str, error: Exception) -> FormatError:
    """The error for a file whose ``what`` (posts, comments) a temporary database could not
    take while it was read (a full disk, most likely)."""
    # Where SQLite puts it (only named here, never written by us).
    folder = os.environ.get("SQLITE_TMPDIR") or os.environ.get("TMPDIR") or "/var/tmp"  # noqa: S108
    return FormatError(
        source,
        0,
        f"its {what} could not be set aside in a temporary file in {folder} ({error}):"
        " if that disk is full, free some space or set TMPDIR to a folder with room",
    )


@dataclass(frozen=True, slots=True)
class FormatWarning:
    """Input that was read, but not quite as declared."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: warning: {self.message}"
