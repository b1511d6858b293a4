"""Rule kinds that read one comment's text: regex, links, shouting, repeats and length.

Each kind is cheap per comment: patterns are compiled once, and counting is done by C-level
string and regex operations rather than Python loops over characters. The regex, links and
repeats kinds also have a gate (``moderator.rules.gates``): the engine scans a comment once
for all the gates of a rule set, and skips the rules that cannot hit it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import re2

from moderator.rules.model import (
    CommentSnapshot,
    Hit,
    Rule,
    RuleConfigError,
    RuleContext,
    rule_kind,
)
from moderator.rules.tables import (
    common_fields,
    plural,
    quote,
    re2_reason,
    read_bool,
    read_int,
    read_number,
    show,
)

# --- regex ---------------------------------------------------------------------------------

# A pathological pattern on a huge comment must not flood the queue with hits: past this many
# matches in one comment the rest add nothing a moderator would read.
MAX_REGEX_HITS = 100
# RE2's own words for syntax it refuses, and what to tell the person who wrote the rule.
_RE2_HINTS = (
    (
        ("(?=", "(?!", "(?<=", "(?<!"),
        "look-ahead and look-behind are not supported: the linear-time engine cannot look around",
    ),
    (
        ("operator: (?P", "\\1", "\\2", "\\3", "\\4", "\\5", "\\6", "\\7", "\\8", "\\9"),
        "backreferences are not supported: the linear-time engine cannot match a group again",
    ),
    (("(?>", "++", "*+", "?+"), "atomic groups and possessive repeats are not supported"),
    (("\\Z",), "write \\z for the end of the text"),
    (("(?#",), "(?#...) comments are not supported"),
)


def compile_pattern(pattern: str, *, case_sensitive: bool) -> Any:
    """The pattern compiled by RE2, or RuleConfigError(key="pattern") saying why it cannot be."""
    if not pattern:
        raise RuleConfigError("pattern is empty", key="pattern")
    options = re2.Options()
    options.case_sensitive = case_sensitive
    # RE2 logs every refused pattern to stderr; the error we raise says it once, in context.
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = re2_reason(error)
        hints = [hint for marks, hint in _RE2_HINTS if any(mark in reason for mark in marks)]
        said = f"{reason} ({hints[0]})" if hints else reason
        raise RuleConfigError(f"the pattern does not compile: {said}", key="pattern") from None


@rule_kind("regex")
@dataclass(frozen=True, kw_only=True)
class RegexRule(Rule):
    """One hit per match of ``pattern`` (RE2 syntax: linear time, no backreferences).

    ``case_sensitive`` is false by default. The pattern is searched over the comment's UTF-8
    bytes, so spans are converted back to character offsets when the text is not ASCII.
    """

    pattern: str
    case_sensitive: bool = False
    _regex: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = compile_pattern(self.pattern, case_sensitive=self.case_sensitive)
        object.__setattr__(self, "_regex", regex)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        pattern = table.get("pattern")
        if not isinstance(pattern, str):
            said = "is required" if pattern is None else f"must be a string, not {show(pattern)}"
            raise RuleConfigError(f"pattern {said}", key="pattern")
        case_sensitive = read_bool(table, "case_sensitive", default=False)
        return cls(**common_fields(table), pattern=pattern, case_sensitive=case_sensitive)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        data = body.encode()
        ascii_only = body.isascii()
        label = self.description or f"pattern {self.pattern!r}"
        hits: list[Hit] = []
        # Byte offsets become character offsets by decoding only the stretch since the last
        # match, so a long non-ASCII comment is decoded once in all, not once per match.
        byte_at, char_at = 0, 0
        for match in self._regex.finditer(data):
            start, end = match.span()
            if start == end:
                continue  # an empty match shows nothing
            if not ascii_only:
                start, byte_at, char_at = _chars(data, start, byte_at, char_at)
                end, byte_at, char_at = _chars(data, end, byte_at, char_at)
            matched = body[start:end]
            hits.append(
                self.hit(
                    f"'{quote(matched)}' matches: {label}", spans=((start, end),), matched=matched
                )
            )
            if len(hits) >= MAX_REGEX_HITS:
                break
        return hits


def _chars(data: bytes, offset: int, byte_at: int, char_at: int) -> tuple[int, int, int]:
    """The character offset of byte ``offset``, counting on from a known (byte, char) pair."""
    char = char_at + len(data[byte_at:offset].decode("utf-8", "replace"))
    return char, offset, char


# --- links ---------------------------------------------------------------------------------

# Where a link may stop: never on closing punctuation that belongs to the sentence.
_URL_TAIL = r"""[^\s<>"]*[^\s<>"'.,;:!?)\]}]"""
_LINK = re.compile(
    rf"""
    (?:(?:https?|ftps?)://|www\d{{0,3}}\.){_URL_TAIL}    # a scheme, or www.
    | (?<![\w@.-])                            # a bare domain, not inside a word or an address
      (?P<host>(?:[a-z0-9-]{{1,63}}\.)+(?P<tld>[a-z]{{2,24}}))(?![\w@-])
      (?::\d{{1,5}})?(?P<path>/(?:{_URL_TAIL})?)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DOT = re.compile(r"\.(?=[^\W_])")
_SPACE = re.compile(r"\s")
# Top-level domains that make a bare "name.tld" a link even without a path. Endings that are
# English words ("it", "in", "to", "me", "us", "today", "news") are left out: "...and so.it
# goes" is a missing space, not a link; with a path ("youtu.be/x", "t.me/x") any ending counts.
# A word list reads better as words than as a column of quoted strings.
_TLDS = frozenset(
    """com net org edu gov mil int info biz mobi app dev io ai co ly gl gg tv cc ws xyz online
    site website shop store club live click cloud agency digital social lol icu vip ca uk eu
    de fr es nl ch au nz ru cn jp kr br mx ar pl se dk fi ie pt gr cz hu ro ua tr za ng ke
    pk bd ph vn sg hk tw il ir sa ae qa eg""".split()  # noqa: SIM905
)


def _is_link(match: re.Match[str]) -> bool:
    host, tld = match["host"], match["tld"]
    if host is None:
        return True  # a scheme or www.
    # "Mr.Smith", "home.It was": a capital after the dot starts a word, unless the whole
    # domain is shouted ("BESTDEALS.COM").
    if tld[0].isupper() and not host.isupper():
        return False
    return match["path"] is not None or tld.casefold() in _TLDS


@rule_kind("links")
@dataclass(frozen=True, kw_only=True)
class LinksRule(Rule):
    """Hits a comment with ``threshold`` links or more: with a scheme, www. or a bare domain.

    A bare domain counts when its ending is a common top-level domain (example.com) or a path
    follows (bestdeals.example/ferry); "e.g.", "U.S.", "3.5" and "Mr.Smith" never do.
    """

    threshold: int = 3

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        threshold = read_int(table, "threshold", default=3, minimum=1)
        return cls(**common_fields(table), threshold=threshold)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        if "." not in body:
            return []  # every form of link has a dot
        spans = tuple(links_in(body))
        if len(spans) < self.threshold:
            return []
        explanation = f"{plural(len(spans), 'link')}, limit {self.threshold}"
        return [self.hit(explanation, spans=spans, measured=len(spans), threshold=self.threshold)]


def links_in(text: str) -> list[tuple[int, int]]:
    """The spans of the links in ``text`` as the links rule counts them.

    Every link has a dot before a letter or digit. Scanning for those dots (a literal, found
    at memchr speed) and matching the full pattern only on the words around them is several
    times faster than running the pattern over the whole comment.
    """
    spans: list[tuple[int, int]] = []
    done = 0
    for dot in _DOT.finditer(text):
        at = dot.start()
        if at < done:
            continue  # inside a word already read
        start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
        space = _SPACE.search(text, at)
        done = space.start() if space else len(text)
        spans.extend(m.span() for m in _LINK.finditer(text, start, done) if _is_link(m))
    return spans


# --- shouting ------------------------------------------------------------------------------

_ASCII = bytes(range(128))
# bytes.translate(None, delete) keeps what is not deleted: these keep one case of ASCII letter.
_ALL_BUT_UPPER = bytes(b for b in _ASCII if not chr(b).isupper()) + bytes(range(128, 256))
_ALL_BUT_LOWER = bytes(b for b in _ASCII if not chr(b).islower()) + bytes(range(128, 256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def letter_cases(text: str) -> tuple[int, int]:
    """(capitals, small letters) in ``text``; letters without case (CJK) count as neither."""
    data = text.encode("utf-8")
    upper = len(data.translate(None, _ALL_BUT_UPPER))
    lower = len(data.translate(None, _ALL_BUT_LOWER))
    if not text.isascii():
        rest = "".join(_NON_ASCII.findall(text))
        upper += sum(map(str.isupper, rest))
        lower += sum(map(str.islower, rest))
    return upper, lower


def _shouted_stretches(text: str) -> tuple[tuple[int, int], ...]:
    """Stretches from a capital to a capital with no small letter between, two capitals or more."""
    stretches: list[tuple[int, int]] = []
    start = last = -1
    capitals = 0
    # Only run on a hit, so a plain loop over the characters costs nothing in bulk.
    for index, char in enumerate(text):
        if char.isupper():
            if start < 0:
                start, capitals = index, 0
            last, capitals = index, capitals + 1
        elif char.islower() and start >= 0:
            if capitals >= 2:
                stretches.append((start, last + 1))
            start = -1
    if start >= 0 and capitals >= 2:
        stretches.append((start, last + 1))
    return tuple(stretches)


@rule_kind("shouting")
@dataclass(frozen=True, kw_only=True)
class ShoutingRule(Rule):
    """Hits a comment whose share of capitals among its letters is ``threshold`` or more.

    Only comments with at least ``min_length`` letters count: "OK" and "NATO" are not shouting.
    """

    threshold: float = 0.7
    min_length: int = 20

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(
            **common_fields(table),
            threshold=read_number(table, "threshold", default=0.7, share=True),
            min_length=read_int(table, "min_length", default=20, minimum=1),
        )

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        if body.isascii():
            data = body.encode("ascii")
            upper = len(data.translate(None, _ALL_BUT_UPPER))
            # Shouting needs threshold x min_length capitals at least: most comments stop here.
            if not upper or upper < self.threshold * self.min_length:
                return []
            lower = len(data.translate(None, _ALL_BUT_LOWER))
        else:
            upper, lower = letter_cases(body)
        letters = upper + lower
        if letters < self.min_length or upper < self.threshold * letters or not upper:
            return []
        share = upper / letters
        explanation = (
            f"{share:.0%} capitals (limit {self.threshold:.0%}) over {plural(letters, 'letter')}"
        )
        spans = _shouted_stretches(body)
        return [self.hit(explanation, spans=spans, measured=share, threshold=self.threshold)]


# --- repeats -------------------------------------------------------------------------------

# Characters that repeat for layout, not emphasis (a regex class body).
LAYOUT = r".\-_=~*"
# "?" reads as "!" for the quick test, so that "?!?!?" looks like a run of one mark; what never
# makes a run is dropped (that can only join characters into runs, never split one).
_MARKS_ALIKE = bytes.maketrans(b"?", b"!")
_NEVER_RUNS = b" \t\r\n0123456789.-_=~*"


def _may_repeat(text: str, run: int) -> bool:
    """Whether ASCII ``text`` may hold a run: a quick test in C, never wrong when it says no.

    The text XOR itself shifted by one is a zero byte wherever a character equals the next, so
    a run of ``run`` characters is ``run - 1`` zero bytes. The regex that finds the runs (with a
    backreference, 10-20 µs a comment) then only reads the few comments that pass.
    """
    data = text.encode("ascii").translate(_MARKS_ALIKE, _NEVER_RUNS)
    if len(data) < run:
        return False
    pairs = int.from_bytes(data[1:], "little") ^ int.from_bytes(data[:-1], "little")
    return bytes(run - 1) in pairs.to_bytes(len(data) - 1, "little")


@rule_kind("repeats")
@dataclass(frozen=True, kw_only=True)
class RepeatsRule(Rule):
    """Hits runs of one character ``max_run`` long or more ("!!!!!!", "sooooo").

    Mixed runs of exclamation and question marks ("?!?!?!") count as one run. Digits, spaces
    and the characters of layout (``. - _ = ~ *``) never do: "1000000" is a number, and on real
    news comments 85% of such runs were ellipses ("......") and separator lines ("-----").
    """

    max_run: int = 5
    _runs: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        more = self.max_run - 1
        runs = re.compile(rf"[!?¡¿‽]{{{self.max_run},}}|([^\s\d{LAYOUT}])\1{{{more},}}")
        object.__setattr__(self, "_runs", runs)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        max_run = read_int(table, "max_run", default=5, minimum=2)
        return cls(**common_fields(table), max_run=max_run)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        if body.isascii() and not _may_repeat(body, self.max_run):
            return []
        spans = tuple(match.span() for match in self._runs.finditer(body))
        if not spans:
            return []
        start, end = max(spans, key=lambda span: span[1] - span[0])
        run = body[start:end]
        longest = end - start
        if len(spans) == 1:
            what = f"'{run[0]}' {longest} times" if len(set(run)) == 1 else f"{longest} marks"
            explanation = f"'{quote(run, 20)}' repeats {what} in a row (limit {self.max_run})"
        else:
            explanation = (
                f"{len(spans)} repeated runs, the longest '{quote(run, 20)}' "
                f"({longest} in a row, limit {self.max_run})"
            )
        return [
            self.hit(
                explanation, spans=spans, matched=run, measured=longest, threshold=self.max_run
            )
        ]


# --- length --------------------------------------------------------------------------------


@rule_kind("length")
@dataclass(frozen=True, kw_only=True)
class LengthRule(Rule):
    """Hits a comment shorter than ``min`` or longer than ``max`` characters, once trimmed.

    A long comment's span is the part past the limit, so the highlight shows where it runs over.
    """

    min: int | None = None
    max: int | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        if "min" not in table and "max" not in table:
            raise RuleConfigError("give min, max or both (characters)", key="min")
        low = read_int(table, "min", default=1, minimum=1) if "min" in table else None
        high = read_int(table, "max", default=1, minimum=1) if "max" in table else None
        if low is not None and high is not None and low > high:
            raise RuleConfigError(f"min ({low}) is more than max ({high})", key="min")
        return cls(**common_fields(table), min=low, max=high)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        trimmed = body.strip()
        length = len(trimmed)
        start = len(body) - len(body.lstrip())
        if self.min is not None and length < self.min:
            spans = ((start, start + length),) if length else ()
            explanation = f"{plural(length, 'character')}, minimum {self.min:,}"
            return [self.hit(explanation, spans=spans, measured=length, threshold=self.min)]
        if self.max is not None and length > self.max:
            spans = ((start + self.max, start + length),)
            explanation = f"{plural(length, 'character')}, maximum {self.max:,}"
            return [self.hit(explanation, spans=spans, measured=length, threshold=self.max)]
        return []
