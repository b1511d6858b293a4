"""The ranker learns the desk's decisions, explains its scores, forgets an undone decision,
and is stored and read back (or refused, saying why)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from moderator.ranking.features import Sample
from moderator.ranking.model import Ranker, RankerError

HIDDEN = [
    "you are an idiot",
    "what an idiot take",
    "idiot government idiot voters",
    "only an idiot would say that",
    "total idiot",
]
APPROVED = [
    "the ferry fares are too high",
    "good point about the budget",
    "the council should publish the figures",
    "I take the ferry every day",
    "thanks for the article",
]


def trained(rounds: int = 20) -> Ranker:
    ranker = Ranker()
    for _ in range(rounds):
        for hidden, approved in zip(HIDDEN, APPROVED, strict=True):
            ranker.learn(Sample(hidden), hidden=True)
            ranker.learn(Sample(approved), hidden=False)
    return ranker


def test_an_untrained_ranker_scores_every_comment_alike() -> None:
    ranker = Ranker()
    scores = ranker.score_many([Sample("idiot"), Sample("thanks"), Sample("")])
    assert scores.tolist() == [0.5, 0.5, 0.5]
    assert ranker.decisions == 0
    assert ranker.explain(Sample("idiot")) == []


def test_it_learns_what_the_desk_hides() -> None:
    ranker = trained()
    assert ranker.decisions == 200
    rude, polite = Sample("such an idiot comment"), Sample("the budget figures are out")
    assert ranker.score(rude) > 0.8
    assert ranker.score(polite) < 0.2
    np.testing.assert_allclose(
        ranker.score_many([rude, polite]), [ranker.score(rude), ranker.score(polite)], rtol=1e-6
    )


def test_it_says_which_words_pushed_a_score_up() -> None:
    reasons = trained().explain(Sample("such an idiot comment"))
    assert reasons
    assert reasons[0].feature == "idiot"
    assert all(reason.weight > 0 for reason in reasons)
    assert len(reasons) == len({reason.feature for reason in reasons}) <= 3


def test_forgetting_an_undone_decision_takes_its_pull_back() -> None:
    ranker = trained(rounds=2)
    sample = Sample("a brand new insult: muppet")
    before = ranker.score(sample)
    ranker.learn(sample, hidden=True)
    learnt = ranker.score(sample)
    ranker.forget(sample, hidden=True)
    assert learnt > before
    assert ranker.score(sample) < learnt
    assert ranker.decisions == 20


def test_a_stored_ranker_reads_back_the_same() -> None:
    ranker = trained(rounds=3)
    again = Ranker.from_bytes(ranker.to_bytes())
    samples = [Sample(text) for text in HIDDEN + APPROVED]
    assert again.decisions == ranker.decisions
    np.testing.assert_array_equal(again.score_many(samples), ranker.score_many(samples))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "no header"),
        (b"\xff\xfe\n", "no header"),
        (b'{"format": "something-else"}\n', "not a ranker this version reads"),
        (
            b'{"format": "moderator-ranker/1", "dimensions": 16}\n',
            "has 16 features, this version 1048576: start over with `moderator rank reset`",
        ),
        (b'{"format": "moderator-ranker/1", "dimensions": 1048576}\nnot numpy', "damaged"),
    ],
)
def test_a_damaged_or_foreign_model_is_refused_saying_why(data: bytes, why: str) -> None:
    with pytest.raises(RankerError, match=re.escape(why)):
        Ranker.from_bytes(data)


def test_impossible_numbers_are_refused() -> None:
    ranker = trained(rounds=1)
    stored = ranker.to_bytes()
    broken = Ranker()
    broken._n[3] = -1.0
    bad = broken.to_bytes()
    assert Ranker.from_bytes(stored).decisions == 10
    with pytest.raises(RankerError, match="impossible numbers"):
        Ranker.from_bytes(bad)
