"""Terminal output for the command line: inert text, aligned tables and a progress bar.

What the command line prints carries names, titles, comments and file names from anyone; an
escape sequence among them could move the cursor, retitle the terminal or plant a link. While
a command runs its standard output and error pass through :func:`moderator.output.display.inert`,
which shows such characters as the window does, as markers.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, cast

from moderator.output.display import inert, inert_line, path_text


class InertStream(io.TextIOBase):
    """A text stream that writes to ``raw`` what it is given, made :func:`inert`."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        shown = inert(text)
        try:
            self.raw.write(shown)
        except UnicodeEncodeError:
            # A terminal whose encoding lacks a letter (PYTHONIOENCODING=ascii, a C locale)
            # gets its escape, as file names are shown, rather than a traceback.
            encoding = getattr(self.raw, "encoding", None) or "ascii"
            self.raw.write(shown.encode(encoding, "backslashreplace").decode(encoding))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True


@contextmanager
def inert_output() -> Iterator[None]:
    """Standard output and error made inert for the length of the block."""
    stdout, stderr = sys.stdout, sys.stderr
    # io.TextIOBase is what a text stream is at run time; typing's TextIO is only a protocol.
    sys.stdout = cast("TextIO", InertStream(stdout))
    sys.stderr = cast("TextIO", InertStream(stderr))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def unfiltered(stream: TextIO) -> TextIO:
    """The stream an :class:`InertStream` writes to (any other stream as it is)."""
    return stream.raw if isinstance(stream, InertStream) else stream


def data_output() -> TextIO:
    """Standard output for data (an export to ``-``): byte for byte when it goes to a pipe or
    a file, inert when a terminal shows it."""
    stream = unfiltered(sys.stdout)
    return cast("TextIO", InertStream(stream)) if stream.isatty() else stream


def print_table(stream: TextIO, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Columns padded to their widest cell; numbers right-aligned; the last column runs free.
    Cells are shown inert (a name's escape sequence as its marker), line breaks too."""
    cells = [[inert_line(str(value)) for value in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int) for row in rows) if rows else False for i in range(len(headers))
    ]
    widths = [max([len(headers[i])] + [len(row[i]) for row in cells]) for i in range(len(headers))]
    for line in [list(headers), *cells]:
        parts = [
            value.rjust(widths[i]) if numeric[i] else value.ljust(widths[i])
            for i, value in enumerate(line[:-1])
        ]
        stream.write("  ".join([*parts, line[-1]]).rstrip() + "\n")


class ProgressBar:
    """A one-line bar redrawn in place, for runs long enough that silence would worry."""

    def __init__(self, stream: TextIO) -> None:
        # Its own carriage returns redraw the line; the label (a file's name) is shown inert.
        self.stream = unfiltered(stream)
        self.drawn = False

    def update(self, done: int, total: int, label: str | Path) -> None:
        columns = shutil.get_terminal_size().columns
        width = 30
        filled = width * done // max(total, 1)
        head = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        name = inert_line(path_text(label) if isinstance(label, Path) else label)
        room = max(columns - len(head) - 1, 10)
        if len(name) > room:
            name = "…" + name[-(room - 1) :]
        self.stream.write(head + name.ljust(room))
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
