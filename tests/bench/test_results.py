"""bench/RESULTS.md: each script rewrites its own rows and leaves the others'."""

from __future__ import annotations

from pathlib import Path

from tests.bench.loading import load_bench

results = load_bench("results")


def test_a_script_replaces_its_rows_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    crash = results.Result("crash: kills", "10 trials", "10 kills", 0, "crash_test.py --trials 10")
    fuzz = results.Result("fuzz: a|b", "5 inputs", "-", 0, "fuzz_inputs.py")
    results.record(crash, fuzz, path=path)
    results.record(results.Result("crash: kills", "99 trials", "99 kills", 2, "again"), path=path)
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("| ")
    ]
    assert lines[0].startswith("| what | tried |")
    assert [line.split(" | ")[:4] for line in lines[2:]] == [
        ["| crash: kills", "99 trials", "99 kills", "2"],
        ["| fuzz: a\\|b", "5 inputs", "-", "0"],
    ]
