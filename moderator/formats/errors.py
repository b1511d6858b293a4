"""Errors and warnings that point at a place in an input file."""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class FormatWarning:
    """Input that was read, but not quite as declared."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: warning: {self.message}"
