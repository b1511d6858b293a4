"""bench/bench_import_memory.py at a tiny size, the bigger file read as a big one is: both
files import whole, with and without rules, and its row is recorded (no figure is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.loading import BENCH, load_bench

make_corpus = load_bench("make_corpus")
bench = load_bench("bench_import_memory")


@pytest.mark.shared
def test_a_tiny_run_imports_both_files_and_records_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        data_dir = Path(make_corpus.require_shared_data())
    except make_corpus.SharedDataMissingError as error:
        pytest.skip(str(error))
    monkeypatch.syspath_prepend(str(BENCH))
    results = tmp_path / "RESULTS.md"
    bench.main(["--comments", "300", "--data", str(data_dir)], results_path=results)
    printed = capsys.readouterr().out
    for rules in ("no rules", "with rules"):
        assert f"30 comments (0 MB), {rules}" in printed
        assert f"300 comments (0 MB), {rules}" in printed
    (row,) = [line for line in results.read_text().splitlines() if "scraped import" in line]
    assert "at 300 comments" in row
