"""Terminal output for the command line: aligned tables and a progress bar."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO


def print_table(stream: TextIO, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Columns padded to their widest cell; numbers right-aligned; the last column runs free."""
    cells = [[str(value) for value in row] for row in rows]
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
        self.stream = stream
        self.drawn = False

    def update(self, done: int, total: int, label: str | Path) -> None:
        columns = shutil.get_terminal_size().columns
        width = 30
        filled = width * done // max(total, 1)
        head = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        name = str(label)
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
