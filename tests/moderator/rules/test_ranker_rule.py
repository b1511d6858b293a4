"""The ``ranker`` rule kind: a hit when the desk's ranker finds a comment likely enough to be
hidden; nothing when the run has no ranker to ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderator.rules.engine import RuleEngine
from moderator.rules.model import CommentSnapshot, RuleConfigError, RuleContext, RuleSet
from moderator.rules.ranker_rule import RankerRule


def scorer(comment: CommentSnapshot) -> float | None:
    return {"rude": 0.97, "meh": 0.6, "unknown": None}.get(comment.body, 0.1)


def test_a_score_at_or_over_the_threshold_hits_and_says_so() -> None:
    rule = RankerRule(id="ranker", threshold=0.9)
    context = RuleContext(scorer=scorer)
    (hit,) = rule.check(CommentSnapshot("rude"), context)
    assert hit.explanation == (
        "the ranker learnt from this desk's decisions puts it at 97% likely to be hidden"
        " (limit 90%)"
    )
    assert (hit.measured, hit.threshold) == (0.97, 0.9)
    assert rule.check(CommentSnapshot("meh"), context) == []
    assert rule.check(CommentSnapshot("unknown"), context) == []
    # No ranker in the run (text checked on its own, or nothing learnt): no word.
    assert rule.check(CommentSnapshot("rude"), RuleContext()) == []


def test_the_engine_passes_the_ranker_to_it() -> None:
    rule_set = RuleSet("t", (RankerRule(id="ranker", threshold=0.5),), "v1")
    found = RuleEngine(rule_set, scorer=scorer).check(CommentSnapshot("meh"))
    assert [hit.rule_id for hit in found] == ["ranker"]
    assert RuleEngine(rule_set).check(CommentSnapshot("meh")) == []


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ({"threshold": 90}, "threshold must be a number from 0 to 1, not 90 (write 0.9 for 90%)"),
        ({"threshold": "high"}, "threshold must be a number from 0 to 1, not 'high'"),
    ],
)
def test_a_bad_threshold_is_named(table: dict[str, object], said: str) -> None:
    with pytest.raises(RuleConfigError, match=said.replace("(", r"\(").replace(")", r"\)")):
        RankerRule.from_table({"id": "ranker", **table}, base_dir=Path())
