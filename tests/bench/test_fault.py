"""Faults, the short run: a write refused part-way through imports, decisions, reverts,
notes and rule runs leaves the database as it was and sound, says the disk is full, and the
same action goes through afterwards (``bench/fault_test.py`` is the long run)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from moderator.store.database import open_database
from tests.bench.loading import load_bench

fault_test = load_bench("fault_test")


def test_a_refused_write_leaves_nothing_and_the_action_goes_through_again(
    tmp_path: Path,
) -> None:
    rng = random.Random(11)
    database = open_database(f"sqlite:///{tmp_path / 'faults.sqlite3'}")
    try:
        desk = fault_test.Desk(database, tmp_path, rng)
        for _ in range(2):
            desk.import_file()()
        fired: Counter[str] = Counter()
        for _ in range(80):
            name, fault_fired, problems = fault_test.trial(desk, rng)
            assert problems == []
            fired[name] += fault_fired
    finally:
        database.close()
    # Every kind of action had a write refused at least once.
    assert set(fired) == {
        "import a file",
        "approve or hide",
        "revert a decision",
        "note on a comment",
        "run the rules",
    }
    assert all(fired.values())
