"""Rule kinds about who writes and how: author lists, first comments, history, campaigns, bursts.

These look beyond one comment's text. Those that learn from earlier comments of a run (first
comments, campaigns, bursts) keep that in private state that :meth:`Rule.reset` clears; the
engine checks comments in posting order, each once per run.
"""

from __future__ import annotations

import bisect
import builtins
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Self

from moderator.rules.model import (
    AuthorHistory,
    CommentSnapshot,
    Hit,
    Rule,
    RuleConfigError,
    RuleContext,
    rule_kind,
)
from moderator.rules.similarity import NearDuplicates, normalised_words
from moderator.rules.tables import common_fields, read_int, read_number, show

# Author name -> key; several rules ask for the same names on every comment of a run.
_KEYS: dict[str, str] = {}
_KEYS_KEPT = 1 << 16


def _author_key(author: str) -> str:
    """Names match whatever their case and surrounding spaces."""
    key = _KEYS.get(author)
    if key is None:
        if len(_KEYS) >= _KEYS_KEPT:
            _KEYS.clear()
        key = _KEYS[author] = author.strip().casefold()
    return key


def _whole(body: str) -> tuple[tuple[int, int], ...]:
    """The span of the comment's text without its surrounding whitespace."""
    if body and not body[0].isspace() and not body[-1].isspace():
        return ((0, len(body)),)  # stored bodies are mostly trimmed already
    start = len(body) - len(body.lstrip())
    end = len(body.rstrip())
    return ((start, end),) if end > start else ()


# --- author lists --------------------------------------------------------------------------


@rule_kind("author_list")
@dataclass(frozen=True, kw_only=True)
class AuthorListRule(Rule):
    """Hits every comment by an author named in ``names`` (any case).

    ``list`` says which list it is, "watch" or "block", for the explanation.
    """

    behavioural: ClassVar[bool] = True
    LISTS: ClassVar[tuple[str, ...]] = ("watch", "block")

    names: tuple[str, ...]
    list: str = "watch"
    _keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keys", frozenset(map(_author_key, self.names)))

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        names = table.get("names")
        if not isinstance(names, builtins.list | tuple) or not names:
            said = "is required" if names is None else f"must be a list, not {show(names)}"
            if isinstance(names, builtins.list | tuple):
                said = "must name at least one author"
            raise RuleConfigError(f"names {said}", key="names")
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise RuleConfigError(
                    f"names must be non-empty strings, not {show(name)}", key="names"
                )
        which = table.get("list", "watch")
        if which not in cls.LISTS:
            raise RuleConfigError(f"list must be 'watch' or 'block', not {show(which)}", key="list")
        return cls(**common_fields(table), names=tuple(names), list=which)

    # `list` is a field here, so the builtin is spelled out.
    def check(self, comment: CommentSnapshot, context: RuleContext) -> builtins.list[Hit]:
        if _author_key(comment.author) not in self._keys:
            return []
        author = comment.author.strip()
        return [self.hit(f"author '{author}' is on the {self.list} list", matched=author)]


# --- first comment -------------------------------------------------------------------------


@rule_kind("first_comment")
@dataclass(frozen=True, kw_only=True)
class FirstCommentRule(Rule):
    """Hits an author's first comment: none stored before, and none earlier in this run."""

    behavioural: ClassVar[bool] = True

    # author key -> id of that author's first comment in the run (None when it had no id)
    _first: dict[str, int | None] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(**common_fields(table))

    def reset(self) -> None:
        self._first.clear()

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        key = _author_key(comment.author)
        if not key:
            return []  # an anonymous comment has no "first"
        if key in self._first:
            # Checking the same comment again (by id) gives the same answer.
            first = self._first[key]
            if first is None or first != comment.id:
                return []
        elif context.history.comment_count(comment.author) > 0:
            self._first[key] = None
            return []
        else:
            self._first[key] = comment.id
        return [self.hit(f"first comment by '{comment.author.strip()}'")]


# --- author history ------------------------------------------------------------------------


@rule_kind("author_history")
@dataclass(frozen=True, kw_only=True)
class AuthorHistoryRule(Rule):
    """Hits authors whose share of hidden comments, among those decided, is ``threshold`` or more.

    Only authors with at least ``min_decided`` decided comments count (Coral's "recent history").
    """

    behavioural: ClassVar[bool] = True

    threshold: float = 0.5
    min_decided: int = 3

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(
            **common_fields(table),
            threshold=read_number(table, "threshold", default=0.5, share=True),
            min_decided=read_int(table, "min_decided", default=3, minimum=1),
        )

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        if not comment.author.strip():
            return []
        hidden, approved = context.history.decisions(comment.author)
        decided = hidden + approved
        if decided < self.min_decided or hidden < self.threshold * decided or not hidden:
            return []
        share = hidden / decided
        explanation = (
            f"{hidden} of {decided} decided comments hidden "
            f"({share:.0%}, limit {self.threshold:.0%})"
        )
        return [self.hit(explanation, measured=share, threshold=self.threshold)]


# --- campaigns -----------------------------------------------------------------------------


# The group of a body too short to compare (groups are numbered from 0).
_SHORT = -1


@dataclass(slots=True)
class _Group:
    """Comments with the same or nearly the same text: who wrote them, how often, which first."""

    first_id: int | None
    authors: dict[str, int]
    # The last "from N authors" sentence, and for which (N, exact): copies keep saying it.
    said: tuple[int, bool, str] = (0, False, "")


def _same(exact: bool) -> str:
    return "identical" if exact else "near-identical"


def _first(group: _Group) -> str:
    return "" if group.first_id is None else f", first in comment {group.first_id}"


# How many distinct texts the copy-paste check remembers in a run: about 60 MB of them.
REMEMBERED_TEXTS = 100_000


@rule_kind("campaign")
@dataclass(frozen=True, kw_only=True)
class CampaignRule(Rule):
    """Hits copy-paste: the same or nearly the same text from ``min_authors`` authors or more,
    or posted ``min_repeats`` times or more by one author, among the :data:`REMEMBERED_TEXTS`
    distinct texts of a run seen most recently (so that a run over millions of comments does
    not grow without end; a campaign still going keeps being seen).

    Texts are compared after normalisation (case, punctuation, spacing); "nearly the same"
    means a Jaccard similarity of ``similarity`` or more between their words (see
    :mod:`moderator.rules.similarity`). Texts shorter than ``min_length`` characters once
    normalised are left alone: "Well said!" from many readers is agreement, not a campaign.
    The comment that reaches a limit and every later one in the group are hit.
    """

    behavioural: ClassVar[bool] = True

    min_authors: int = 3
    min_repeats: int = 3
    similarity: float = 0.6
    min_length: int = 40
    _index: NearDuplicates = field(init=False, repr=False, compare=False)
    # The group seen again longest ago first: the first forgotten past REMEMBERED_TEXTS.
    _groups: OrderedDict[int, _Group] = field(
        init=False, repr=False, compare=False, default_factory=OrderedDict
    )
    # hash of a body seen in this run -> its normalised text's hash (the index's key), or
    # _SHORT for a text too short to compare.
    # Copies are what this rule looks for: a body seen before skips normalisation and MinHash.
    _seen: dict[int, int] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        index = NearDuplicates(similarity=self.similarity, capacity=REMEMBERED_TEXTS)
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        similarity = read_number(table, "similarity", default=0.6, share=True)
        if similarity == 0:
            raise RuleConfigError("similarity must be more than 0", key="similarity")
        return cls(
            **common_fields(table),
            min_authors=read_int(table, "min_authors", default=3, minimum=2),
            min_repeats=read_int(table, "min_repeats", default=3, minimum=2),
            similarity=similarity,
            min_length=read_int(table, "min_length", default=40, minimum=1),
        )

    def reset(self) -> None:
        self._index.clear()
        self._groups.clear()
        self._seen.clear()

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        # Python's str hash, cached on the string: two different bodies share one once in 2**64.
        seen = hash(body)
        key = self._seen.get(seen)
        if key == _SHORT:
            return []
        # The same body again normalises to the same text: the index is asked by its hash
        # (None if it has forgotten the text since).
        number = None if key is None else self._index.again(key)
        exact = True
        if number is None:
            if len(self._seen) >= REMEMBERED_TEXTS:
                # Only a shortcut to what the index says: start it again rather than grow.
                self._seen.clear()
            words = normalised_words(body)
            text = b" ".join(words)  # its length is normalised_length(words), and cheaper
            if len(text) < self.min_length:
                self._seen[seen] = _SHORT
                return []
            number, exact = self._index.place(words, text)
            self._seen[seen] = hash(text)
        group = self._groups.get(number)
        author = _KEYS.get(comment.author) or _author_key(comment.author)
        if group is not None:
            # A campaign still going is remembered however long ago it began.
            self._groups.move_to_end(number)
        else:
            self._groups[number] = _Group(comment.id, {author: 1})
            if len(self._groups) > REMEMBERED_TEXTS:
                self._groups.popitem(last=False)
            return []
        group.authors[author] = repeats = group.authors.get(author, 0) + 1
        authors = len(group.authors)
        if authors >= self.min_authors:
            said_for, said_exact, explanation = group.said
            if said_for != authors or said_exact != exact:
                explanation = f"{_same(exact)} text from {authors} authors{_first(group)}"
                group.said = (authors, exact, explanation)
            measured, threshold = authors, self.min_authors
        elif repeats >= self.min_repeats:
            who = f"'{comment.author.strip()}'" if author else "an anonymous author"
            explanation = f"{_same(exact)} text posted {repeats} times by {who}{_first(group)}"
            measured, threshold = repeats, self.min_repeats
        else:
            return []
        return [
            Hit(
                self.id,
                self.severity,
                self.action,
                explanation,
                spans=_whole(body),
                measured=measured,
                threshold=threshold,
            )
        ]


# --- bursts --------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    """Aware UTC: stored times may come naive (SQLite) while snapshots come aware."""
    zone = moment.tzinfo
    if zone is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if zone is None else moment.astimezone(UTC)


# A burst's window is at most a year: longer is no burst, and the window is subtracted from
# posting times (a run reads the history that far back), which must stay a valid date.
MAX_MINUTES = 365 * 24 * 60


@rule_kind("burst")
@dataclass(frozen=True, kw_only=True)
class BurstRule(Rule):
    """Hits an author's comment when it makes more than ``count`` within ``minutes`` minutes.

    The comments counted are the author's stored ones (``AuthorHistory.recent_times``, which
    must not include the comments of the run) and those checked earlier in the run.
    """

    behavioural: ClassVar[bool] = True

    count: int = 5
    minutes: float = 10
    _stored: dict[str, Sequence[datetime]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _seen: dict[str, list[datetime]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _window: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_window", timedelta(minutes=self.minutes))

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(
            **common_fields(table),
            count=read_int(table, "count", default=5, minimum=1),
            minutes=read_number(table, "minutes", default=10, share=False, maximum=MAX_MINUTES),
        )

    def reset(self) -> None:
        self._stored.clear()
        self._seen.clear()

    def looks_back(self) -> timedelta:
        return self._window

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        key = _KEYS.get(comment.author) or _author_key(comment.author)
        if comment.posted_at is None or not key:
            return []
        now = _utc(comment.posted_at)
        since = now - self._window
        stored = self._stored.get(key)
        if stored is None:
            # History does not change during a run: read it once per author.
            stored = self._stored[key] = _sorted_utc(context.history, comment.author)
        within = _within(stored, since, now) if stored else 0
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = []
        if seen and seen[-1] > now:
            bisect.insort(seen, now)  # out of posting order: count the window's share
            within += _within(seen, since, now)
        else:
            # In posting order, as the engine runs: times before the window never count
            # again, so an author's list holds only their latest minutes.
            seen.append(now)
            gone = bisect.bisect_right(seen, since)
            if gone:
                del seen[:gone]
            within += len(seen)
        if within <= self.count:
            return []
        minutes = f"{self.minutes:g}"
        explanation = f"{within} comments in {minutes} minutes (limit {self.count})"
        return [self.hit(explanation, measured=within, threshold=self.count)]


def _sorted_utc(history: AuthorHistory, author: str) -> Sequence[datetime]:
    return sorted(map(_utc, history.recent_times(author)))


def _within(times: Sequence[datetime], since: datetime, until: datetime) -> int:
    """How many of the sorted ``times`` fall after ``since`` and no later than ``until``."""
    return bisect.bisect_right(times, until) - bisect.bisect_right(times, since)
