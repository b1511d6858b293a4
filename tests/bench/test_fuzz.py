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

from moderator.storage import open_database
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
