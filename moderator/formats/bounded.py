"""Reading a stream up to a limit, in pieces: asking for the limit at once reserves it."""

from __future__ import annotations

from typing import BinaryIO

# Big enough that a large file takes few reads, small enough to cost nothing up front.
PIECE = 1 << 20


def read_at_most(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``, fewer at its end; memory follows what is read, not
    ``size`` (``stream.read(2 GB)`` reserves 2 GB first, even for a file of a few bytes)."""
    pieces: list[bytes] = []
    left = size
    while left > 0:
        piece = stream.read(min(PIECE, left))
        if not piece:
            break
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)
