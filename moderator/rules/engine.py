"""Runs a rule set over comments: one comment, or a run in posting order with fresh state."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice

from moderator.rules.gates import TextGates
from moderator.rules.model import (
    AuthorHistory,
    CommentSnapshot,
    HideScorer,
    Hit,
    NoHistory,
    Rule,
    RuleContext,
    RuleSet,
)

# A rule and its bound check method.
_Step = tuple[Rule, Callable[[CommentSnapshot, RuleContext], list[Hit]]]
# Plans remembered (combinations of open gates); the cache starts over when full.
_PLANS = 1024
# Comments read ahead by check_all, for the rules that work a batch at a time (a model).
BATCH = 1_000
# Characters of the bodies whose text-rule hits are remembered during a run; when more, the
# oldest quarter of them are forgotten. Bodies longer than _LONGEST are not remembered.
_REMEMBERED_CHARACTERS = 8 << 20
_LONGEST = 4096


class _Replay:
    """A text rule's hits on a body seen before in the run, given again.

    Text rules (not ``behavioural``) read nothing but the body, so the same body gets the same
    hits; copy-paste makes the same bodies come back.
    """

    __slots__ = ("hits",)

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = tuple(hits)

    def __call__(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        return list(self.hits)


class RuleEngine:
    """Checks comments against the enabled rules of one rule set, in the set's order.

    Rules that report themselves unavailable (an optional extra is missing) are skipped and
    listed in :attr:`unavailable`; a rule whose check raises is a bug and the error propagates.
    One run at a time: behavioural rules keep state between the comments of a run.

    Text rules with a gate (regex, links, repeats: see ``TextGates``) are checked only on the
    comments that one RE2 scan of all their gates leaves open; the hits are the same. Text
    rules read only the body, so a body seen before in a run has its text hits replayed rather
    than found again; behavioural rules run on every comment.
    """

    def __init__(
        self,
        rule_set: RuleSet,
        *,
        history: AuthorHistory | None = None,
        include_behavioural: bool = True,
        scorer: HideScorer | None = None,
    ) -> None:
        self.rule_set = rule_set
        self.context = RuleContext(
            history=NoHistory() if history is None else history, scorer=scorer
        )
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
        # Each rule with its check method, looked up once rather than once per comment.
        steps = tuple((rule, rule.check) for rule in self.rules)
        self._steps = steps
        # One RE2 scan rules out the text rules that cannot hit a comment (see TextGates).
        gates = TextGates(self.rules)
        self._open = gates.open if gates.positions else None
        self._gated = frozenset(gates.positions)
        self._ungated = tuple(
            step for position, step in enumerate(steps) if position not in self._gated
        )
        # The steps for each combination of open gates, in the rule set's order; a handful of
        # combinations make nearly every comment's.
        self._plans: dict[frozenset[int], tuple[_Step, ...]] = {}
        # A body seen before in the run -> what to do for it: its text rules' hits replayed,
        # in order among the behavioural rules, which always run.
        self._behavioural = tuple(step for step in steps if step[0].behavioural)
        self._seen: dict[str, tuple[_Step, ...]] = {}
        self._seen_characters = 0
        # Rules that do their work a batch at a time (Rule.prime overridden).
        self._priming = tuple(rule for rule in self.rules if type(rule).prime is not Rule.prime)

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
        self._seen.clear()
        self._seen_characters = 0

    def prime(self, comments: Iterable[CommentSnapshot]) -> None:
        """Tell the rules that work a batch at a time which comments come next (see
        :meth:`Rule.prime`): the bodies not seen before in the run. Hits are the same
        without; checks one by one are slower."""
        if not self._priming:
            return
        bodies = [comment.body for comment in comments if comment.body not in self._seen]
        for rule in self._priming:
            rule.prime(bodies)

    def check(self, comment: CommentSnapshot) -> list[Hit]:
        """Every hit on one comment, rule by rule in the rule set's order."""
        context = self.context
        plan = self._replay(comment)
        hits: list[Hit] = []
        rule: Rule | None = None
        try:
            for rule, check in plan:  # noqa: B007 (the note names it)
                hits += check(comment, context)
        except Exception as error:
            _blame(error, rule, comment)
            raise
        return hits

    def _replay(self, comment: CommentSnapshot) -> tuple[_Step, ...]:
        """The steps that give the comment's hits: the text rules' hits on its body, found now
        or remembered, and the behavioural rules to run."""
        body = comment.body
        plan = self._seen.get(body)
        if plan is not None:
            return plan
        steps = self._steps if self._open is None else self._plan(body)
        context = self.context
        replay: list[_Step] = []
        found = False
        rule: Rule | None = None
        try:
            for rule, check in steps:
                if rule.behavioural:
                    replay.append((rule, check))
                    continue
                hits = check(comment, context)
                if hits:
                    replay.append((rule, _Replay(hits)))
                    found = True
        except Exception as error:
            _blame(error, rule, comment)
            raise
        plan = tuple(replay) if found else self._behavioural
        if len(body) <= _LONGEST:
            self._remember(body, plan)
        return plan

    def _remember(self, body: str, plan: tuple[_Step, ...]) -> None:
        seen = self._seen
        self._seen_characters += len(body)
        if self._seen_characters > _REMEMBERED_CHARACTERS:
            # Forget the oldest quarter: copies mostly come close together.
            for old in list(islice(seen, len(seen) // 4 + 1)):
                self._seen_characters -= len(old)
                del seen[old]
        seen[body] = plan

    def _plan(self, body: str) -> tuple[_Step, ...]:
        """The rules to check on ``body``: all but the gated ones whose gate stayed shut."""
        assert self._open is not None
        opened = self._open(body)
        if opened is None:
            return self._steps
        if not opened:
            return self._ungated
        key = frozenset(opened)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _PLANS:
                self._plans.clear()
            plan = self._plans[key] = tuple(
                step
                for position, step in enumerate(self._steps)
                if position in key or position not in self._gated
            )
        return plan

    def check_all(
        self, comments: Iterable[CommentSnapshot]
    ) -> Iterator[tuple[CommentSnapshot, list[Hit]]]:
        """Each comment with its hits; state is reset when the run starts.

        Comments must come in posting order: bursts and campaigns count what came before.
        """
        self.reset()
        latest: datetime | None = None
        batches = iter(comments)
        # A batch read ahead at a time, for the rules that score a batch at once (prime).
        while batch := list(islice(batches, BATCH)):
            self.prime(batch)
            for comment in batch:
                posted_at = comment.posted_at
                if posted_at is not None:
                    if latest is not None and posted_at < latest:
                        raise ValueError(
                            f"comments must come in posting order: comment {comment.id} "
                            f"({posted_at:%Y-%m-%d %H:%M:%S}) came after one posted at "
                            f"{latest:%Y-%m-%d %H:%M:%S}"
                        )
                    latest = posted_at
                yield comment, self.check(comment)


def _blame(error: Exception, rule: Rule | None, comment: CommentSnapshot) -> None:
    """Name the rule whose check raised: still a crash (a rule that raises is a bug), but one
    that names its culprit."""
    if rule is not None:
        error.add_note(f"in rule {rule.id!r} (kind {rule.kind!r}) on comment {comment.id}")
