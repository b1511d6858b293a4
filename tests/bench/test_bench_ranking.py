"""The ranking benchmark's measures, checked against hand-worked answers."""

from __future__ import annotations

import pytest

from tests.bench.loading import load_bench

bench = load_bench("bench_ranking")


@pytest.mark.parametrize(
    ("scores", "labels", "expected"),
    [
        ([0.9, 0.8, 0.2, 0.1], [True, True, False, False], 1.0),
        ([0.1, 0.2, 0.8, 0.9], [True, True, False, False], 0.0),
        ([0.5, 0.5, 0.5, 0.5], [True, False, True, False], 0.5),
        # One pair tied across the classes counts a half: 3.5 of 4 pairs.
        ([0.9, 0.5, 0.5, 0.1], [True, True, False, False], 0.875),
        ([0.3, 0.7], [True, True], 0.5),
    ],
)
def test_auc(scores: list[float], labels: list[bool], expected: float) -> None:
    assert bench.auc(scores, labels) == pytest.approx(expected)


def test_the_top_of_the_queue_breaks_ties_by_arrival() -> None:
    # Ten comments, the top 10% is one: the first of the tied top scores.
    scores = [1.0, 1.0] + [0.0] * 8
    assert bench.top_share(scores, [False, True] + [False] * 8, 0.1) == (0.0, 0.0)
    assert bench.top_share(scores, [True, True] + [False] * 8, 0.1) == (1.0, 0.5)
