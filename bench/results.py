"""``bench/RESULTS.md``: the proving scripts' last results, one table row each.

Each script (crash_test, fault_test, fuzz_inputs, bench_hostile) rewrites its own rows when
it finishes, keyed by the row's first cell; the others' rows stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# What the proving scripts found\n"
    "\n"
    "Written by the scripts themselves: each rewrites its rows when it finishes (the command\n"
    "in a row runs it again). Failures must be 0.\n"
    "\n"
    "| what | tried | faults injected | failures | reproduce | run |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
)


@dataclass(frozen=True, slots=True)
class Result:
    what: str
    tried: str
    faults: str
    failures: int
    command: str

    def row(self) -> str:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        cells = (self.what, self.tried, self.faults, f"{self.failures:,}", f"`{self.command}`", day)
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"


def record(*results: Result, path: Path = RESULTS) -> None:
    """Put these rows in the table, each in place of the row with the same first cell."""
    rows: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.startswith("| ") and not line.startswith(("| what |", "| --- |")):
                rows[_first_cell(line)] = line
    for result in results:
        rows[result.what.replace("|", "\\|")] = result.row()
    path.write_text(HEADER + "".join(rows.values()), encoding="utf-8")


def _first_cell(line: str) -> str:
    return line[2:].split(" | ", 1)[0]
