"""Reads comment text the way a word list should see it, keeping the way back to the original.

Two stages. :func:`fold_text` reads each character on its own (NFKC, case folding, accents
and look-alike letters from other scripts, invisible characters dropped) and remembers where
every folded character came from. :func:`readings` then reads the folded text the ways a
disguised word can be meant: leetspeak inside words, spaced-out letters joined (the runs of
spaced-out letters are found by an RE2 scan, see ``prefilter.spaced_runs``). Stretched
letters ("shiiiit") are left in place: the matcher reads a run of three or more letters as one
or two (see ``wordmatch``), so that "ass" never has to become "as".
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

# Leetspeak: the digits and symbols people put in place of letters ("+" as in "bi+ch").
LEET = {
    **{"4": "a", "@": "a", "8": "b", "3": "e", "9": "g", "1": "i", "!": "i", "0": "o"},
    **{"$": "s", "5": "s", "7": "t", "+": "t"},
}
LEET_SYMBOLS = "$@!+"
# Every letter with the characters that may stand for it ("1" is read as "l" too, see readings).
LEET_SOURCES = {
    **{"a": "4@", "b": "8", "e": "3", "g": "9", "i": "1!", "l": "1", "o": "0", "s": "$5"},
    "t": "7+",
}
_ALL_LEET = str.maketrans(LEET)
_ONE_AS_L = str.maketrans(LEET | {"1": "l"})
# A letter or two and a number ("F49", "N19", "A55", "S149"): a bus, a postcode, a road or a
# model more often than a word, so only the long-read digits are read in it ("a55" is still
# "ass"), never 8 or 9, and "1" never as both "i" and "l".
_CODE = re.compile(r"[^\W\d_]{1,2}\d{2,3}")
_CODE_READ = {key: value for key, value in LEET.items() if key not in "89"}
_CODE_LEET = str.maketrans(_CODE_READ)
_CODE_ONE_AS_L = str.maketrans(_CODE_READ | {"1": "l"})

# Look-alike letters from other scripts, by Unicode name and the Latin letter they pass for,
# case for case: a small letter that does not look Latin is left alone (the Cyrillic small ve
# is no "b", but its capital passes for a "B"). Named, as the characters themselves look Latin.
_LOOKALIKES = {
    "CYRILLIC CAPITAL LETTER": "A=A VE=B ES=C IE=E EN=H SHHA=H BYELORUSSIAN-UKRAINIAN_I=I JE=J"
    " KA=K EM=M O=O ER=P QA=Q DZE=S TE=T WE=W HA=X U=Y STRAIGHT_U=Y",
    "CYRILLIC SMALL LETTER": "A=a ES=c KOMI_DE=d IE=e SHHA=h BYELORUSSIAN-UKRAINIAN_I=i JE=j"
    " KA=k PALOCHKA=l O=o ER=p QA=q DZE=s TE=t WE=w HA=x U=y STRAIGHT_U=y",
    "CYRILLIC LETTER": "PALOCHKA=I",
    "GREEK CAPITAL LETTER": "ALPHA=A BETA=B EPSILON=E ETA=H IOTA=I KAPPA=K MU=M NU=N OMICRON=O"
    " RHO=P TAU=T UPSILON=Y CHI=X ZETA=Z",
    "GREEK SMALL LETTER": "ALPHA=a BETA=b EPSILON=e IOTA=i KAPPA=k ETA=n OMICRON=o RHO=p TAU=t"
    " UPSILON=u NU=v OMEGA=w CHI=x GAMMA=y",
    "GREEK": "LUNATE_SIGMA_SYMBOL=c LETTER_YOT=j",
    "LATIN LETTER SMALL CAPITAL": "A=a B=b C=c D=d E=e F=f G=g H=h I=i J=j K=k L=l M=m N=n O=o"
    " P=p R=r S=s T=t U=u V=v W=w Y=y Z=z",
    "LATIN SMALL LETTER": "ALPHA=a SCRIPT_G=g DOTLESS_I=i IOTA=i DOTLESS_J=j V_WITH_HOOK=v",
    "ARMENIAN SMALL LETTER": "CO=g HO=h VO=n OH=o SEH=u",
    "CHEROKEE LETTER": "GO=A YV=B TLI=C GV=E MI=H GU=J TSO=K LU=M TLV=P DU=S I=T TA=W NO=Z",
}
_HOMOGLYPHS: dict[int, str] = {
    ord(unicodedata.lookup(f"{script} {name.replace('_', ' ')}")): letter
    for script, pairs in _LOOKALIKES.items()
    for name, letter in (pair.split("=") for pair in pairs.split())
}
# Squared, circled and negative letters (🄰 🅐 🅰) have no compatibility decomposition.
for _block in (0x1F130, 0x1F150, 0x1F170):
    _HOMOGLYPHS.update({_block + offset: chr(ord("A") + offset) for offset in range(26)})

# After case folding the look-alikes read as small letters.
_FOLDED_HOMOGLYPHS = {code: letter.lower() for code, letter in _HOMOGLYPHS.items()}

# Marks, format characters (zero-width, bidi controls, soft hyphen) and letters that render as
# blank space are dropped; combining strike-through and accents are marks too.
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")

_FOLDED: dict[str, str] = {chr(code): chr(code).lower() for code in range(128)}
_CASED: dict[str, str] = {chr(code): chr(code) for code in range(128)}
_ASCII_OR_OTHER = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _visible(text: str) -> str:
    return "".join(
        char
        for char in text
        if unicodedata.category(char) not in _DROPPED_CATEGORIES and char not in _BLANK_LETTERS
    )


def _read_char(char: str, fold_case: bool) -> str:
    if unicodedata.category(char) == "Cs":
        # A lone surrogate cannot be encoded for the regex engine: read it as U+FFFD.
        return "\ufffd"
    reading = _visible(unicodedata.normalize("NFKD", char)).translate(_HOMOGLYPHS)
    if fold_case:
        # Folding can bring marks back ("İ" folds to "i" and a combining dot) and reach letters
        # of the look-alike table (Cherokee folds to its capitals).
        reading = _visible(reading.casefold()).translate(_FOLDED_HOMOGLYPHS)
    # Recompose what the decomposition split without marks (Hangul syllables).
    return unicodedata.normalize("NFKC", reading)


def read_char(char: str, *, fold_case: bool = True, remember: bool = True) -> str:
    """What one character reads as: '' if invisible, several letters for a ligature.

    ``remember=False`` skips the cache, for a scan of the whole character set.
    """
    cache = _FOLDED if fold_case else _CASED
    reading = cache.get(char)
    if reading is None:
        reading = _read_char(char, fold_case)
        if remember:
            cache[char] = reading
    return reading


class Folded:
    """Text read character by character, and where each folded character came from.

    ``starts[i]``/``ends[i]`` bound the original characters that produced folded character
    ``i``; a combining mark is counted with the letter it sits on. ``None`` means the folded
    text is as long as the original and lines up with it (the common, all-ASCII case).
    """

    __slots__ = ("ends", "original", "starts", "text")

    def __init__(
        self, text: str, original: str, starts: list[int] | None, ends: list[int] | None
    ) -> None:
        self.text = text
        self.original = original
        self.starts = starts
        self.ends = ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) of the folded characters [start, end) (end > start)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def fold_text(text: str, *, fold_case: bool = True) -> Folded:
    """Read ``text`` character by character (see :func:`read_char`), keeping the offsets."""
    if text.isascii():
        return Folded(text.lower() if fold_case else text, text, None, None)
    lowered = text.lower() if fold_case else text
    if len(lowered) == len(text):
        folded = _fold_evenly(text, lowered, fold_case=fold_case)
        if folded is not None:
            return Folded(folded, text, None, None)
    cache = _FOLDED if fold_case else _CASED
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    group = 0  # where the folded characters of the latest visible original character begin
    for run in _ASCII_OR_OTHER.finditer(text):
        index = run.start()
        chunk = run.group()
        if len(chunk) > 1 or chunk < "\x80":
            pieces.append(chunk.lower() if fold_case else chunk)
            group = len(starts) + len(chunk) - 1
            starts.extend(range(index, index + len(chunk)))
            ends.extend(range(index + 1, index + len(chunk) + 1))
            continue
        reading = cache.get(chunk)
        if reading is None:
            reading = cache[chunk] = _read_char(chunk, fold_case)
        if reading:
            pieces.append(reading)
            group = len(starts)
            starts.extend([index] * len(reading))
            ends.extend([index + 1] * len(reading))
        elif ends and ends[-1] == index and unicodedata.category(chunk) in {"Mn", "Me"}:
            # A combining mark belongs to the letter before it: a span ends after its marks.
            for position in range(group, len(ends)):
                ends[position] = index + 1
    return Folded("".join(pieces), text, starts, ends)


def _fold_evenly(text: str, lowered: str, *, fold_case: bool) -> str | None:
    """The folded text if every character reads as exactly one (curly quotes, accents), so
    that it lines up with the original; None if some character is dropped or expands."""
    cache = _FOLDED if fold_case else _CASED
    parts: list[str] = []
    done = 0
    for run in _NOT_ASCII.finditer(text):
        start, end = run.span()
        parts.append(lowered[done:start])
        for char in run.group():
            reading = cache.get(char)
            if reading is None:
                reading = read_char(char, fold_case=fold_case)
            if len(reading) != 1:
                return None
            parts.append(reading)
        done = end
    parts.append(lowered[done:])
    return "".join(parts)


class Reading(NamedTuple):
    """One way of reading folded text, and where its characters are in the folded text.

    From reading index ``steps[k]`` on, characters line up with the folded text from index
    ``folds[k]``; both are None when the whole reading lines up with it. (Pieces rather than
    a position per character: a long comment costs no more than a short one. A named tuple:
    a few are made for every comment the prefilter lets through.)
    """

    text: str
    steps: tuple[int, ...] | None = None
    folds: tuple[int, ...] | None = None
    # Single words apart from their sentence, a blank line between two (no phrase crosses it).
    separate: bool = False

    def folded_span(self, start: int, end: int) -> tuple[int, int]:
        """The folded [start, end) of this reading's characters [start, end) (end > start)."""
        if self.steps is None or self.folds is None:
            return start, end
        first = bisect.bisect_right(self.steps, start) - 1
        last = bisect.bisect_right(self.steps, end - 1) - 1
        return (
            self.folds[first] + start - self.steps[first],
            self.folds[last] + end - self.steps[last],
        )


class _Pieces:
    """A reading under construction: text pieces and where each comes from."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.steps: list[int] = []
        self.folds: list[int] = []
        self.length = 0

    def add(self, piece: str, fold: int) -> None:
        """``piece`` lines up with the folded text from index ``fold``."""
        if piece:
            self.text.append(piece)
            self.steps.append(self.length)
            self.folds.append(fold)
            self.length += len(piece)

    def reading(self, *, separate: bool = False) -> Reading:
        return Reading("".join(self.text), tuple(self.steps), tuple(self.folds), separate)


# From the first leet character of a word to the end of the word (the start is found by
# walking back): starting on a rare character lets the regex engine skip most of the text.
_LEET_START = re.compile(r"[01345789$@!+](?:[^\W_]|[$@!+])*")
# A number and its unit or ending ("45s", "1990s", "7th", "9pm", "5k"): never leetspeak.
_NUMBER = re.compile(
    r"\d+(?:s|st|nd|rd|th|am|pm|k|m|b|x|d|h|mm|cm|km|kg|ft|lbs?|mph|yo|yrs?|ish|ers)?"
)
_ALPHA = re.compile(r"[^\W\d_]")
# "$4.55" is a price, "$1ut" is not.
_PRICE = re.compile(r"\$\d[\d.,]*(?![^\W_])")
# Up to this many "1"s in a word, each mix of "i" and "l" is a reading (2**6 at most).
_MIXED_ONES = 6
# At most about this many such readings in one text (then each word is read all "i" and all
# "l" only).
_MIXED_READINGS = 256
# Between words read apart from their sentence: a blank line, which no phrase crosses.
BREAK = " \n\n "
# Spaced runs this long may start with a real one-letter word: "you are a s h i t".
_SPLIT_FIRST = 4
_ONE_LETTER_WORDS = frozenset("ai")


def _read_word(body: str, table: dict[int, str] = _ALL_LEET) -> str:
    """Leetspeak inside a word: symbols only next to letters or digits, digits only near letters.

    "455" stays a number and "!!!" punctuation, but "@55" reads "ass" and "a55" too.
    """
    # A body is made of letters, digits and leet symbols only: it reads as a word unless it
    # is all digits, or all one symbol ("!!!", "$$$"; but "@$$" reads "ass").
    if _NUMBER.fullmatch(body) or (len(set(body)) == 1 and body[0] in LEET_SYMBOLS):
        return body
    return body.translate(table)


def _read_run(text: str, start: int, end: int, *, mix: bool = True) -> tuple[str, list[str]]:
    """A run of word characters and leet symbols in leetspeak, and other ways to read it:
    with a leading "@" or "!" as punctuation ("@idiot" is a mention as much as "aidiot"),
    and with "1" as "l" ("$1ut", "a55ho1e")."""
    run = text[start:end]
    # A trailing "!" (with any "1" of "!!1!") is punctuation: "shit!" is "shit".
    tail = len(run.rstrip("!1"))
    if "!" not in run[tail:]:
        tail = len(run)
    head = 1 if run[0] == "$" and _PRICE.match(text, start) else 0
    body = run[head:tail]
    if _CODE.fullmatch(body):
        read = run[:head] + body.translate(_CODE_LEET) + run[tail:]
        other = run[:head] + body.translate(_CODE_ONE_AS_L) + run[tail:]
        return read, [other] if other != read else []
    first = run[:head] + _read_word(body) + run[tail:]
    others = []
    lead = tail - len(body.lstrip("@!"))
    if head < lead < tail:
        others.append(run[:lead] + _read_word(run[lead:tail]) + run[tail:])
    if "1" in body:
        others.append(run[:head] + _read_word(body, _ONE_AS_L) + run[tail:])
        ones = [n for n, char in enumerate(body) if char == "1"]
        if mix and 1 < len(ones) <= _MIXED_ONES:
            # "1" for "i" here and for "l" there ("bu11sh17", "d11d0"): each mix.
            read = _read_word(body)
            for letters in itertools.product("il", repeat=len(ones)):
                mixed = list(read)
                for position, letter in zip(ones, letters, strict=True):
                    mixed[position] = letter
                others.append(run[:head] + "".join(mixed) + run[tail:])
    return first, list(dict.fromkeys(other for other in others if other != first))


def _leet(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The folded text in leetspeak, and the other readings of single words as (folded
    start, word) pairs."""
    pieces: list[str] = []
    others: list[tuple[int, str]] = []
    done = 0
    # Readings that mix "i" and "l" for "1", for the whole text: a text made of such words
    # must not cost 64 readings a word.
    mixes = _MIXED_READINGS
    for found in _LEET_START.finditer(text):
        start, end = found.span()
        while start > done and text[start - 1].isalnum():
            start -= 1
        run = text[start:end]
        core = run.rstrip("!")
        if _NUMBER.fullmatch(run) or core.isalpha() or len(set(run)) == 1:
            continue  # a number ("45s"), a word and its "!", or punctuation ("!!!")
        if core[0] in "@!" and core[1:].isalpha():
            # The common case, made quick: a mention ("@name") or a word after a "!".
            reading, alternatives = LEET[core[0]] + run[1:], [run]
        else:
            reading, alternatives = _read_run(text, start, end, mix=mixes > 0)
            mixes -= max(0, len(alternatives) - 2)
        for other in alternatives:
            others.append((start, other))
        if reading != run:
            pieces.extend((text[done:start], reading))
            done = end
    if not done:
        return text, others
    pieces.append(text[done:])
    return "".join(pieces), others


def _separate(words: list[tuple[int, str]]) -> Reading:
    """Single words as one reading, a line break between them (which no phrase crosses)."""
    pieces = _Pieces()
    for start, word in words:
        if pieces.length:
            pieces.add(BREAK, start)
        pieces.add(word, start)
    return pieces.reading(separate=True)


def _joined(
    text: str, leet: str, runs: Sequence[tuple[int, int]], *, split_first: bool
) -> Reading | None:
    """``leet`` with the letters of each spaced-out run joined, or None if nothing joins.

    With ``split_first``, a long run that starts with a one-letter word keeps that word apart
    ("a s h i t" reads "a shit"); None if no run starts that way.
    """
    pieces = _Pieces()
    done = 0
    split = joined = False
    for start, end in runs:
        singles = [i for i in range(start, end) if text[i].isalnum() or text[i] in LEET_SYMBOLS]
        if sum(text[i].isalpha() for i in singles) < 2:
            continue  # "1 2 3" is a list of numbers, "0.6 °c" a measure
        word = _read_word("".join(text[i] for i in singles))
        first = start
        if (
            split_first
            and len(singles) >= _SPLIT_FIRST
            and text[singles[0]].lower() in _ONE_LETTER_WORDS
        ):
            first, singles, word = singles[1], singles[1:], word[1:]
            split = True
        pieces.add(leet[done:first], done)
        for index, char in zip(singles, word, strict=True):
            pieces.add(char, index)
        done, joined = end, True
    if not joined or (split_first and not split):
        return None
    pieces.add(leet[done:], done)
    return pieces.reading()


def readings(folded: Folded, *, runs: Sequence[tuple[int, int]] = ()) -> list[Reading]:
    """Every reading a word list should check, the plain leetspeak reading first.

    Then, if any, the other readings of single words (a leading "@" or "!" as punctuation, a
    "1" as an "l") as one :attr:`Reading.separate` reading; and if ``runs`` (spans of the
    folded text, see ``prefilter.spaced_runs``) hold spaced-out letters, the text with them
    joined as one word, and with a leading one-letter word kept apart.
    """
    text = folded.text
    leet, others = _leet(text)
    found = [Reading(leet)]
    if others:
        found.append(_separate(others))
    if runs:
        for split_first in (False, True):
            joined = _joined(text, leet, runs, split_first=split_first)
            if joined is not None:
                found.append(joined)
    return found
