"""The batch model: fit on the decisions, scores a comment the same whatever batch it comes
in, maps margins to probabilities on held-out decisions, names words (never stop words or
letter runs) as reasons, and is stored and read back (or refused, saying why)."""

from __future__ import annotations

import contextlib
import io
import json
import random

import numpy as np
import pytest

from moderator.ranking import refit
from moderator.ranking.features import Sample
from moderator.ranking.model import READY_DECISIONS, Ranker, RankerError, Readiness

RUDE = ["you are an idiot", "what an idiot take", "idiot voters again", "such a liar and idiot"]
FINE = ["the ferry fares are too high", "good point about the budget", "thanks for this"]


def decisions(count: int, *, seed: int = 1) -> tuple[list[Sample], list[bool]]:
    """A desk's decisions: rude ones hidden, fine ones kept, one in four rude."""
    chance = random.Random(seed)
    samples, hidden = [], []
    for number in range(count):
        rude = number % 4 == 0
        text = chance.choice(RUDE if rude else FINE)
        samples.append(Sample(f"{text} {chance.choice(['today', 'again', 'now', ''])}"))
        hidden.append(rude)
    return samples, hidden


def fitted_ranker() -> Ranker:
    """A ranker that has learnt enough decisions and had its batch model fit on them."""
    samples, hidden = decisions(READY_DECISIONS + 20)
    ranker = Ranker()
    for sample, hide in zip(samples, hidden, strict=True):
        ranker.learn(sample, hide)
    ranker.install(refit.fit(samples, hidden))
    return ranker


def test_it_learns_what_the_desk_hides() -> None:
    samples, hidden = decisions(120)
    model = refit.fit(samples, hidden)
    assert model is not None
    rude, fine = model.score_many([Sample("an idiot and a liar"), Sample("the ferry budget")])
    assert rude > 0.5 > fine
    assert (model.decisions, model.hides) == (120, 30)


def test_one_kind_of_decision_fits_nothing() -> None:
    samples, _ = decisions(20)
    assert refit.fit(samples, [False] * 20) is None
    assert refit.fit(samples, [True] * 20) is None
    assert refit.fit([], []) is None


def test_a_comment_scores_the_same_in_any_batch() -> None:
    samples, hidden = decisions(120)
    model = refit.fit(samples, hidden)
    assert model is not None
    asked = [Sample("idiot"), Sample(""), Sample("le café est très bon, idiot"), Sample("a b")]
    together = model.score_many(asked)
    alone = [model.score_many([sample])[0] for sample in asked]
    assert together == pytest.approx(alone, abs=1e-12)
    reversed_order = model.score_many(asked[::-1])[::-1]
    assert together == pytest.approx(reversed_order, abs=1e-12)


def test_letter_runs_stay_inside_words() -> None:
    """Runs of 2 to 5 bytes of each word padded with spaces: " ab " gives " a", "ab", "b ",
    " ab", "ab ", " ab "; none crosses into the next word or the next comment."""
    one = refit.letter_rows(["ab"])
    assert one.keys.size == 6
    two = refit.letter_rows(["ab ab", "", "ab"])
    assert np.diff(two.starts).tolist() == [6, 0, 6]
    assert two.counts[: two.starts[1]].tolist() == [2.0] * 6
    words = refit.word_rows(["red fox red fox"])
    # "red", "fox", "red fox" (twice each) and "fox red" (once).
    assert sorted(words.counts.tolist()) == [1.0, 2.0, 2.0, 2.0]


def test_probabilities_match_how_often_comments_are_hidden() -> None:
    samples, hidden = decisions(400)
    model = refit.fit(samples, hidden)
    assert model is not None
    asked, truth = decisions(2_000, seed=2)
    scores = model.score_many(asked)
    # Most comments are either clearly rude or clearly fine; where the model says "likely"
    # they are hidden about that often.
    for low, high in ((0.0, 0.2), (0.8, 1.0)):
        inside = (scores >= low) & (scores <= high)
        assert inside.sum() > 100
        assert abs(scores[inside].mean() - np.asarray(truth)[inside].mean()) < 0.1


def test_noise_gives_every_comment_about_the_desks_share() -> None:
    """Decisions unrelated to the text: held out, the model cannot tell, and says so by
    giving each comment about the share the desk hides (the scale held at its least)."""
    chance = random.Random(3)
    samples = [Sample(f"comment {chance.randrange(10_000)} words") for _ in range(300)]
    hidden = [chance.random() < 0.2 for _ in samples]
    model = refit.fit(samples, hidden)
    assert model is not None
    assert model.scale == pytest.approx(0.1)
    scores = model.score_many(samples)
    assert abs(float(scores.mean()) - sum(hidden) / len(hidden)) < 0.05
    assert float(scores.max() - scores.min()) < 0.15


def test_it_is_stored_and_read_back() -> None:
    samples, hidden = decisions(120)
    model = refit.fit(samples, hidden)
    assert model is not None
    again = refit.BatchModel.from_bytes(model.to_bytes())
    asked = [Sample("idiot"), Sample("budget")]
    assert again.score_many(asked) == pytest.approx(model.score_many(asked), abs=1e-6)
    assert (again.decisions, again.hides) == (120, 30)


@pytest.mark.parametrize("damage", [b"", b"junk", b"PK\x03\x04 not a zip"])
def test_damaged_bytes_are_refused_saying_so(damage: bytes) -> None:
    with pytest.raises(refit.RefitError, match="damaged"):
        refit.BatchModel.from_bytes(damage)


def test_the_ranker_stores_its_batch_model_and_reads_the_older_format() -> None:
    ranker = fitted_ranker()
    stored = ranker.to_bytes()
    again = Ranker.from_bytes(stored)
    assert again.batch is not None
    assert again.readiness == ranker.readiness
    assert again.readiness.ready
    assert Ranker.stored_readiness(stored[:512]).ready
    assert again.score(Sample("idiot")) == pytest.approx(ranker.score(Sample("idiot")))
    # A model stored before the batch model: read, learning, not ready until refit.
    header, _, body = stored.partition(b"\n")
    older = json.loads(header)
    online = body[: older.pop("online_bytes")]
    older.update(format="moderator-ranker/1")
    del older["calibrated"], older["fitted_at"]
    legacy = Ranker.from_bytes(json.dumps(older).encode() + b"\n" + online)
    assert legacy.batch is None
    assert legacy.readiness == Readiness(ranker.decisions, ranker.hides)
    assert legacy.readiness.enough
    assert not legacy.readiness.ready
    assert legacy.refit_due
    # Parts that do not add up are named, not guessed past.
    broken = dict(json.loads(header), online_bytes=len(body) + 1)
    with pytest.raises(RankerError, match="do not add up"):
        Ranker.from_bytes(json.dumps(broken).encode() + b"\n" + body)
    with pytest.raises(RankerError, match="damaged"):
        Ranker.from_bytes(stored[:-200])


def test_refits_come_more_seldom_as_decisions_grow() -> None:
    samples, hidden = decisions(2_200)
    ranker = Ranker()
    fits = []
    for number, (sample, hide) in enumerate(zip(samples, hidden, strict=True), start=1):
        ranker.learn(sample, hide)
        if ranker.refit_due:
            fits.append(number)
            ranker.install(refit.fit(samples[:number], hidden[:number]))
    assert fits[0] == READY_DECISIONS
    gaps = np.diff(fits)
    assert gaps[0] == 10
    assert 95 <= gaps[-1] <= 110  # 5% of about 2,000


def test_reasons_are_words_of_the_comment_never_stop_words_or_letter_runs() -> None:
    """The defect: `rank explain` gave 'by' +0.067 and 's' +0.035 as reasons."""
    chance = random.Random(5)
    samples, hidden = [], []
    for number in range(200):
        rude = number % 3 == 0
        words = ["liberal's", "lies", "by", "the", "idiots"] if rude else ["by", "the", "ferry"]
        chance.shuffle(words)
        samples.append(Sample(" ".join(words), ("rule:insults",) if rude else ()))
        hidden.append(rude)
    ranker = Ranker()
    for sample, hide in zip(samples, hidden, strict=True):
        ranker.learn(sample, hide)
    ranker.install(refit.fit(samples, hidden))
    reasons = ranker.explain(Sample("by the liberal's idiots", ("rule:insults",)), top=10)
    names = [reason.feature for reason in reasons]
    assert names, "something pushed it up"
    assert "by" not in names
    assert "s" not in names
    assert "the" not in names
    assert "by the" not in names
    assert all(len(name) > 1 for name in names)
    comment = "by the liberal's idiots"
    for name in names:
        if not name.startswith("rule:"):
            assert all(word in comment.replace("'", " ").split() for word in name.split())
    assert {"idiots", "rule:insults"} & set(names)


def test_a_feature_out_of_range_is_refused() -> None:
    """A stored model whose feature numbers run past the feature space would fail at the
    first score; it is refused when read."""
    samples, hidden = decisions(120)
    model = refit.fit(samples, hidden)
    assert model is not None
    with np.load(io.BytesIO(model.to_bytes())) as arrays:
        parts = {name: arrays[name] for name in arrays.files}
    parts["w_keys"] = parts["w_keys"].copy()
    parts["w_keys"][-1] = np.uint32(1 << 30)
    changed = io.BytesIO()
    np.savez_compressed(changed, **parts)
    with pytest.raises(refit.RefitError, match="out of range"):
        refit.BatchModel.from_bytes(changed.getvalue())


def test_a_view_with_no_features_scores_without_failing() -> None:
    """Comments of emoji and punctuation alone give the words view nothing to learn: it
    still scores a comment with words (it failed on an empty array)."""
    samples = [Sample("\U0001f44d", ("rule:insults",)), Sample("!!!")] * 30
    model = refit.fit(samples, [True, False] * 30)
    assert model is not None
    scores = model.score_many([Sample("an ordinary comment"), Sample("!!!")])
    assert np.isfinite(scores).all()


def test_any_damage_to_a_stored_ranker_is_named_not_a_crash() -> None:
    ranker = fitted_ranker()
    stored = bytearray(ranker.to_bytes())
    chance = random.Random(7)
    for _ in range(300):
        damaged = bytearray(stored)
        where = chance.randrange(len(damaged))
        damaged[where] ^= 1 << chance.randrange(8)
        with contextlib.suppress(RankerError):
            Ranker.from_bytes(bytes(damaged))
