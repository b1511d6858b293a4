"""Reads the files a rule set names: regular files only, and only up to a size limit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from moderator.formats.bounded import read_at_most

# A rule-set file is a page or two of TOML; long lists belong in a terms_file.
MAX_RULE_SET_BYTES = 4 << 20
# A word list of a few million terms; past this it is not a word list.
MAX_WORD_LIST_BYTES = 256 << 20


class FileRefusedError(OSError):
    """A file that is not read: not a regular file, or larger than its limit."""


def read_limited(path: Path, *, limit: int) -> bytes:
    """The bytes of ``path``; :class:`FileRefusedError` for a FIFO, a device or a file over
    ``limit`` bytes, and the OSError of the system for the rest."""
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise FileRefusedError(0, "not a regular file", str(path))
        handle = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        # One byte past the limit tells a file at the limit from a larger one (which may be
        # growing: its size from fstat is not trusted).
        data = read_at_most(handle, limit + 1)
    if len(data) > limit:
        raise FileRefusedError(0, f"larger than {limit >> 20} MB", str(path))
    return data
