"""Splits long id lists so that ``IN (...)`` stays within every database's parameter limit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite allows 32,766 bound parameters per statement and PostgreSQL 65,535; 900 is far below.
IN_CHUNK = 900


def chunked(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
