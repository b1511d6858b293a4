"""bench/bench_import_lock.py at a tiny size: its file reads back, its desk decides during
the import, and its row is recorded (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderator.formats.scraped import read_scraped_file
from tests.bench.loading import BENCH, load_bench

make_corpus = load_bench("make_corpus")
bench = load_bench("bench_import_lock")


@pytest.fixture
def data_dir() -> Path:
    try:
        return Path(make_corpus.require_shared_data())
    except make_corpus.SharedDataMissingError as error:
        pytest.skip(str(error))


@pytest.mark.shared
def test_the_file_reads_back_with_varied_texts(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "big.txt"
    bench.write_scraped(path, title="Thread", comments=300, seed=4, data_dir=data_dir)
    article = read_scraped_file(path)
    assert len(article.comments) == 300
    assert not article.warnings
    # Copies are rare, as on a site (the generator's whole texts would recur at this size).
    assert len({comment.body for comment in article.comments}) >= 295


@pytest.mark.shared
def test_a_tiny_run_measures_the_desk_and_records_its_row(
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The desk and the import run in spawned processes, which find the script by this path.
    monkeypatch.syspath_prepend(str(BENCH))
    results = tmp_path / "RESULTS.md"
    code = bench.main(["--comments", "200", "--data", str(data_dir)], results_path=results)
    assert code == 0
    printed = capsys.readouterr().out
    assert "desk's longest wait" in printed
    assert "import's longest write transaction" in printed
    assert "200 comments" in printed
    (row,) = [line for line in results.read_text().splitlines() if "import lock" in line]
    assert "200-comment scraped file" in row
