"""Finds identical and near-identical texts among many, at a constant cost per text.

Texts are normalised: case-folded, punctuation and runs of whitespace read as one space,
apostrophes dropped (a typographic one then agrees with "don't"). Identical normalised texts
share a digest. Near-identical ones are found with MinHash over the text's words and LSH bands:

* Features are the distinct words of four characters or more. Character shingles at every
  offset would cost one Python object per character (about 400 for a news comment: 60-120 µs
  a comment on the reference machine, against about 20 µs for words). On 4,191 distinct real
  news comments, words with the default similarity (0.6) still caught 98% of copies with two
  words changed, inserted or misspelt (93% with four) and grouped no two texts that were not
  copies. Short words (the, and, of) are left out: they are in every text and would only
  make unrelated comments look alike.
* Each word is hashed with CRC-32: deterministic across processes (Python's ``hash`` is
  salted per process, so near-duplicates found would vary from run to run) and done in C.
* One-permutation MinHash: the hashes fall into :data:`BINS` bins by their top bits and each
  bin keeps its smallest; an empty bin (short texts) borrows from the next full one.
* The bins make :data:`BANDS` bands of two. Texts sharing a band are candidates; a candidate
  is accepted when the Jaccard similarity of the two word sets reaches ``similarity``. A band
  remembers the first text that had it, so each text meets at most BANDS candidates: no
  pairwise comparison, whatever the number of texts seen.
"""

from __future__ import annotations

import operator
import re
import zlib
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from itertools import compress, pairwise, repeat
from typing import cast

BINS = 8
BANDS = 4
_SHIFT = 32 - (BINS.bit_length() - 1)  # CRC-32 values: the top bits choose the bin
# Mixes how far an empty bin had to borrow into the borrowed value, so that two texts with
# different holes do not agree on a band by accident (rotation densification).
_BORROW = 0x9E3779B1
_SHORT = 3  # words this long or shorter are not features
# The smallest hash of each bin, and one past the last bin.
_BIN_STARTS = tuple(index << _SHIFT for index in range(BINS + 1))

# ASCII punctuation and whitespace read as a space; the apostrophe disappears.
_TABLE = bytes(
    32 if (chr(b).isspace() or not chr(b).isalnum()) and b < 128 and b != 39 else b
    for b in range(256)
)
# The same for ASCII text, with upper case lowered too: casefold() on ASCII only lowers A-Z,
# so one translate of the encoded text normalises it (a third of the cost of the general path).
_ASCII_TABLE = bytes(b + 32 if 65 <= b <= 90 else _TABLE[b] for b in range(256))
# Outside ASCII: apostrophe look-alikes disappear, other punctuation and symbols are spaces.
_UNICODE_APOSTROPHES = re.compile("[\u2018\u2019\u02bc\u2032\uff07]")
_UNICODE_NON_WORD = re.compile(r"[^\w\s]|_")


def normalised_words(text: str) -> list[bytes]:
    """The text as compared: its case-folded words of letters and digits, as UTF-8."""
    if text.isascii():
        return text.encode().translate(_ASCII_TABLE, b"'").split()
    folded = text.casefold()
    if not folded.isascii():
        folded = _UNICODE_NON_WORD.sub(" ", _UNICODE_APOSTROPHES.sub("", folded))
    return folded.encode().translate(_TABLE, b"'").split()


def normalised_length(words: Sequence[bytes]) -> int:
    """The length in bytes of the normalised text: the words with one space between."""
    return sum(map(len, words)) + len(words) - 1 if words else 0


def _features(words: Sequence[bytes]) -> list[int]:
    """CRC-32 of each distinct long word, smallest first (all C-level passes, no Python loop)."""
    long = compress(words, map(operator.gt, map(len, words), repeat(_SHORT)))
    return sorted(set(map(zlib.crc32, long)))


def _bands(features: list[int]) -> tuple[int, ...]:
    """The LSH band keys of a text's features (smallest first): BANDS keys of two bins each."""
    if not features:
        return ()
    # Sorted, so the first feature at or after a bin's start is its smallest, if in the bin:
    # that is, if it comes before the first one of the next bin.
    firsts = list(map(bisect_left, repeat(features, BINS + 1), _BIN_STARTS))
    found = [features[first] if first < after else None for first, after in pairwise(firsts)]
    # Every bin is full unless the text has few long words.
    s = _densified(found) if None in found else cast("list[int]", found)
    # Two 32-bit values and the band number in one int: exact, and cheap to hash.
    return (
        (s[0] << 34) | (s[1] << 2),
        (s[2] << 34) | (s[3] << 2) | 1,
        (s[4] << 34) | (s[5] << 2) | 2,
        (s[6] << 34) | (s[7] << 2) | 3,
    )


def _densified(signature: list[int | None]) -> list[int]:
    """Each empty bin takes the value of the next full one (wrapping), marked with the distance.

    At least one bin must be full.
    """
    filled: list[int] = []
    for index in range(BINS):
        distance = 0
        value = signature[index]
        while value is None:
            distance += 1
            value = signature[(index + distance) % BINS]
        filled.append((value ^ (distance * _BORROW)) & 0xFFFFFFFF if distance else value)
    return filled


class NearDuplicates:
    """Groups texts that are identical, or near-identical, to one seen before.

    :meth:`place` returns the group a text joins (a new number for a text like no other) and
    whether it matched one exactly. Each distinct text costs a hash, its word hashes (4 bytes
    a word) and BANDS dictionary entries; with a ``capacity``, only that many distinct texts
    are remembered, the one seen again longest ago forgotten first, so memory stops growing.
    """

    def __init__(self, *, similarity: float, capacity: int | None = None) -> None:
        self.similarity = similarity
        self.capacity = capacity
        # Python's hash only indexes here: two texts are "identical" when their normalised
        # bytes hash alike, which for different texts happens once in 2**64.
        self._by_text: dict[int, int] = {}  # text hash -> its member
        self._by_band: dict[int, int] = {}  # band key -> the first member that had it
        # member number -> (group, word hashes, text hash, bands), the least recently seen
        # first (a text seen again, or a near copy joining it, moves to the end)
        self._members: OrderedDict[int, tuple[int, array[int], int, tuple[int, ...]]] = (
            OrderedDict()
        )
        self._next_member = 0
        self._groups = 0

    def clear(self) -> None:
        self._by_text.clear()
        self._by_band.clear()
        self._members.clear()
        self._next_member = 0
        self._groups = 0

    def place(self, words: Sequence[bytes], text: bytes | None = None) -> tuple[int, bool]:
        """(group, exact): the group of an identical or near-identical text, or a new one.

        ``text`` is ``b" ".join(words)`` when the caller already has it.
        """
        key = hash(b" ".join(words) if text is None else text)
        group = self.again(key)
        if group is not None:
            return group, True
        features = _features(words)
        bands = _bands(features)
        near = self._near(features, bands)
        if near is None:
            group = self._groups
            self._groups += 1
        else:
            group = self._members[near][0]
            self._members.move_to_end(near)
        member = self._next_member
        self._next_member += 1
        self._members[member] = (group, array("I", features), key, bands)
        self._by_text[key] = member
        for band in bands:
            self._by_band.setdefault(band, member)
        if self.capacity is not None and len(self._members) > self.capacity:
            self._forget_oldest()
        return group, False

    def again(self, key: int) -> int | None:
        """The group of a text placed before, by the hash of its normalised bytes (None if
        it is forgotten); it counts as seen again."""
        member = self._by_text.get(key)
        if member is None:
            return None
        self._members.move_to_end(member)
        return self._members[member][0]

    def _forget_oldest(self) -> None:
        member, (_, _, key, bands) = self._members.popitem(last=False)
        del self._by_text[key]
        for band in bands:
            if self._by_band.get(band) == member:
                del self._by_band[band]

    def _near(self, features: list[int], bands: tuple[int, ...]) -> int | None:
        """The member a text is near enough to, if any."""
        mine: set[int] | None = None
        tried: set[int] = set()
        for band in bands:
            member = self._by_band.get(band)
            if member is None or member in tried:
                continue
            tried.add(member)
            mine = set(features) if mine is None else mine
            _, theirs, _, _ = self._members[member]
            shared = len(mine.intersection(theirs))
            if shared and shared >= self.similarity * (len(mine) + len(theirs) - shared):
                return member
        return None
