"""What rules read and what they report: comment snapshots, author history, rules and hits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Protocol, Self

from moderator.domain import Severity


class RuleAction(StrEnum):
    """What a hit does: put the comment in the Flagged queue, or hide it with the evidence."""

    FLAG = "flag"
    HIDE = "hide"


@dataclass(frozen=True, slots=True)
class CommentSnapshot:
    """A comment as rules see it: who wrote what, when, under which article."""

    body: str
    author: str = ""
    posted_at: datetime | None = None
    id: int | None = None
    article_id: int | None = None


class AuthorHistory(Protocol):
    """What is known of an author from before the comments being checked."""

    def comment_count(self, author: str) -> int:
        """Comments stored for this author before the ones being checked."""
        ...

    def decisions(self, author: str) -> tuple[int, int]:
        """(hidden, approved): how people decided this author's earlier comments."""
        ...

    def recent_times(self, author: str) -> Sequence[datetime]:
        """When this author's stored comments were posted (for bursts), oldest first.

        Only comments stored before the run: the comments being checked are not included
        (rules count those themselves, and would count them twice).
        """
        ...


class NoHistory:
    """History for text checked on its own (``moderator rules test``): nothing is known."""

    def comment_count(self, author: str) -> int:
        return 0

    def decisions(self, author: str) -> tuple[int, int]:
        return (0, 0)

    def recent_times(self, author: str) -> Sequence[datetime]:
        return ()


class Hit(NamedTuple):
    """One rule's finding on one comment, with everything needed to explain it.

    ``spans`` are [start, end) character offsets into the comment's original body. A word hit
    fills ``matched`` (the original characters), ``normalized`` (what they were read as) and
    ``term`` (the list entry); a measured rule fills ``measured`` and ``threshold``.
    ``explanation`` is one sentence a moderator reads: "'$h1t' reads as 'shit' (banned, high)",
    "3 links, limit 2".

    A named tuple rather than a frozen dataclass: as immutable (the engine gives the same hits
    to every copy of a body), and built several times faster, once per hit.
    """

    rule_id: str
    severity: Severity
    action: RuleAction
    explanation: str
    spans: tuple[tuple[int, int], ...] = ()
    matched: str | None = None
    normalized: str | None = None
    term: str | None = None
    measured: float | None = None
    threshold: float | None = None


class RuleConfigError(ValueError):
    """A rule table that cannot be used; ``key`` names the field at fault (None: the table)."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


# How likely a comment is to be hidden, by the desk's ranker (0 to 1); None: no word on it.
HideScorer = Callable[[CommentSnapshot], float | None]


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may consult besides the comment: history, and the desk's ranker."""

    history: AuthorHistory = field(default_factory=NoHistory)
    scorer: HideScorer | None = None


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Fields every rule has; each kind adds its own and implements :meth:`check`.

    A kind is a subclass registered with :func:`rule_kind`; its ``from_table`` reads the TOML
    table (already parsed) and raises :class:`RuleConfigError` naming the bad key.
    """

    kind: ClassVar[str] = ""
    # Whether the rule looks beyond one comment's text (author history, other comments). A
    # rule that is not behavioural must read nothing but the body: the engine gives a body
    # seen before in a run the hits it had then.
    behavioural: ClassVar[bool] = False

    id: str
    description: str = ""
    severity: Severity = Severity.MEDIUM
    action: RuleAction = RuleAction.FLAG
    enabled: bool = True

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        """Build the rule from its TOML table; ``base_dir`` resolves relative file names."""
        raise NotImplementedError

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        """The hits on one comment (comments are checked in posting order)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what earlier comments of a run taught (bursts, copy-paste); new run."""

    def prime(self, bodies: Sequence[str]) -> None:
        """Get ready to check comments with these bodies, which come next: a rule that is
        much cheaper a batch at a time (a model) does its work for all of them here. The
        engine calls it before each batch of a run; checks must give the same hits without."""

    def sources(self) -> tuple[Path, ...]:
        """Files this rule read when it was built (word lists): they are part of the version."""
        return ()

    def looks_back(self) -> timedelta:
        """How long before a comment this rule counts the author's stored posting times
        (``AuthorHistory.recent_times``); zero for a rule that never reads them."""
        return timedelta(0)

    def unavailable(self) -> str | None:
        """Why this rule cannot run here (an optional extra is missing), or None if it can.

        An unavailable rule is skipped with a warning, never a crash.
        """
        return None

    def hit(self, explanation: str, **evidence: Any) -> Hit:
        return Hit(
            rule_id=self.id,
            severity=self.severity,
            action=self.action,
            explanation=explanation,
            **evidence,
        )


_KINDS: dict[str, type[Rule]] = {}


def rule_kind(name: str) -> Callable[[type[Rule]], type[Rule]]:
    """Class decorator: make a Rule subclass available as ``kind = "name"`` in rule sets."""

    def register(cls: type[Rule]) -> type[Rule]:
        if name in _KINDS and _KINDS[name] is not cls:
            raise ValueError(f"rule kind {name!r} is registered twice")
        cls.kind = name
        _KINDS[name] = cls
        return cls

    return register


def rule_kinds() -> Mapping[str, type[Rule]]:
    return dict(_KINDS)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules loaded from one file; ``version`` is the hash of everything that defines them."""

    name: str
    rules: tuple[Rule, ...]
    version: str
    source: str = ""

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)


def content_version(parts: Iterable[bytes]) -> str:
    """A short, stable hash of a rule set's file and every word list it reads."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:16]
