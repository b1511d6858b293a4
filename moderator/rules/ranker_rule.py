"""The ``ranker`` rule kind: flags a comment the desk's ranker (``moderator.ranking``) finds
likely enough to be hidden, so that the flagged queue gains from what the desk has taught
it. Off in the default rule set: it says nothing until the ranker is ready (``Readiness``).

The rule only reads the score the run is given (``RuleContext.scorer``); it knows nothing of
where the ranker lives. Text checked on its own (``rules test``) has no scorer, and no hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from moderator.rules.model import CommentSnapshot, Hit, Rule, RuleContext, rule_kind
from moderator.rules.tables import common_fields, read_number


@rule_kind("ranker")
@dataclass(frozen=True, kw_only=True)
class RankerRule(Rule):
    """Hits a comment whose likelihood of being hidden, by the ranker, is ``threshold`` or
    more."""

    # Its score depends on what the ranker has learnt and on the author's record, not on the
    # text alone: a body seen before in a run is scored again.
    behavioural: ClassVar[bool] = True

    threshold: float = 0.9

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(
            **common_fields(table),
            threshold=read_number(table, "threshold", default=0.9, share=True),
        )

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        if context.scorer is None:
            return []
        score = context.scorer(comment)
        if score is None or score < self.threshold:
            return []
        explanation = (
            f"the ranker learnt from this desk's decisions puts it at {score:.0%} likely to"
            f" be hidden (limit {self.threshold:.0%})"
        )
        return [self.hit(explanation, measured=round(score, 4), threshold=self.threshold)]
