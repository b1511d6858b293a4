"""The ranking benchmark's measures, checked against hand-worked answers."""

from __future__ import annotations

import csv
from pathlib import Path

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


def test_calibration_error_weighs_each_bins_gap_by_its_size() -> None:
    # Bin 0.8-0.9 holds 0.8 twice, one hidden (gap 0.3); bin 0.1-0.2 holds 0.1 twice, none
    # hidden (gap 0.1): (2 * 0.3 + 2 * 0.1) / 4.
    scores = [0.8, 0.8, 0.1, 0.1]
    assert bench.calibration_error(scores, [True, False, False, False]) == pytest.approx(0.2)
    assert bench.calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)


def test_a_model_that_saw_one_class_scores_everything_alike() -> None:
    pytest.importorskip("sklearn")
    scores = bench.plain_model(["a", "b"], [False, False], ["c", "d", "e"])
    assert scores is not None
    assert list(scores) == [0.0, 0.0, 0.0]


def test_the_plain_model_learns_words() -> None:
    pytest.importorskip("sklearn")
    seen = ["you idiot", "what an idiot", "nice point", "good point", "idiot again", "fair point"]
    hidden = [True, True, False, False, True, False]
    scores = bench.plain_model(seen, hidden, ["such an idiot", "a point well made"])
    assert scores is not None
    assert scores[0] > scores[1]


def test_a_status_kept_without_its_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / bench.GLOBE
    path.parent.mkdir(parents=True)
    rows = [("published", "A fair point."), ("rejected", bench.GLOBE_PLACEHOLDER)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["status", "text"])
        writer.writerows(rows)
    said = bench.globe_and_mail_unusable(tmp_path)
    assert said is not None
    assert "1 rejected or deleted comments (of 2)" in said
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["deleted", "Its own words, kept."])
    assert bench.globe_and_mail_unusable(tmp_path) is None
