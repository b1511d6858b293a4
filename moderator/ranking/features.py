"""What the ranker reads in a comment: hashed words, word pairs and character runs of its
text (folded as the rules fold it), and named extras (rule hits, the author's record).

Every feature is a number below :data:`DIMENSIONS`, the same on every machine and in every
process (CRC-32 and a fixed polynomial, never Python's salted ``hash``), so a model stored in
the database means the same wherever it is loaded. Character runs are hashed with numpy over
the text's bytes, a whole batch at a time: that is what lets a queue of thousands be scored
while the moderator waits for nothing.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moderator.rules.normalize import fold_text

# 2**20 slots: collisions between the few hundred thousand features a desk's decisions
# touch stay rare, and the model (two float32 arrays) is 8 MB in memory, less stored.
DIMENSIONS = 1 << 20
_MASK = DIMENSIONS - 1
# Character runs of this length, inside and across words ("you p", "idi0"): longer and
# shorter runs as well add little (bench/bench_ranking.py) and cost as much again each.
CHAR_LENGTHS = (4,)
# At most this many characters of a comment are read: a pasted essay must not cost more
# than a long comment, and its opening says what it is.
MAX_CHARS = 2_000
_WORD = re.compile(r"\w+")
# Odd multipliers, one per run length, so that a 3-run and a 4-run never share a hash.
_BASE = np.uint32(0x01000193)
_SALT = {length: np.uint32(0x9E3779B1 * (length + 1) & 0xFFFFFFFF) for length in CHAR_LENGTHS}

Indices = npt.NDArray[np.int64]
Values = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Sample:
    """A comment as the ranker sees it: its text and named extras, such as ``rule:insults``,
    ``severity:high`` or ``author:hidden-before`` (each counted once)."""

    text: str
    extras: tuple[str, ...] = ()


def _folded(text: str) -> str:
    return fold_text(text[:MAX_CHARS]).text


def _word_hashes(folded: str) -> list[int]:
    words = _WORD.findall(folded)
    hashes = [zlib.crc32(b"w" + word.encode()) for word in words]
    hashes += [zlib.crc32(f"b{a} {b}".encode()) for a, b in itertools.pairwise(words)]
    return hashes


def _extra_hashes(extras: Sequence[str]) -> list[int]:
    return [zlib.crc32(b"x" + extra.encode()) for extra in dict.fromkeys(extras)]


def _char_hashes(data: npt.NDArray[np.uint32], length: int) -> npt.NDArray[np.uint32]:
    """A hash of every run of ``length`` bytes in ``data`` (empty if shorter)."""
    count = data.size - length + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint32)
    value = np.zeros(count, dtype=np.uint32)
    for offset in range(length):
        value = value * _BASE + data[offset : offset + count]
    return value ^ _SALT[length]


def features(sample: Sample) -> tuple[Indices, Values]:
    """The sample's features: distinct indices, and a weight for each (a feature seen
    several times counts more, but less than that many times), scaled so that a long comment
    does not outweigh a short one."""
    indices, values, _ = batch_features([sample])
    return indices, values


def batch_features(samples: Sequence[Sample]) -> tuple[Indices, Values, Indices]:
    """Every sample's features, end to end, and where each sample's start (one more offset
    than samples, the last being the total).

    The character runs of the whole batch are hashed in one pass over its bytes (runs that
    would cross from one comment into the next are dropped), and the features of every
    comment counted in one sort.
    """
    if not samples:
        return np.empty(0, np.int64), np.empty(0, np.float32), np.zeros(1, np.int64)
    folded = [_folded(sample.text) for sample in samples]
    encoded = [f" {text} ".encode() for text in folded]
    sizes = np.fromiter((len(part) for part in encoded), dtype=np.int64, count=len(encoded))
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint32)
    owner_of_byte = np.repeat(np.arange(len(samples), dtype=np.int64), sizes)
    keys: list[npt.NDArray[np.int64]] = []
    for length in CHAR_LENGTHS:
        hashes = _char_hashes(data, length)
        if not hashes.size:
            continue
        first = owner_of_byte[: hashes.size]
        inside = first == owner_of_byte[length - 1 : length - 1 + hashes.size]
        keys.append(first[inside] * DIMENSIONS + (hashes[inside] & _MASK).astype(np.int64))
    for number, (sample, text) in enumerate(zip(samples, folded, strict=True)):
        hashed = _word_hashes(text) + _extra_hashes(sample.extras)
        if hashed:
            own = np.asarray(hashed, dtype=np.int64) & _MASK
            keys.append(own + number * DIMENSIONS)
    if not keys:  # nothing to read in any of them (empty comments)
        return np.empty(0, np.int64), np.empty(0, np.float32), np.zeros(len(samples) + 1, np.int64)
    unique, counts = np.unique(np.concatenate(keys), return_counts=True)
    owners = unique // DIMENSIONS
    values = 1.0 + np.log(counts)
    # Each comment's features scaled to length 1: a long comment weighs what a short one does.
    norms = np.sqrt(np.bincount(owners, weights=values**2, minlength=len(samples)))
    values = values / np.where(norms > 0, norms, 1.0)[owners]
    offsets = np.searchsorted(owners, np.arange(len(samples) + 1), side="left")
    return (unique % DIMENSIONS).astype(np.int64), values.astype(np.float32), offsets


def named_features(sample: Sample) -> dict[int, str]:
    """The sample's words, word pairs and extras by index, each with what it reads as
    ("idiot", "you people", "rule:insults"): what an explanation may name. Character runs
    are left out: they count in the score, but "…stin…" is no reason to give anyone."""
    words = _WORD.findall(_folded(sample.text))
    names: dict[int, str] = {}
    for word in words:
        names.setdefault(zlib.crc32(b"w" + word.encode()) & _MASK, word)
    for a, b in itertools.pairwise(words):
        names.setdefault(zlib.crc32(f"b{a} {b}".encode()) & _MASK, f"{a} {b}")
    for extra in sample.extras:
        names.setdefault(zlib.crc32(b"x" + extra.encode()) & _MASK, extra)
    return names
