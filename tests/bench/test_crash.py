"""Crash safety, the short run: a desk killed with SIGKILL in the middle of its work keeps
every decision it acknowledged, imports whole files or none, and its log verifies
(``bench/crash_test.py`` is the long run, with kills at random moments)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import text

from moderator.store.database import open_database
from tests.bench.loading import load_bench

crash_test = load_bench("crash_test")


@pytest.mark.parametrize("seed", [1, 2])
def test_kills_in_the_middle_of_work_lose_nothing_acknowledged(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    folder = tmp_path / "files"
    folder.mkdir()
    db_path = tmp_path / "crash.sqlite3"
    acknowledged = crash_test.Acknowledged()
    # Killed right after its n-th line: in the middle of the next import or decision (the
    # moment varies with the machine; what must hold does not).
    for lines in (rng.randint(1, 4), rng.randint(5, 40), rng.randint(40, 120)):
        trial = crash_test.run_trial(db_path, folder, acknowledged, rng, kill_after_lines=lines)
        assert trial.problems == ()
        assert trial.lines >= lines
    assert acknowledged.files
    assert acknowledged.decisions


def test_the_check_finds_a_half_imported_file_and_a_lost_decision(tmp_path: Path) -> None:
    """The check itself can fail: an article with a comment missing, and a decision that was
    acknowledged but is not in the log."""
    rng = random.Random(3)
    folder = tmp_path / "files"
    folder.mkdir()
    db_path = tmp_path / "crash.sqlite3"
    acknowledged = crash_test.Acknowledged()
    trial = crash_test.run_trial(db_path, folder, acknowledged, rng, kill_after_lines=20)
    assert trial.problems == ()
    database = open_database(str(db_path))
    with database.transaction() as session:
        newest = session.execute(
            text(
                "SELECT id FROM comment WHERE id NOT IN (SELECT comment_id FROM log_entry"
                " WHERE comment_id IS NOT NULL) ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()
        session.execute(text("DELETE FROM flag WHERE comment_id = :c"), {"c": newest})
        session.execute(text("DELETE FROM comment WHERE id = :c"), {"c": newest})
    database.close()
    acknowledged.decisions.append((10**9, 1, "approved"))
    problems = crash_test.check(db_path, folder, acknowledged)
    assert any("half imported" in problem for problem in problems)
    assert any("acknowledged decision lost: entry 1000000000" in p for p in problems)
