"""Fuzzed input, the short run: every reader of untrusted files (article files, WordPress and
Disqus exports, rule sets, log exports), fed mutations of real ones, ends in a result or its
own error naming the file and line, never another exception, a hang or a partial write
(``bench/fuzz_inputs.py`` is the long run)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderator.store.database import open_database
from tests.bench.loading import load_bench

fuzz_inputs = load_bench("fuzz_inputs")
NAMES = ["scraped article", "WordPress (WXR)", "Disqus", "rule set", "word list", "log export"]


@pytest.mark.parametrize("name", NAMES)
def test_mutated_input_ends_in_a_result_or_a_placed_error(name: str) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        folder = Path(scratch)
        (target,) = [t for t in fuzz_inputs.targets(folder) if t.name == name]
        if not target.seeds:
            pytest.skip(f"no real {name} to start from (../shared/data is absent)")
        database = open_database(f"sqlite:///{folder / 'fuzz.sqlite3'}")

        @settings(
            max_examples=60,
            suppress_health_check=[HealthCheck.too_slow],
            derandomize=True,
        )
        @given(st.randoms(use_true_random=False), st.sampled_from(fuzz_inputs.ROUNDS))
        def one_input(rng: random.Random, rounds: int) -> None:
            data = fuzz_inputs.mutate(rng.choice(target.seeds), rng, rounds)
            outcome = fuzz_inputs.run_one(target, data, folder, database)
            assert outcome.failure is None, outcome.failure

        try:
            one_input()
        finally:
            database.close()


def test_the_mutations_change_the_input_and_keep_it_bytes() -> None:
    rng = random.Random(5)
    original = b"Title\n\nBody.\n\nComments 1\nThumb ann 1 May 2020, 10:00\n\nHello.\n"
    changed = [fuzz_inputs.mutate(original, rng, 3) for _ in range(50)]
    assert sum(data != original for data in changed) >= 45
    assert len(set(changed)) >= 40


slow_inputs = load_bench("slow_inputs")


def _quadratic(path: Path) -> object:
    data = path.read_bytes()
    return sum(data[:end].count(b"q") for end in range(0, len(data), 8))


def test_the_slow_input_detector_catches_a_quadratic_reader(tmp_path: Path) -> None:
    reader = slow_inputs.Reader(
        "quadratic", ".txt", _quadratic, {"bytes": lambda n: b"a" * n}, (ValueError,)
    )
    timing = slow_inputs.time_shape(reader, "bytes", tmp_path, small=2_000, large=200_000)
    assert timing.outcomes[0] == "read"
    assert timing.failure is not None
    assert "slower than linear" in timing.failure or "the time per byte" in timing.failure


def test_the_slow_input_detector_reports_what_escapes_a_reader(tmp_path: Path) -> None:
    def crashes(_path: Path) -> object:
        raise KeyError("boom")

    reader = slow_inputs.Reader("crashy", ".txt", crashes, {"x": lambda n: b"x" * n}, ())
    timing = slow_inputs.time_shape(reader, "x", tmp_path, small=100, large=1_000)
    assert timing.failure == "crashy / x: KeyError: 'boom'"


@pytest.mark.parametrize(
    ("reader", "shape"),
    [(reader, shape) for reader in slow_inputs.readers() for shape in reader.shapes],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_every_adversarial_shape_ends_in_a_result_or_the_readers_own_error(
    reader: object, shape: str, tmp_path: Path
) -> None:
    # Sizes where even a quadratic reader is quick: speed is the benchmark's to prove.
    path = tmp_path / f"shape{reader.suffix}"  # type: ignore[attr-defined]
    path.write_bytes(reader.shapes[shape](3_000))  # type: ignore[attr-defined]
    assert slow_inputs._once(reader, path) in ("read", "refused")
