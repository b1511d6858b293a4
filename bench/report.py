"""The small table every benchmark prints: what was measured, the figure, the reference."""

from __future__ import annotations

from collections.abc import Sequence


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Rows of cells, the first being the header, with a rule under it."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))
