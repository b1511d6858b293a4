"""The classifier rule kind: an offline offensive-language model's score against a threshold.

The model is alt-profanity-check's (a linear SVM over word n-grams that ships inside the
package), installed with the optional extra: ``pip install -e '.[ml]'``. Without it the rule
says so through :meth:`ClassifierRule.unavailable` and never hits; nothing crashes.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from moderator.rules.model import CommentSnapshot, Hit, Rule, RuleContext, rule_kind
from moderator.rules.tables import common_fields, read_number

MODEL_MODULE = "profanity_check"
INSTALL_HINT = "install the optional extra: pip install -e '.[ml]'"

Scorer = Callable[[Sequence[str]], list[float]]


@functools.cache
def load_model() -> tuple[Scorer | None, str | None]:
    """(scorer, None) when the model loads, else (None, why); loaded once per process.

    Importing the package unpickles the model (about a second); rules share it.
    """
    try:
        module: Any = importlib.import_module(MODEL_MODULE)
    except ImportError as error:
        return None, f"the offensive-language model is not installed ({error}); {INSTALL_HINT}"
    except Exception as error:  # a broken install must leave the rule idle, not the app down
        return None, f"the offensive-language model failed to load: {error!r}"
    predict = module.predict_prob

    def score(texts: Sequence[str]) -> list[float]:
        return [float(value) for value in predict(list(texts))]

    return score, None


@rule_kind("classifier")
@dataclass(frozen=True, kw_only=True)
class ClassifierRule(Rule):
    """Hits a comment the model scores ``threshold`` or more (0 to 1) as offensive.

    The score covers the whole comment, so the span is the whole text. The model costs about
    9 ms for one comment but 13 µs a comment in a batch: the engine hands the rule each batch
    of a run first (:meth:`prime`, from ``RuleEngine.check_all`` and ``RuleEngine.prime``).
    """

    behavioural: ClassVar[bool] = False

    threshold: float = 0.8
    # Scores computed ahead by prime(), each used once by check().
    _primed: dict[str, float] = field(init=False, repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(
            **common_fields(table),
            threshold=read_number(table, "threshold", default=0.8, share=True),
        )

    def unavailable(self) -> str | None:
        """Why the rule cannot run here (the extra is missing), or None when it can."""
        return load_model()[1]

    def score_many(self, texts: Sequence[str]) -> list[float]:
        """The model's scores for ``texts``; empty when the model is unavailable."""
        scorer = load_model()[0]
        return scorer(texts) if scorer is not None and texts else []

    def prime(self, bodies: Sequence[str]) -> None:
        """Score ``bodies`` in one batch now, for the checks of the comments that follow.

        Scores of an earlier batch not used by now (bodies the engine replayed) are dropped:
        what is held stays one batch."""
        self._primed.clear()
        wanted = [body for body in dict.fromkeys(bodies) if body.strip()]
        self._primed.update(zip(wanted, self.score_many(wanted), strict=False))

    def reset(self) -> None:
        self._primed.clear()

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        if not body.strip():
            return []
        score = self._primed.pop(body, None)
        if score is None:
            scores = self.score_many([body])
            if not scores:
                return []
            score = scores[0]
        if score < self.threshold:
            return []
        start = len(body) - len(body.lstrip())
        explanation = (
            f"the offensive-language model scores it {score:.2f} (limit {self.threshold:.2f})"
        )
        return [
            self.hit(
                explanation,
                spans=((start, len(body.rstrip())),),
                measured=score,
                threshold=self.threshold,
            )
        ]
