"""Finds the whole-word terms of a very long list by looking words up, as the RE2 scan would.

Compiling a hundred thousand terms into RE2 automata takes minutes and gigabytes, while the
words of a comment can simply be looked up. A text word matches a term word when both have
the same letters once every run of a repeated letter is squeezed to one ("shiiit" and "shit"
both squeeze to "shit"), and each run's length fits the term's (see ``wordmatch``: a single
letter matches a run of one or of three or more, a double letter a run of two or more, a
longer run only itself). So words are looked up by their squeezed form and the few terms found
are then checked run by run.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar

# Both the words a term is written as and the terms they belong to are kept: the matcher
# needs only the words, the naming of a hit (``wordmatch._Index``) the terms.
T = TypeVar("T")
Entry = tuple[tuple[str, ...], T]

# In the text the matcher scans, words are runs of anything but spaces and line breaks.
_TOKEN = re.compile(r"[^ \n]+")
_REPEATED = re.compile(r"(.)\1+", re.DOTALL)
_RUN = re.compile(r"(.)\1*", re.DOTALL)
# A run as its character: quicker than the template r"\1", which is parsed at every call.
_ONCE = operator.itemgetter(1)


def squeezed(word: str) -> str:
    """``word`` with each run of a repeated character written once."""
    # Most words have no repeated letter: searching is cheaper than substituting.
    return word if _REPEATED.search(word) is None else _REPEATED.sub(_ONCE, word)


def _run_lengths(word: str) -> list[int]:
    return [found.end() - found.start() for found in _RUN.finditer(word)]


def fits(written: str, word: str) -> bool:
    """Whether the text word ``written`` matches the term word ``word``, given that both
    squeeze to the same letters."""
    if written == word:
        return True
    if len(written) < len(word):
        # Every run of the text is at least as long as the term's, or it does not match.
        return False
    for seen, wanted in zip(_run_lengths(written), _run_lengths(word), strict=True):
        if wanted == 1:
            if seen == 2:
                return False
        elif wanted == 2:
            if seen < 2:
                return False
        elif seen != wanted:
            return False
    return True


class WordLookup(Generic[T]):
    """Whole-word forms (words and what they belong to), found in text by dictionary lookup.

    ``search`` answers as :class:`prefilter.Scanner` does for the alternation of the forms'
    patterns with their boundaries: the leftmost match at or after a position, the longest
    of those, its span taking the space or line break on each side where there is one.
    """

    def __init__(self, entries: Iterable[Entry[T]]) -> None:
        # A one-word form under its squeezed word, a phrase under the tuple of them; several
        # entries under one key (a plural and a term that read the same) in the list's order.
        self._entries: dict[str | tuple[str, ...], Entry[T] | list[Entry[T]]] = {}
        # How many words the longest phrase starting with this squeezed word has (a word
        # that starts none is only in ``_entries``).
        self._longest: dict[str, int] = {}
        # Names bound locally: this loop runs for each of a long list's million forms.
        held_by = self._entries
        keep = held_by.setdefault
        longest = self._longest
        repeated = _REPEATED.search
        for entry in entries:
            words = entry[0]
            key: str | tuple[str, ...]
            if len(words) == 1:
                key = words[0]
                if repeated(key) is not None:
                    key = squeezed(key)
            else:
                key = tuple(map(squeezed, words))
                if longest.get(key[0], 0) < len(words):
                    longest[key[0]] = len(words)
            held = keep(key, entry)
            if held is not entry:
                if isinstance(held, list):
                    held.append(entry)
                else:
                    held_by[key] = [held, entry]

    def __bool__(self) -> bool:
        return bool(self._entries)

    def belonging(self, words: Sequence[str]) -> Iterator[Entry[T]]:
        """The entries whose words match ``words`` (text words), in the list's order."""
        keys = tuple(map(squeezed, words))
        held = self._entries.get(keys[0] if len(keys) == 1 else keys) if keys else None
        if held is None:
            return
        for entry in held if isinstance(held, list) else (held,):
            if all(map(fits, words, entry[0])):
                yield entry

    def exactly(self, words: tuple[str, ...]) -> Iterator[Entry[T]]:
        """The entries written exactly as ``words``, in the list's order."""
        keys = tuple(map(squeezed, words))
        held = self._entries.get(keys[0] if len(keys) == 1 else keys) if keys else None
        if held is None:
            return
        for entry in held if isinstance(held, list) else (held,):
            if entry[0] == words:
                yield entry

    def search(self, text: str, position: int = 0) -> tuple[int, int] | None:
        """The span of the first match at or after ``position`` (0, or the end of an earlier
        match), or None. ``text`` holds only words, spaces and line breaks."""
        longest = self._longest
        entries = self._entries
        token = _TOKEN.search
        for found in _TOKEN.finditer(text, position):
            word = found.group()
            key = squeezed(word)
            most = longest.get(key)
            if most is None:
                if key not in entries:
                    continue
                most = 1
            words = [word]
            keys = [key]
            ends = [found.end()]
            while len(words) < most:
                after = token(text, ends[-1])
                # A phrase goes over spaces and one line break, never a blank line.
                if after is None or text.count("\n", ends[-1], after.start()) > 1:
                    break
                words.append(after.group())
                keys.append(squeezed(words[-1]))
                ends.append(after.end())
            for count in range(len(words), 0, -1):
                if self._matches(words[:count], keys[:count]):
                    start, end = found.start(), ends[count - 1]
                    return start - (start > 0), end + (end < len(text))
        return None

    def _matches(self, words: list[str], keys: list[str]) -> bool:
        held = self._entries.get(keys[0] if len(keys) == 1 else tuple(keys))
        if held is None:
            return False
        for entry in held if isinstance(held, list) else (held,):
            if all(map(fits, words, entry[0])):
                return True
        return False
