"""Runs a rule set over comments: one comment, or a run in posting order with fresh state."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from moderator.rules.model import (
    AuthorHistory,
    CommentSnapshot,
    Hit,
    NoHistory,
    Rule,
    RuleContext,
    RuleSet,
)


class RuleEngine:
    """Checks comments against the enabled rules of one rule set, in the set's order.

    Rules that report themselves unavailable (an optional extra is missing) are skipped and
    listed in :attr:`unavailable`; a rule whose check raises is a bug and the error propagates.
    One run at a time: behavioural rules keep state between the comments of a run.
    """

    def __init__(
        self,
        rule_set: RuleSet,
        *,
        history: AuthorHistory | None = None,
        include_behavioural: bool = True,
    ) -> None:
        self.rule_set = rule_set
        self.context = RuleContext(history=NoHistory() if history is None else history)
        self._unavailable: dict[str, str] = {}
        self._skipped: list[str] = []
        rules: list[Rule] = []
        for rule in rule_set.enabled:
            reason = rule.unavailable()
            if reason is not None:
                self._unavailable[rule.id] = reason
            elif rule.behavioural and not include_behavioural:
                # Text checked on its own (`rules test`) has no author history and no neighbours.
                self._skipped.append(rule.id)
            else:
                rules.append(rule)
        self.rules: tuple[Rule, ...] = tuple(rules)

    @property
    def unavailable(self) -> Mapping[str, str]:
        """Enabled rules that cannot run here, by id, with the reason."""
        return dict(self._unavailable)

    @property
    def skipped_behavioural(self) -> tuple[str, ...]:
        """Ids of behavioural rules left out because the engine checks text on its own."""
        return tuple(self._skipped)

    def reset(self) -> None:
        """Forget what earlier comments taught the behavioural rules: a new run starts."""
        for rule in self.rules:
            rule.reset()

    def check(self, comment: CommentSnapshot) -> list[Hit]:
        """Every hit on one comment, rule by rule in the rule set's order."""
        hits: list[Hit] = []
        for rule in self.rules:
            try:
                hits.extend(rule.check(comment, self.context))
            except Exception as error:
                # Still a crash (a rule that raises is a bug), but one that names its culprit.
                error.add_note(f"in rule {rule.id!r} (kind {rule.kind!r}) on comment {comment.id}")
                raise
        return hits

    def check_all(
        self, comments: Iterable[CommentSnapshot]
    ) -> Iterator[tuple[CommentSnapshot, list[Hit]]]:
        """Each comment with its hits; state is reset when the run starts.

        Comments must come in posting order: bursts and campaigns count what came before.
        """
        self.reset()
        latest: datetime | None = None
        for comment in comments:
            if comment.posted_at is not None:
                if latest is not None and comment.posted_at < latest:
                    raise ValueError(
                        f"comments must come in posting order: comment {comment.id} "
                        f"({comment.posted_at:%Y-%m-%d %H:%M:%S}) came after one posted at "
                        f"{latest:%Y-%m-%d %H:%M:%S}"
                    )
                latest = comment.posted_at
            yield comment, self.check(comment)
