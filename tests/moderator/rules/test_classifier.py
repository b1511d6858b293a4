"""The classifier kind: unavailable without the ``ml`` extra (never a crash), a score with it."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderator.rules import classifier
from moderator.rules.classifier import ClassifierRule, load_model
from moderator.rules.engine import RuleEngine
from moderator.rules.model import CommentSnapshot, RuleConfigError, RuleContext, RuleSet


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    """Each test decides for itself whether the model can be imported."""
    load_model.cache_clear()
    yield
    load_model.cache_clear()


def build(**table: Any) -> ClassifierRule:
    return ClassifierRule.from_table({"id": "ml", "kind": "classifier", **table}, base_dir=Path())


def check(rule: ClassifierRule, body: str) -> list[Any]:
    return rule.check(CommentSnapshot(body), RuleContext())


def test_without_the_extra_the_rule_says_why_and_never_hits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes `import profanity_check` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, classifier.MODEL_MODULE, None)
    rule = build(threshold=0.5)
    reason = rule.unavailable()
    assert reason is not None
    assert "not installed" in reason
    assert "pip install -e '.[ml]'" in reason
    assert check(rule, "you are a complete idiot") == []
    assert rule.score_many(["anything"]) == []
    rule.prime(["you are a complete idiot"])
    assert check(rule, "you are a complete idiot") == []


def test_a_broken_install_is_unavailable_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> object:
        raise RuntimeError(f"cannot unpickle {name}")

    monkeypatch.setattr(importlib, "import_module", broken)
    reason = build().unavailable()
    assert reason is not None
    assert "failed to load" in reason
    assert "cannot unpickle" in reason


def test_the_engine_skips_an_unavailable_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, classifier.MODEL_MODULE, None)
    rule = build()
    engine = RuleEngine(RuleSet("t", (rule,), "v"))
    assert list(engine.unavailable) == ["ml"]
    assert engine.check(CommentSnapshot("whatever")) == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"threshold": 80}, "threshold must be a number from 0 to 1, not 80 (write 0.8 for 80%)"),
        ({"threshold": "high"}, "threshold must be a number from 0 to 1, not 'high'"),
        ({"threshold": -1}, "threshold must be a number from 0 to 1, not -1"),
    ],
)
def test_threshold_errors(table: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleConfigError) as raised:
        build(**table)
    assert raised.value.key == "threshold"
    assert str(raised.value) == message


needs_model = pytest.mark.skipif(
    importlib.util.find_spec(classifier.MODEL_MODULE) is None,
    reason="the optional extra 'ml' (alt-profanity-check) is not installed",
)


@needs_model
def test_with_the_extra_the_model_scores_comments() -> None:
    rule = build(threshold=0.8)
    assert rule.unavailable() is None
    body = "  shut up you fucking idiot  "
    [hit] = check(rule, body)
    assert hit.measured is not None
    assert hit.measured >= 0.8
    assert hit.threshold == 0.8
    assert hit.spans == ((2, len(body) - 2),)
    assert hit.explanation.startswith("the offensive-language model scores it ")
    assert hit.explanation.endswith(" (limit 0.80)")
    assert check(rule, "Thank you for a thoughtful article on the budget.") == []
    assert check(rule, "   ") == []
    low, high = rule.score_many(["have a lovely day", "fuck off"])
    assert low < 0.5 < high


@needs_model
def test_primed_scores_are_used_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = build(threshold=0.5)
    rule.prime(["fuck off", "have a lovely day"])
    # Primed texts are not scored again; a text not primed is.
    monkeypatch.setattr(ClassifierRule, "score_many", lambda self, texts: [0.0] * len(texts))
    assert len(check(rule, "fuck off")) == 1
    assert check(rule, "have a lovely day") == []
    assert check(rule, "fuck off") == []  # used once: scored again (by the stub) this time
    rule.prime(["fuck off"])
    rule.reset()
    assert check(rule, "fuck off") == []


class CountingModel:
    """A stand-in model: 'bad' in a text scores 0.9, else 0.1; each call recorded."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, texts: Any) -> list[float]:
        self.calls.append(len(texts))
        return [0.9 if "bad" in text else 0.1 for text in texts]


def counting_model(monkeypatch: pytest.MonkeyPatch) -> CountingModel:
    model = CountingModel()
    monkeypatch.setattr(classifier, "load_model", lambda: (model, None))
    return model


def test_a_run_scores_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Import, rule runs and backtests go through check_all or prime: the model is asked
    once a batch, not once a comment (it was 459 comments/s one at a time)."""
    model = counting_model(monkeypatch)
    engine = RuleEngine(RuleSet("t", (build(threshold=0.5),), "v"))
    words = ("bad" if n % 7 == 0 else "fine" for n in range(2_500))
    comments = [CommentSnapshot(f"comment {n} {word}") for n, word in enumerate(words)]
    results = list(engine.check_all(comments))
    assert model.calls == [1_000, 1_000, 500]
    flagged = [comment.body for comment, hits in results if hits]
    assert flagged == [comment.body for comment in comments if "bad" in comment.body]


def test_priming_skips_bodies_seen_and_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    model = counting_model(monkeypatch)
    engine = RuleEngine(RuleSet("t", (build(threshold=0.5),), "v"))
    copies = [CommentSnapshot("bad copy")] * 5 + [CommentSnapshot("fine"), CommentSnapshot(" ")]
    results = list(engine.check_all(copies))
    assert model.calls == [2]  # one distinct text with words, and "fine"
    assert [bool(hits) for _, hits in results] == [True] * 5 + [False, False]
    # Within the run a body seen before is replayed, so it is not scored again; in a new
    # run (state reset) it is.
    engine.prime([CommentSnapshot("bad copy")])
    assert model.calls == [2]
    engine.reset()
    engine.prime([CommentSnapshot("bad copy")])
    assert model.calls == [2, 1]


def test_primed_scores_do_not_pile_up(monkeypatch: pytest.MonkeyPatch) -> None:
    model = counting_model(monkeypatch)
    rule = build(threshold=0.5)
    rule.prime([f"text {n}" for n in range(100)])
    rule.prime(["bad one"])
    assert model.calls == [100, 1]
    assert len(check(rule, "bad one")) == 1
    assert check(rule, "text 3") == []
    assert model.calls == [100, 1, 1]  # the first batch's scores were dropped
