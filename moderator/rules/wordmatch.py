"""Finds the terms of a word list in comment text, through disguises, at original offsets.

A term is one or more words, each a whole word unless the term starts or ends with ``*``:
``idiot*`` matches "idiot", "idiots" and "idiotic"; ``*hole`` matches "hole" and "asshole";
``*idiot*`` any word with "idiot" inside. The wildcard stands for zero or more letters or
digits, so asterisks that mask a word in the text ("a**hole") are read as punctuation: that is
"a" and "hole". The words of a phrase match across any run of spaces and punctuation.

With ``plurals`` (the default), a term whose end is not a wildcard also matches its last word
in the plural: "idiot" matches "idiots", "bitch" "bitches", "pussy" "pussies". Only the
regular English endings: -es after s, x, z, ch and sh, -ies after a consonant and y, -es or
-s after o, -s otherwise; so "spic" matches "spics" but never "spices".

Matching is one RE2 scan per reading of the text (see ``normalize``), after the prefilter
(see ``prefilter``) has let the comment through; a list too long for the prefilter has its
terms without a wildcard looked up word by word instead (see ``wordlookup``), with the same
results. A letter of a term matches a run of one, or
of three or more, of that letter in the text, and a double letter a run of two or more: so
"shiiiit" reads "shit" while "ass" never reads "as".
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

import re2

from moderator.domain import Severity
from moderator.rules.normalize import BREAK, LEET, Reading, fold_text, readings
from moderator.rules.prefilter import (
    LOOK,
    NOTHING,
    PREFILTER_LIMIT,
    SPACED,
    UNANCHORED,
    Prefilter,
    Scanner,
    parts,
    spaced_runs,
)
from moderator.rules.wordlookup import WordLookup

_WORD = re.compile(r"[^\W_]+")
# The characters leetspeak reads as letters: text without them reads as itself.
_LEET_CHAR = re.compile(f"[{re.escape(''.join(LEET))}]")
_STRETCHED = re.compile(r"([^\W_])\1\1")
# The matcher scans a copy of each reading in which every non-word character is a space and
# every non-ASCII letter a placeholder no term contains (when the terms are ASCII), so that
# its pattern is plain ASCII and agrees with Python on what a word character is. Line breaks
# stay: a phrase crosses one, but not a paragraph break (two, see _GAP).
_ASCII_SPACES = bytes(c if chr(c).isalnum() or c == 0x0A else 32 for c in range(256))
_NOT_WORD = re.compile(r"[^\w\n]|_")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_PLACEHOLDERS = "ZQXJzqxj"
_WILD = "[^ \n]*"
_GAP = "(?: *\n *| +)"
# Where a comment may be cut into paragraphs that are matched apart: blank lines (which no
# phrase crosses, and no other match either).
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
# Readings of one matched span tried when naming its term (3 per stretched run of letters).
_MAX_VARIANTS = 81
# Matched spans whose terms are remembered (the cache starts over when full).
_REMEMBERED = 4096


class TermError(ValueError):
    """A list entry that cannot be a term; the message says why ("is empty")."""


@dataclass(frozen=True, slots=True, eq=False)
class Term:
    """One list entry as the matcher reads it: normalised words and wildcard sides.

    Compared by identity: two entries that read the same are still two entries.
    """

    entry: str
    words: tuple[str, ...]
    lead: bool = False
    trail: bool = False
    severity: Severity | None = None
    # A term of symbols only (an emoji): ``words`` holds the symbols, matched wherever written.
    symbolic: bool = False

    @property
    def exact(self) -> bool:
        return not (self.lead or self.trail)

    @property
    def reads(self) -> str:
        """The term as it reads: "shit" for the entry "$h1t"."""
        return " ".join(self.words)


MOST_TERM_CHARACTERS = 200


def parse_term(entry: str, *, fold_case: bool = True, severity: Severity | None = None) -> Term:
    """Read one list entry; :class:`TermError` if it cannot be a term."""
    text = entry.strip()
    if not text:
        raise TermError("is empty")
    if len(text) > MOST_TERM_CHARACTERS:
        # A word or phrase is far shorter; a longer one's pattern overwhelms RE2, which then
        # writes tens of thousands of lines of its own to the terminal before refusing it.
        raise TermError(f"is longer than {MOST_TERM_CHARACTERS} characters: not a word or phrase")
    core = text.strip("*")
    if not core:
        raise TermError("is only a wildcard")
    if "*" in core:
        raise TermError("has a * inside (a * may only start or end a term)")
    if core.isascii() and _LEET_CHAR.search(core) is None:
        # Most entries of a long list are plain words: ASCII without leetspeak reads as
        # itself, folded (what fold_text and readings would make of it, a hundred times faster).
        reading = core.lower() if fold_case else core
        if reading == core:
            reading = core  # one string for the entry and its word, not two
        words = (reading,) if reading.isalnum() else tuple(_WORD.findall(reading))
    else:
        words = ()
    if not words:
        reading = readings(fold_text(core, fold_case=fold_case))[0].text
        words = tuple(_WORD.findall(reading))
    if words:
        return Term(text, words, text.startswith("*"), text.endswith("*"), severity)
    symbols = "".join(reading.split())
    if not symbols:
        raise TermError("has nothing visible")
    if core != text:
        raise TermError("is made of symbols: a * only goes with words")
    return Term(text, (symbols,), severity=severity, symbolic=True)


def plural_words(word: str) -> tuple[str, ...]:
    """The regular English plurals of a (case-folded) word; none for one not made of letters."""
    if len(word) < 2 or not word.isalpha():
        return ()
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word + "es",)
    if word[-1] == "y" and word[-2] not in "aeiou":
        return (word[:-1] + "ies",)
    if word[-1] == "o":
        return (word + "es", word + "s")
    return (word + "s",)


Form = tuple[tuple[str, ...], bool, bool]  # (words, lead, trail): what a term may be written as
# What finds terms in the scanned text: RE2, or for the whole words of a long list a lookup.
_Scan = Scanner | WordLookup[Term]


def forms(term: Term, *, plurals: bool) -> list[Form]:
    """The words a term matches: its own, and with ``plurals`` its last word's plurals."""
    own = (term.words, term.lead, term.trail)
    if not plurals or term.trail or term.symbolic:
        return [own]
    *head, last = term.words
    return [own, *(((*head, word), term.lead, False) for word in plural_words(last))]


def _word_pattern(word: str) -> str:
    pieces = []
    for char, group in itertools.groupby(word):
        count = len(list(group))
        letter = char if char.isascii() else f"\\x{{{ord(char):x}}}"
        if count == 1:
            pieces.append(f"{letter}(?:{letter}{letter}+)?")
        elif count == 2:
            pieces.append(f"{letter}{letter}+")
        else:
            pieces.append(letter * count)
    return "".join(pieces)


def _whole_word_forms(
    terms: Sequence[Term], *, plurals: bool
) -> Iterator[tuple[tuple[str, ...], Term]]:
    """The words of each form of the terms without a wildcard, with the term: ``forms``,
    spelled out for the million terms of a long list."""
    for term in terms:
        if term.lead or term.trail:
            continue
        words = term.words
        yield words, term
        if plurals:
            last = words[-1]
            if len(words) == 1:
                for plural in plural_words(last):
                    yield (plural,), term
            else:
                for plural in plural_words(last):
                    yield (*words[:-1], plural), term


def _form_pattern(form: Form) -> str:
    words, lead, trail = form
    body = _GAP.join(_word_pattern(word) for word in words)
    return f"{_WILD if lead else ''}{body}{_WILD if trail else ''}"


def _scanner(terms: Sequence[Term], *, plurals: bool) -> list[Scanner] | None:
    """The terms' scanner: one, or one per part of a very long list (see ``parts``)."""
    if not terms:
        return None
    patterns = {_form_pattern(form) for term in terms for form in forms(term, plurals=plurals)}
    return [scanner for part in parts(sorted(patterns)) for scanner in _compiled(part)]


def _compiled(patterns: Sequence[str]) -> list[Scanner]:
    """One scanner of ``patterns``, or, where RE2 finds that too large, of each half."""
    try:
        return [Scanner(f"(?:^|[ \n])(?:{'|'.join(patterns)})(?:[ \n]|$)", longest=True)]
    except re2.error:
        if len(patterns) < 2:
            raise
        middle = len(patterns) // 2
        return _compiled(patterns[:middle]) + _compiled(patterns[middle:])


def _spaced_words(reading: Reading, placeholder: str | None) -> bytes | str:
    """The reading with each non-word character a space (and as long as it).

    ASCII bytes when the reading is ASCII, or when the terms are: then every non-ASCII letter
    is ``placeholder``, a letter no term contains. Otherwise a string. Line breaks stay line
    breaks: a phrase may cross one, not two.
    """
    text = reading.text
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_SPACES)
    if placeholder is not None:
        letters = _NOT_ASCII.sub(lambda found: placeholder if found[0].isalnum() else " ", text)
        return letters.encode("ascii").translate(_ASCII_SPACES)
    return _NOT_WORD.sub(" ", text)


def _spans(scanners: Sequence[_Scan], words: bytes | str) -> list[tuple[int, int]]:
    """[start, end) of each longest match in ``words``, without the spaces around it."""
    scanner = scanners[0]
    if len(scanners) > 1 or not isinstance(scanner, Scanner):
        return _spans_of_parts(scanners, words)
    spans: list[tuple[int, int]] = []
    position = 0
    if isinstance(words, bytes):
        match, length = scanner.match, len(words)
        while (found := match(UNANCHORED, words, position, length)[0])[0] >= 0:
            start, end = found
            # A space or line break on either side is the boundary, not the match.
            spans.append((start + (words[start] <= 32), end - (words[end - 1] <= 32)))
            # The next match may take the space after this one as its own boundary.
            position = spans[-1][1]
        return spans
    # Terms with non-ASCII letters: the public API, which counts characters, not bytes.
    while (match := scanner.regex.search(words, position)) is not None:
        start, end = match.span()
        spans.append((start + (words[start] in " \n"), end - (words[end - 1] in " \n")))
        position = spans[-1][1]
    return spans


def _spans_of_parts(scanners: Sequence[_Scan], words: bytes | str) -> list[tuple[int, int]]:
    """:func:`_spans` over a list scanned in parts: at each step the leftmost match of any
    part, the longest of those that start there (as one scanner of every term would). Each
    part's next match is kept until the text read reaches it, so every part reads the text
    once, not once per match."""
    # The lookup reads characters: an ASCII text is the same as a string, offsets and all.
    text = words.decode("ascii") if isinstance(words, bytes) else words

    def first(scanner: _Scan, position: int) -> tuple[int, int] | None:
        if isinstance(scanner, WordLookup):
            return scanner.search(text, position)
        if isinstance(words, bytes):
            return scanner.search(words, position)
        match = scanner.regex.search(words, position)
        return None if match is None else match.span()

    upcoming = {index: first(scanner, 0) for index, scanner in enumerate(scanners)}
    spans: list[tuple[int, int]] = []
    while True:
        found = [(span, index) for index, span in upcoming.items() if span is not None]
        if not found:
            return spans
        (start, end), _ = min(found, key=lambda item: (item[0][0], -item[0][1]))
        if isinstance(words, bytes):
            spans.append((start + (words[start] <= 32), end - (words[end - 1] <= 32)))
        else:
            spans.append((start + (words[start] in " \n"), end - (words[end - 1] in " \n")))
        position = spans[-1][1]
        # A part's kept match that starts before here overlaps the one taken: look again.
        for index, span in list(upcoming.items()):
            if span is None:
                del upcoming[index]
            elif span[0] < position:
                upcoming[index] = first(scanners[index], position)


def _variants(word: str) -> list[str]:
    """A word with stretched letters read every way: each run of 3+ as one, two, or as is."""
    runs = [(char, len(list(group))) for char, group in itertools.groupby(word)]
    choices = [(c * n,) if n < 3 else (c, c * 2, c * n) for c, n in runs]
    combinations = itertools.islice(itertools.product(*choices), _MAX_VARIANTS)
    return ["".join(parts) for parts in combinations]


def _keys(words: tuple[str, ...], lead: bool, trail: bool) -> Iterator[tuple[str, ...]]:
    """The words a term with these wildcard sides would have to be, to match ``words``."""
    first, last = words[0], words[-1]
    if len(words) == 1 and lead and trail:
        for start in range(len(first)):
            yield from ((first[start:end],) for end in range(start + 1, len(first) + 1))
        return
    heads = [first[start:] for start in range(len(first))] if lead else [first]
    if len(words) == 1:
        tails = heads if lead else [last[:end] for end in range(1, len(last) + 1)]
        yield from ((tail,) for tail in tails)
        return
    tails = [last[:end] for end in range(1, len(last) + 1)] if trail else [last]
    for head, tail in itertools.product(heads, tails):
        yield (head, *words[1:-1], tail)


class _Index:
    """Which terms a matched span is: dictionaries by words, one per kind of wildcard.

    With ``lookup`` (which holds the whole-word terms), whole words are looked up there
    rather than in a dictionary of their own.
    """

    def __init__(
        self, terms: Sequence[Term], *, plurals: bool, lookup: WordLookup[Term] | None = None
    ) -> None:
        self.exact: dict[tuple[str, ...], list[Term]] = {}
        self.wild: dict[tuple[bool, bool], dict[tuple[str, ...], list[Term]]] = {}
        self._exact: Callable[[tuple[str, ...]], Iterable[Term]] = self._listed
        self._lookup = lookup
        if lookup is not None:
            self._exact = self._looked_up
        self._positions: dict[int, int] | None = None
        for term in terms:
            if term.exact and lookup is not None:
                continue
            table = self.exact if term.exact else self.wild.setdefault((term.lead, term.trail), {})
            for words, _, _ in forms(term, plurals=plurals):
                table.setdefault(words, []).append(term)
        self.terms = terms
        self.plurals = plurals
        self._one_by_one: list[tuple[Term, Scanner]] | None = None

    def identify(self, span: str) -> list[Term]:
        words = (span,) if span.isalnum() else tuple(_WORD.findall(span))
        found = list(self._exact(words))
        if not found or self.wild or _STRETCHED.search(span):
            variants = itertools.product(*(_variants(word) for word in words))
            for variant in itertools.islice(variants, _MAX_VARIANTS):
                found.extend(self._exact(variant))
                for (lead, trail), table in self.wild.items():
                    for key in _keys(variant, lead, trail):
                        found.extend(table.get(key, ()))
        if not found:
            found = self._slowly(span)
        return list(dict.fromkeys(found))

    def _listed(self, words: tuple[str, ...]) -> Iterable[Term]:
        return self.exact.get(words, ())

    def _looked_up(self, words: tuple[str, ...]) -> Iterable[Term]:
        assert self._lookup is not None
        return [term for _, term in self._lookup.exactly(words)] if words else ()

    def _slowly(self, span: str) -> list[Term]:
        # Only for spans with more stretched runs than the variants cover: term by term.
        # The lookup already checks whole words exactly as their patterns would (and a long
        # list's million patterns would take minutes to compile): only wildcards are compiled.
        if self._one_by_one is None:
            self._one_by_one = []
            for term in self.terms:
                if term.exact and self._lookup is not None:
                    continue
                patterns = map(_form_pattern, forms(term, plurals=self.plurals))
                self._one_by_one.append((term, Scanner(f"^(?:{'|'.join(patterns)})$")))
        words = _NOT_WORD.sub(" ", span).encode("utf-8")
        found = [term for term, scanner in self._one_by_one if scanner.search(words)]
        if self._lookup is None:
            return found
        whole = [term for _, term in self._lookup.belonging(_WORD.findall(span))]
        if not (whole and found):
            return whole or found
        # Named in the list's order, as one by one.
        if self._positions is None:
            self._positions = {id(term): index for index, term in enumerate(self.terms)}
        positions = self._positions
        return sorted([*whole, *found], key=lambda term: positions[id(term)])


class WordMatch(NamedTuple):
    """Terms found in a text: original [start, end), what the span reads as, which terms."""

    start: int
    end: int
    reading: str
    terms: tuple[Term, ...]


def _everything(_text: str) -> int:
    return LOOK | SPACED


def _nothing(text: str) -> int:
    return NOTHING


def _place_order(item: tuple[tuple[int, int], object]) -> tuple[int, int]:
    (start, end), _ = item
    return start, -end


class WordMatcher:
    """The terms of one list, compiled: :meth:`find` gives the matches in a text."""

    def __init__(
        self,
        terms: Sequence[Term],
        *,
        allow: Sequence[Term] = (),
        fold_case: bool = True,
        plurals: bool = True,
        lookup: bool | None = None,
    ) -> None:
        """``lookup``: find whole-word terms by dictionary lookup rather than RE2 (by default,
        for lists too long for the prefilter, whose RE2 automata would take minutes)."""
        self.fold_case = fold_case
        symbolic = [term for term in terms if term.symbolic]
        terms = [term for term in terms if not term.symbolic]
        # The prefilter reads case-folded text whatever the list says: a superset. (A list of
        # more terms than the prefilter takes has more forms too: no need to count them.)
        prefiltered: list[Form] = []
        if len(terms) <= PREFILTER_LIMIT:
            folded = terms if fold_case else [parse_term(term.entry) for term in terms]
            prefiltered = [form for term in folded for form in forms(term, plurals=plurals)]
        long_list = len(terms) > PREFILTER_LIMIT or len(prefiltered) > PREFILTER_LIMIT
        self._scanner: list[_Scan] | None
        if long_list if lookup is None else lookup:
            words = WordLookup(_whole_word_forms(terms, plurals=plurals))
            wild = _scanner([term for term in terms if not term.exact], plurals=plurals)
            self._scanner = [*(wild or []), *([words] if words else [])] or None
            self._index = _Index(terms, plurals=plurals, lookup=words)
        else:
            scanners = _scanner(terms, plurals=plurals)
            self._scanner = None if scanners is None else list(scanners)
            self._index = _Index(terms, plurals=plurals)
        self._allow = _scanner(allow, plurals=plurals)
        self._symbol_terms: dict[str, tuple[Term, ...]] = {}
        for term in symbolic:
            self._symbol_terms[term.words[0]] = (*self._symbol_terms.get(term.words[0], ()), term)
        # Longest first, so that "🖕🖕" is one match rather than two.
        symbols = sorted(self._symbol_terms, key=len, reverse=True)
        self._symbols = re.compile("|".join(map(re.escape, symbols))) if symbols else None
        used = set("".join(word for term in terms for word in term.words))
        free = [char for char in _PLACEHOLDERS if char not in used]
        self._placeholder = free[0] if free and all(c.isascii() for c in used) else None
        self._named: dict[str, tuple[Term, ...]] = {}
        # The prefilter alone: NOTHING means find() would return no match.
        self.look: Callable[[str], int] = _nothing
        if long_list:
            self.look = _everything  # a very long list: every comment is read in full
        elif terms or symbolic:
            try:
                self.look = Prefilter(
                    prefiltered, symbols=[parse_term(term.entry).words[0] for term in symbolic]
                ).look
            except re2.error:
                self.look = _everything  # too large for RE2: every comment read in full

    def find(self, text: str) -> list[WordMatch]:
        """The matches in ``text``: one per place, the earliest and longest first."""
        sighting = self.look(text)
        return self.find_seen(text, sighting) if sighting else []

    def find_seen(self, text: str, sighting: int) -> list[WordMatch]:
        """:meth:`find`, once :attr:`look` has seen something (``sighting``) in ``text``."""
        if _PARAGRAPH_BREAK.search(text) is None:
            return self.find_slowly(text, spaced=bool(sighting & SPACED))
        # No match crosses a blank line: a long comment is read paragraph by paragraph, and
        # only where the prefilter sees something.
        matches: list[WordMatch] = []
        start = 0
        for cut in [*_PARAGRAPH_BREAK.finditer(text), None]:
            end = len(text) if cut is None else cut.start()
            part = text[start:end]
            sighting = self.look(part)
            if sighting:
                for match in self.find_slowly(part, spaced=bool(sighting & SPACED)):
                    matches.append(match._replace(start=match.start + start, end=match.end + start))
            start = end if cut is None else cut.end()
        return matches

    def find_slowly(self, text: str, *, spaced: bool = True) -> list[WordMatch]:
        """:meth:`find` without the prefilter (which must never make a difference).

        ``spaced=False`` skips looking for spaced-out letters (the prefilter saw none).
        """
        folded = fold_text(text, fold_case=self.fold_case)
        # Readings mostly agree: each place is named once, by the first reading to find it.
        found: dict[tuple[int, int], tuple[str, tuple[Term, ...] | None]] = {}
        if self._scanner is not None:
            runs = spaced_runs(folded.text) if spaced else ()
            views = readings(folded, runs=runs)
            words, offsets = self._words(views)
            spans = _spans(self._scanner, words)
            if spans and self._allow is not None:
                allowed = _spans(self._allow, words)
                spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in allowed)]
            view, offset = views[0], 0
            for first, last in spans:
                if len(views) > 1:
                    index = bisect.bisect_right(offsets, first) - 1
                    view, offset = views[index], offsets[index]
                start, end = first - offset, last - offset
                span = view.text[start:end]
                if view.steps is not None:
                    start, end = view.folded_span(start, end)
                found.setdefault(folded.span(start, end), (span, None))
        if self._symbols is not None:
            for symbols in self._symbols.finditer(folded.text):
                found.setdefault(
                    folded.span(*symbols.span()), (symbols[0], self._symbol_terms[symbols[0]])
                )
        if len(found) == 1:
            ((start, end), (span, terms)) = found.popitem()
            return [WordMatch(start, end, span, terms or self._identify(span))]
        matches: list[WordMatch] = []
        for (start, end), (span, terms) in sorted(found.items(), key=_place_order):
            if not matches or start >= matches[-1].end:
                matches.append(WordMatch(start, end, span, terms or self._identify(span)))
        return matches

    def _words(self, views: list[Reading]) -> tuple[bytes | str, list[int]]:
        """All readings as words for one scan, a blank line (no phrase crosses it) between
        them; and where each reading starts."""
        if len(views) == 1:
            return _spaced_words(views[0], self._placeholder), [0]
        parts = [_spaced_words(view, self._placeholder) for view in views]
        offsets = [0]
        for part in parts[:-1]:
            offsets.append(offsets[-1] + len(part) + len(BREAK))
        if all(isinstance(part, bytes) for part in parts):
            return BREAK.encode().join(cast(list[bytes], parts)), offsets
        return BREAK.join(p.decode() if isinstance(p, bytes) else p for p in parts), offsets

    def _identify(self, span: str) -> tuple[Term, ...]:
        # The same few words make most hits: remember what they are.
        terms = self._named.get(span)
        if terms is None:
            if len(self._named) >= _REMEMBERED:
                self._named.clear()
            terms = self._named[span] = tuple(self._index.identify(span))
        return terms
