"""The ranker learns the desk's decisions, explains its scores, forgets an undone decision,
and is stored and read back (or refused, saying why)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderator.ranking import refit
from moderator.ranking.features import Sample
from moderator.ranking.model import (
    READY_DECISIONS,
    READY_EACH,
    Ranker,
    RankerError,
    Readiness,
    Reason,
)
from moderator.rules.normalize import fold_text

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


# Comments whose runs of letters are shared with the hidden ones but whose words are not
# ("idiotic", "idiots", "stin" inside "disgusting" and "distinct").
SUSPECT = [
    "idiotic idiots everywhere",
    "a disgusting, distinct stink",
    "Idiotically, you-people!!",
    "stinky",
]


def trained_on_runs() -> Ranker:
    ranker = trained(rounds=5)
    for _ in range(10):
        ranker.learn(Sample("how disgusting"), hidden=True)
        ranker.learn(Sample("they are disgusting, stinking liars"), hidden=True)
        ranker.learn(Sample("a distinct view"), hidden=False)
    return ranker


RUN_TRAINED = trained_on_runs()


def whole_words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold_text(text).text))


def check_reasons_are_words(ranker: Ranker, sample: Sample) -> None:
    words = whole_words(sample.text)
    for reason in ranker.explain(sample, top=50):
        if reason.feature in sample.extras:
            continue
        assert not reason.feature.startswith("…")
        assert set(reason.feature.split(" ")) <= words, reason
        assert reason.text == f'"{reason.feature}"'


@pytest.mark.parametrize("text", SUSPECT + HIDDEN + APPROVED)
def test_a_reason_is_only_ever_a_whole_word_or_two_of_the_comment(text: str) -> None:
    ranker = trained_on_runs()
    # Runs of letters alone push "stinky" up, but they are no reason to give.
    assert ranker.score(Sample("stinky")) > ranker.score(Sample("zzzzz"))
    check_reasons_are_words(ranker, Sample(text, ("rule:insults",)))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_no_text_makes_a_fragment_a_reason(text: str) -> None:
    check_reasons_are_words(RUN_TRAINED, Sample(text))


def test_extras_are_given_as_reasons_in_words() -> None:
    ranker = Ranker()
    for number in range(20):
        ranker.learn(Sample(f"comment {number}", ("rule:insults", "severity:high")), hidden=True)
        ranker.learn(Sample(f"comment {number}"), hidden=False)
    reasons = ranker.explain(Sample("a comment", ("rule:insults", "severity:high")))
    assert {reason.text for reason in reasons} == {"flagged by insults", "a high-severity flag"}
    assert Reason("author:hidden-before", 1.0).text == "its author has had comments hidden"
    assert Reason("you people", 1.0).text == '"you people"'


def test_it_is_ready_only_after_enough_hides_and_kept_among_enough_decisions() -> None:
    ranker = Ranker()
    for number in range(READY_DECISIONS - READY_EACH):
        ranker.learn(Sample(f"fine {number}"), hidden=False)
    for number in range(READY_EACH - 1):
        ranker.learn(Sample(f"rude {number}"), hidden=True)
    assert ranker.readiness == Readiness(READY_DECISIONS - 1, READY_EACH - 1)
    assert not ranker.readiness.ready
    assert ranker.readiness.text == f"learning ({READY_DECISIONS - 1} decisions)"
    ranker.learn(Sample("fine again"), hidden=False)
    assert not ranker.readiness.ready  # enough decisions, too few hides
    ranker.learn(Sample("rude again"), hidden=True)
    # Enough learnt; its scores mean something once the batch model is fit.
    assert ranker.readiness.enough
    assert ranker.refit_due
    assert not ranker.readiness.ready
    assert ranker.readiness.text == f"calibrating ({READY_DECISIONS + 1} decisions)"
    samples = [Sample(f"fine {n}") for n in range(READY_DECISIONS - READY_EACH)]
    samples += [Sample(f"rude {n}") for n in range(READY_EACH)]
    ranker.install(refit.fit(samples, [False] * (READY_DECISIONS - READY_EACH) + [True] * 10))
    assert not ranker.refit_due
    assert ranker.readiness.ready
    assert ranker.readiness.kept == READY_DECISIONS + 1 - READY_EACH
    assert ranker.readiness.text == f"ready ({READY_DECISIONS + 1} decisions)"
    # An undone hide is taken back from the count as from the model.
    ranker.forget(Sample("rude again"), hidden=True)
    assert ranker.readiness == Readiness(READY_DECISIONS, READY_EACH - 1, calibrated=True)
    assert not ranker.readiness.ready
    assert Readiness(1, 0).text == "learning (1 decision)"
    # Many hides and too few kept is no better.
    assert not Readiness(READY_DECISIONS * 2, READY_DECISIONS * 2 - READY_EACH + 1).ready


def test_the_counts_are_stored_and_read_from_the_header_alone() -> None:
    ranker = trained(rounds=7)
    stored = ranker.to_bytes()
    assert Ranker.from_bytes(stored).readiness == ranker.readiness == Readiness(70, 35)
    head = stored.partition(b"\n")[0]
    assert Ranker.stored_readiness(head) == Readiness(70, 35)
    assert Ranker.stored_readiness(stored[:300]) == Readiness(70, 35)
    assert Ranker.stored_readiness(b"junk").ready is False
    # A model stored before hides were counted is judged by its decisions alone.
    header, _, arrays = stored.partition(b"\n")
    older = json.loads(header)
    del older["hides"]
    legacy = Ranker.from_bytes(json.dumps(older).encode() + b"\n" + arrays)
    assert legacy.readiness == Readiness(70, None)
    assert legacy.readiness.enough
    assert not Readiness(READY_DECISIONS - 1, None).enough
    legacy.learn(Sample("more"), hidden=True)
    assert legacy.hides is None


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
