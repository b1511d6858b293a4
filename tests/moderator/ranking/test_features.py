"""The ranker's features: the same numbers in every process, whole batches as one by one."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from moderator.ranking.features import (
    DIMENSIONS,
    Sample,
    batch_features,
    features,
    named_features,
)

# "idiot" in full-width letters, as a disguise would have it.
FULL_WIDTH_IDIOT = "\uff49\uff44\uff49\uff4f\uff54"
SAMPLES = [
    Sample("You people are idiots.", ("rule:insults", "severity:high")),
    Sample(""),
    Sample("\u00c7a va? " + FULL_WIDTH_IDIOT.upper()),
    Sample("ok"),
    Sample("x" * 10_000),
]


def test_features_are_the_same_in_another_process() -> None:
    # A stored model must mean the same wherever it is loaded: no salted hashing.
    here = features(SAMPLES[0])[0].tolist()
    there = subprocess.run(
        [
            sys.executable,
            "-c",
            "from moderator.ranking.features import Sample, features;"
            "print(features(Sample('You people are idiots.',"
            " ('rule:insults', 'severity:high')))[0].tolist())",
        ],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONHASHSEED": "12345"},
    ).stdout
    assert there.strip() == str(here)


def test_a_batch_is_each_sample_end_to_end() -> None:
    indices, values, offsets = batch_features(SAMPLES)
    assert offsets.tolist()[0] == 0
    assert offsets.tolist()[-1] == indices.size == values.size
    for number, sample in enumerate(SAMPLES):
        own_indices, own_values = features(sample)
        part = slice(offsets[number], offsets[number + 1])
        assert indices[part].tolist() == own_indices.tolist()
        np.testing.assert_allclose(values[part], own_values, rtol=1e-6)


def test_each_comment_weighs_alike_and_reads_only_its_opening() -> None:
    for sample in SAMPLES:
        indices, values = features(sample)
        assert len(set(indices.tolist())) == indices.size
        assert ((indices >= 0) & (indices < DIMENSIONS)).all()
        if indices.size:
            assert abs(float(np.square(values).sum()) - 1.0) < 1e-5
    # A pasted essay costs no more than its first 2,000 characters.
    assert features(Sample("x" * 10_000))[0].tolist() == features(Sample("x" * 2_000))[0].tolist()
    assert features(Sample(""))[0].size == 0


def test_disguises_fold_as_the_rules_fold_them() -> None:
    assert features(Sample("IDIOT"))[0].tolist() == features(Sample("idiot"))[0].tolist()
    assert features(Sample(FULL_WIDTH_IDIOT))[0].tolist() == features(Sample("idiot"))[0].tolist()


def test_words_pairs_and_extras_are_named_for_explanations_but_runs_of_letters_not() -> None:
    names = named_features(SAMPLES[0])
    assert set(names.values()) == {
        "you",
        "people",
        "are",
        "idiots",
        "you people",
        "people are",
        "are idiots",
        "rule:insults",
        "severity:high",
    }
    # Every name is a feature the score counts; the runs of letters it counts are unnamed.
    counted = set(features(SAMPLES[0])[0].tolist())
    assert set(names) < counted


@given(st.lists(st.text(max_size=300), max_size=8))
def test_any_text_gives_features_in_range(texts: list[str]) -> None:
    samples = [Sample(text) for text in texts]
    indices, values, offsets = batch_features(samples)
    assert offsets.size == len(samples) + 1
    assert np.isfinite(values).all()
    assert ((indices >= 0) & (indices < DIMENSIONS)).all()
