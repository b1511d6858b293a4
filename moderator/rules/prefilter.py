"""RE2 scans that rule out, in a microsecond or two, comments a word list cannot flag.

The precise matcher (``wordmatch``) reads text in Python and costs tens of microseconds per
comment; RE2 scans a 400-character comment in one or two. The prefilter fires on a superset of
what the precise matcher finds (a property test holds it to that). Each stage is one RE2 set,
which scans once and says which of its patterns matched:

1. over the raw text: (a) each term letter by letter, each letter the class of ASCII
   characters that can stand for it (both cases, leet digits and symbols), words joined by any
   non-alphanumerics, with ASCII word boundaries (looser than the matcher's); (b) a run of
   single letters that may be spaced out; (c) any character whose reading changes a word
   (accented and look-alike letters, ligatures, invisible characters next to a letter);
2. only if (c) matched: (a) and (b) again over the text read character by character
   (``str.translate`` with every character's reading), so that "café" costs one more scan
   rather than the precise matcher.

Whether (b) matched tells the matcher whether to look for spaced-out letters at all.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import re2

from moderator.rules.normalize import LEET_SOURCES, LEET_SYMBOLS, read_char

# RE2's \b and \w are ASCII-only; these boundaries are looser than the matcher's, never tighter.
_BEFORE = "(?:^|[^A-Za-z0-9])"
_AFTER = "(?:[^A-Za-z0-9]|$)"
_PHRASE_GAP = "[^A-Za-z0-9]+"
_SYMBOLS = "".join(f"\\x{{{ord(symbol):x}}}" for symbol in LEET_SYMBOLS)
# Spaced-out letters never span a line break, nor an apostrophe: "I'm a" is not "ima".
_NOT_GAPS = "\\n'\\x{2019}"
# Room for the DFA of a few thousand terms: RE2 falls back to a slow engine when it runs out.
_MAX_MEM = 256 << 20
# A word list's patterns (its terms, their plurals) are compiled in parts of at most this
# many: past a few thousand, RE2's automaton outgrows its memory and RE2 falls back to a far
# slower engine, or refuses the program (a part it still refuses is halved).
TERMS_PER_PART = 4000
# The prefilter (one RE2 set of every pattern) is built for lists up to this many patterns;
# past it, it would take many seconds to build, if RE2 took it at all, and every comment is
# read in full instead.
PREFILTER_LIMIT = 12_000


def parts(items: Sequence[Any]) -> list[Sequence[Any]]:
    """``items`` in consecutive parts of at most ``TERMS_PER_PART`` (one part, maybe empty,
    at least)."""
    size = TERMS_PER_PART
    return [items[start : start + size] for start in range(0, len(items), size)] or [items]


UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED  # see Scanner


class Scanner:
    """A compiled RE2 pattern searched over UTF-8 bytes.

    google-re2's public ``search`` builds a generator and a match object per call, which costs
    as much as scanning a whole comment; so this calls the compiled RE2 object underneath, as
    the prefilter calls RE2's set (neither is in the public module; google-re2 is pinned in
    pyproject.toml, and the tests would catch a change).
    """

    def __init__(self, pattern: str, *, longest: bool = False) -> None:
        options = re2.Options()
        options.max_mem = _MAX_MEM
        options.never_capture = True
        options.longest_match = longest
        options.log_errors = False
        self.regex: Any = re2.compile(pattern, options)
        # match(UNANCHORED, data, start, end)[0] is the byte span of the first match, or
        # (-1, -1): for loops that call it often.
        self.match = self.regex._regexp.Match

    def search(self, data: bytes, position: int = 0) -> tuple[int, int] | None:
        """The byte span of the first match at or after ``position``, or None."""
        start, end = self.match(UNANCHORED, data, position, len(data))[0]
        return None if start < 0 else (start, end)


# Planes 0 and 1 and the CJK compatibility supplement hold every character whose reading may
# differ from itself, apart from the format characters of plane 14 (tags, variation selectors).
_SCANNED = (range(0x80, 0xD800), range(0xE000, 0x20000), range(0x2F800, 0x2FA20))
_PLANE_14 = range(0xE0000, 0xE1000)


@functools.cache
def character_readings() -> dict[int, str]:
    """Every character that does not read as itself, by code point, with its (case-folded)
    reading: a table for ``str.translate``. Built once per process (about 0.2 s)."""
    table = {code: chr(code).lower() for code in range(65, 91)}
    for code in itertools.chain(*_SCANNED, _PLANE_14):
        char = chr(code)
        if unicodedata.category(char) != "Cn":  # unassigned characters read as themselves
            reading = read_char(char, remember=False)
            if reading != char:
                table[code] = reading
    return table


@dataclass(frozen=True, slots=True)
class _Tables:
    """What the prefilter knows of every character, from the Unicode tables of this Python."""

    readings: dict[int, str]  # characters that do not read as themselves (for str.translate)
    changing: str  # class of characters whose reading changes a word
    removed: str  # class of characters read as nothing
    word: str  # class of word characters (what Python's str.isalnum accepts)


@functools.cache
def _tables() -> _Tables:
    """Classes from every character's reading (built once per process)."""
    readings = character_readings()
    changing: list[int] = []
    removed: list[int] = []
    for code, reading in readings.items():
        char = chr(code)
        if char.isascii():
            continue  # capitals: the term classes hold both cases
        if not reading:
            removed.append(code)
        elif char.isalnum() or any(c.isalnum() or c in LEET_SYMBOLS for c in reading):
            changing.append(code)
    # Python's idea of a word character, so that RE2 and the matcher agree on every character.
    word = [code for code in range(0x110000) if chr(code).isalnum()]
    return _Tables(readings, _ranges(changing), _ranges(removed), _ranges(word))


def _ranges(codes: Iterable[int]) -> str:
    """Code points as the inside of an RE2 character class."""
    parts: list[str] = []
    ordered = sorted(set(codes))
    for _, group in itertools.groupby(enumerate(ordered), key=lambda item: item[1] - item[0]):
        run = [code for _, code in group]
        first, last = run[0], run[-1]
        parts.append(_code(first) if first == last else f"{_code(first)}-{_code(last)}")
    return "".join(parts)


def _code(code: int) -> str:
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\x{{{code:x}}}"


@functools.cache
def _letter_class(letter: str, *, raw: bool) -> str:
    """What may stand for ``letter`` (folded) in raw text, or in text read char by char."""
    codes = {ord(letter)}
    if raw and letter.isascii():
        codes.add(ord(letter.upper()))
    codes.update(ord(source) for source in LEET_SOURCES.get(letter, ""))
    return f"[{_ranges(codes)}]" if len(codes) > 1 else _code(ord(letter))


def _word(word: str, *, raw: bool) -> str:
    pieces = []
    for letter, group in itertools.groupby(word):
        count = len(list(group))
        letters = _letter_class(letter, raw=raw)
        # The matcher reads a run of 3+ as one or two letters; two must stay two, so that
        # "as" never fires on "ass" (nor "asses" on "assess").
        if count == 1:
            pieces.append(f"{letters}(?:{letters}{letters}+)?")
        elif count == 2:
            pieces.append(f"{letters}{letters}+")
        else:
            pieces.append(f"{letters}{{{count}}}")
    return "".join(pieces)


def _terms(terms: Sequence[tuple[Sequence[str], bool, bool]], *, raw: bool) -> list[str]:
    """The terms as four alternations, by wildcard side; a wildcard side has no boundary.

    The boundaries stay outside each alternation so that RE2 can merge the terms' common
    prefixes: that keeps the DFA small enough to build quickly.
    """
    groups: dict[tuple[bool, bool], set[str]] = {}
    for words, lead, trail in terms:
        body = _PHRASE_GAP.join(_word(word, raw=raw) for word in words)
        groups.setdefault((lead, trail), set()).add(body)
    return [
        f"{'' if lead else _BEFORE}(?:{'|'.join(sorted(bodies))}){'' if trail else _AFTER}"
        for (lead, trail), bodies in sorted(groups.items())
    ]


def spaced_pattern(*, raw: bool) -> str:
    """Three or more single letters or symbols with one to three gap characters between them.

    ``raw``: in text as written, where invisible characters in a gap do not count.
    """
    tables = _tables()
    token = f"[{tables.word}{_SYMBOLS}]"
    gap = f"[^{tables.word}{_SYMBOLS}{_NOT_GAPS}]"
    if raw:
        gap = f"[{tables.removed}]*{gap}[{tables.removed}]*"
    after = f"(?:(?:{gap}){{1,3}}{token})"
    # The first letter of a run does not follow an apostrophe: the "m" of "I'm" is no single.
    before = f"(?:^|[^{tables.word}'\\x{{2019}}])"
    return f"{before}{token}{after}{{2,}}(?:[^{tables.word}]|$)"


# Runs of spaced-out letters in folded text, scanned over an ASCII skeleton of it (every
# non-ASCII letter an "a", a curly apostrophe a straight one, anything else non-ASCII a "~")
# so that byte and character offsets agree; the same runs as ``spaced_pattern(raw=False)``.
_SPACED_ASCII = (
    "(?:^|[^A-Za-z0-9'])[A-Za-z0-9$@!+](?:[^A-Za-z0-9$@!+\\n']{1,3}[A-Za-z0-9$@!+]){2,}"
    "(?:[^A-Za-z0-9]|$)"
)
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _skeleton_char(found: re.Match[str]) -> str:
    char = found.group()
    return "a" if char.isalnum() else "'" if char == "\u2019" else "~"


@functools.cache
def _spaced_scanner() -> Scanner:
    return Scanner(_SPACED_ASCII, longest=True)


def spaced_runs(text: str) -> list[tuple[int, int]]:
    """[start, end) of each run of three or more single letters or leet symbols in folded
    text, one to three gap characters apart ("s h i t", "s.h.i.t", "$ h ! t")."""
    skeleton = text if text.isascii() else _NOT_ASCII.sub(_skeleton_char, text)
    data = skeleton.encode("ascii")
    scanner = _spaced_scanner()
    runs: list[tuple[int, int]] = []
    position = 0
    while (found := scanner.search(data, position)) is not None:
        start, end = found
        # The match takes a boundary character on each side where there is one; a symbol
        # next to a letter without a gap is a boundary, not a single.
        if not _token(skeleton[start]) or _token(skeleton[start + 1]):
            start += 1
        if not _token(skeleton[end - 1]) or _token(skeleton[end - 2]):
            end -= 1
        runs.append((start, end))
        position = end
    return runs


def _token(char: str) -> bool:
    return char.isalnum() or char in LEET_SYMBOLS


# What the prefilter saw, as the bits of a plain int (testing an enum flag costs a microsecond,
# and every comment is tested): LOOK, a term may be written there (run the precise matcher);
# SPACED, letters may be spaced out in it (the matcher must look for runs of them).
NOTHING, LOOK, SPACED = 0, 1, 2
_EVERYTHING = LOOK | SPACED
_NEVER = "[^\\x00-\\x{10ffff}]"
# Which pattern of a stage fired (the order in which they are added to its RE2 set).
_TERMS_AT, _SPACED_AT, _CHANGING_AT = 0, 1, 2


class _Stage:
    """Patterns scanned together in one pass (an RE2 set), reporting which of them matched."""

    def __init__(self, patterns: Sequence[str]) -> None:
        options = re2.Options()
        options.max_mem = _MAX_MEM
        options.never_capture = True
        options.log_errors = False
        self._set = re2._re2.Set(UNANCHORED, options)
        for index, pattern in enumerate(patterns):
            if self._set.Add(pattern.encode("utf-8")) != index:
                raise re2.error(f"the prefilter pattern {index} does not compile")
        if not self._set.Compile():
            raise re2.error("the prefilter does not compile")
        self.match = self._set.Match


class Prefilter:
    """Tells whether a comment may hold one of the terms (see the module docstring).

    ``terms`` are (words, lead, trail) triples of case-folded terms, ``symbols`` the terms made
    of symbols only (emoji).
    """

    def __init__(
        self, terms: Sequence[tuple[Sequence[str], bool, bool]], *, symbols: Sequence[str] = ()
    ) -> None:
        tables = _tables()
        self._readings = tables.readings
        token = f"[{tables.word}{_SYMBOLS}]"
        removed = f"[{tables.removed}]"
        changing = [f"[{tables.changing}]", f"{token}{removed}", f"{removed}{token}"]
        read_terms = _terms(terms, raw=False)
        if symbols:
            # Terms of symbols (emoji): any character that reads as one of them, then the
            # exact symbols in the text read character by character.
            wanted = set("".join(symbols))
            readers = [code for code, reading in tables.readings.items() if wanted & set(reading)]
            changing.append(f"[{_ranges(map(ord, wanted))}{_ranges(readers)}]")
            read_terms.extend("".join(_code(ord(char)) for char in symbol) for symbol in symbols)
        self._raw = _Stage(
            [
                "|".join(_terms(terms, raw=True) or [_NEVER]),
                spaced_pattern(raw=True),
                "|".join(changing),
            ]
        )
        self._read = _Stage(["|".join(read_terms or [_NEVER]), spaced_pattern(raw=False)])
        self._raw_match = self._raw.match

    def look(self, text: str) -> int:
        """What the precise matcher should do with ``text``; NOTHING only if it cannot find
        a term there."""
        # Every comment comes here, nine in ten to leave: keep the way out short.
        try:
            fired = self._raw_match(text.encode())
        except UnicodeEncodeError:
            # Lone surrogates: only the precise matcher reads them (as U+FFFD).
            return _EVERYTHING
        if not fired:
            return NOTHING
        if _CHANGING_AT in fired:
            # A character whose reading changes a word: look again at the text as read.
            fired = self._read.match(text.translate(self._readings).encode("utf-8", "replace"))
            if not fired:
                return NOTHING
        return _EVERYTHING if _SPACED_AT in fired else LOOK
