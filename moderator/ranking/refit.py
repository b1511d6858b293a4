"""The ranker's batch model: refit from every decision the desk holds, now and then, in the
background, where the online model (``model.Ranker``'s own weights) learns one decision at a
time in between.

Two views of each comment, each a logistic regression over TF-IDF:

* words: words and word pairs (as ``features`` hashes them), weighted by how rare they are
  among the comments decided (inverse document frequency) and by ``1 + log(count)``;
* letters: runs of 2 to 5 characters inside each word, padded with a space at each end
  (" idi", "iot "), weighted the same way: they read misspellings and run-together words
  that the words miss;

each with the rules' hits and the author's record (the sample's extras) beside the text, at
a quarter of a text's weight. Hides and keeps weigh alike in the fit (a desk hides few
comments), and the two views' margins are averaged, then mapped to a probability fitted on
held-out decisions (Platt scaling on three folds), so that "80% likely" is hidden about
80% of the time. Measured against a plain TF-IDF model in bench/bench_ranking.py.

Only the features seen in the decisions are kept (sorted keys, their weights and IDF): a
model fit on 20,000 decisions is a few MB.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moderator.ranking.features import _WORD, MAX_CHARS, Sample, _extra_hashes, _folded

# The feature space of each view: 2**21 slots (a few features share one: the hashing trick).
_BITS = 21
_SPACE = 1 << _BITS
# Runs of letters read inside words (the word padded with a space at each end).
LETTER_LENGTHS = (2, 3, 4, 5)
# The extras' weight beside a text scaled to length 1.
EXTRA_WEIGHT = 0.25
# The inverse of the regularisation: larger fits the decisions more closely.
STRENGTH = 1.0
# Folds of the held-out fit that maps margins to probabilities.
FOLDS = 3
# The least scale from margins to probabilities (see _platt): margins of -2 to 2 then move
# a probability near 8% by about a point either way, enough to order a queue by.
_LEAST_SCALE = 0.1
# L-BFGS: remembered steps, the most iterations, and when the gradient is small enough.
_MEMORY = 10
_ITERATIONS = 300
_TOLERANCE = 1e-4

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_Hashes = npt.NDArray[np.uint32]

# Polynomial hashing of byte runs, modulo 2**32: the base, its inverse, and what keeps a
# word, a word pair and each length of letter run apart.
_BASE = 0x01000193
_INVERSE = pow(_BASE, -1, 1 << 32)
_WORD_SALT, _PAIR_SALT = np.uint32(0x2545F491), np.uint32(0x6A09E667)
_SALTS = {length: np.uint32(0x85EBCA77 * (length + 3) & 0xFFFFFFFF) for length in LETTER_LENGTHS}
_SPREAD = np.uint32(0x9E3779B1)
_SPACE_BYTE, _GAP_BYTE = ord(" "), 0


class RefitError(ValueError):
    """A stored batch model that cannot be read as one; the message says why."""


@dataclass(frozen=True, slots=True)
class Rows:
    """Comments as sparse rows: for each, its features' keys and counts (``starts`` says
    where each comment's begin; one more than there are comments)."""

    keys: IntArray
    counts: FloatArray
    starts: IntArray

    @property
    def owners(self) -> IntArray:
        return np.repeat(np.arange(self.starts.size - 1), np.diff(self.starts))


def _counted(owners: IntArray, keys: IntArray, count: int) -> Rows:
    """Rows from each feature's owner and key (repeats counted)."""
    unique, counts = np.unique(owners * _SPACE + keys, return_counts=True)
    owned = unique // _SPACE
    starts = np.searchsorted(owned, np.arange(count + 1), side="left").astype(np.int64)
    return Rows(unique % _SPACE, counts.astype(np.float64), starts)


def _slot(hashes: _Hashes, salt: np.uint32) -> IntArray:
    """A hash's slot: salted, spread by a multiplication, its top bits kept."""
    return ((hashes ^ salt) * _SPREAD >> np.uint32(32 - _BITS)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Bytes:
    """A batch of texts as one run of bytes: each text's words with a space between and at
    each end, texts apart by a zero byte; with prefix hashes, so that the hash of any run
    of bytes is two lookups (``span``)."""

    data: npt.NDArray[np.uint8]
    ends: IntArray
    prefix: _Hashes
    powers: _Hashes

    @classmethod
    def of(cls, texts: Sequence[str]) -> _Bytes:
        encoded = [b"\x00 " + text.encode() + b" " if text else b"\x00" for text in texts]
        sizes = np.fromiter((len(part) for part in encoded), np.int64, len(encoded))
        raw = b"".join(encoded) + b"\x00"
        data = np.frombuffer(raw, np.uint8)
        with np.errstate(over="ignore"):
            # B**i and B**-i modulo 2**32 (uint32 arithmetic wraps), then the prefix hashes
            # H[i] = sum(b[j] * B**(i-1-j), j < i) = B**(i-1) * sum(b[j] * B**-j, j < i).
            powers = np.cumprod(np.full(data.size + 1, _BASE, np.uint32), dtype=np.uint32)
            powers = np.concatenate(([np.uint32(1)], powers[:-1]))
            inverse = np.cumprod(np.full(data.size, _INVERSE, np.uint32), dtype=np.uint32)
            inverse = np.concatenate(([np.uint32(1)], inverse[:-1]))
            sums = np.cumsum(data.astype(np.uint32) * inverse, dtype=np.uint32)
            prefix = np.zeros(data.size + 1, np.uint32)
            prefix[1:] = powers[: data.size] * sums
        return cls(data, np.cumsum(sizes), prefix, powers)

    def span(self, starts: IntArray, ends: IntArray) -> _Hashes:
        """The hash of each run of bytes [start, end)."""
        with np.errstate(over="ignore"):
            return np.asarray(
                self.prefix[ends] - self.prefix[starts] * self.powers[ends - starts], np.uint32
            )

    def owners(self, positions: IntArray) -> IntArray:
        return np.searchsorted(self.ends, positions, side="right").astype(np.int64)

    def words(self) -> tuple[IntArray, IntArray]:
        """Where each word starts and ends (every word of every text, in order)."""
        inside = (self.data != _SPACE_BYTE) & (self.data != _GAP_BYTE)
        edges = np.diff(np.concatenate(([False], inside, [False])).astype(np.int8))
        return np.flatnonzero(edges == 1).astype(np.int64), np.flatnonzero(edges == -1).astype(
            np.int64
        )


def word_rows(texts: Sequence[str]) -> Rows:
    """Each text's words and word pairs, hashed."""
    batch = _Bytes.of(texts)
    starts, ends = batch.words()
    owners = batch.owners(starts)
    paired = np.flatnonzero(owners[1:] == owners[:-1])
    keys = np.concatenate(
        [
            _slot(batch.span(starts, ends), _WORD_SALT),
            _slot(batch.span(starts[paired], ends[paired + 1]), _PAIR_SALT),
        ]
    )
    return _counted(np.concatenate([owners, owners[paired]]), keys, len(texts))


def word_names(text: str) -> dict[int, str]:
    """A text's words and word pairs by the slot :func:`word_rows` gives them: what an
    explanation may name."""
    words = text.split()
    batch = _Bytes.of([text])
    starts, ends = batch.words()
    names = dict(zip(_slot(batch.span(starts, ends), _WORD_SALT).tolist(), words, strict=True))
    pairs = _slot(batch.span(starts[:-1], ends[1:]), _PAIR_SALT).tolist()
    for slot, (first, second) in zip(pairs, itertools.pairwise(words), strict=True):
        names.setdefault(slot, f"{first} {second}")
    return names


def letter_rows(texts: Sequence[str]) -> Rows:
    """Runs of 2 to 5 bytes inside each word padded with a space at each end, hashed."""
    batch = _Bytes.of(texts)
    data = batch.data
    gaps = np.concatenate(([0], np.cumsum(data == _GAP_BYTE)))
    spaces = np.concatenate(([0], np.cumsum(data == _SPACE_BYTE)))
    # The text each byte belongs to: a run of bytes counted belongs to the text it starts in.
    owner_of_byte = gaps[1:] - 1
    owner_parts: list[IntArray] = []
    key_parts: list[IntArray] = []
    for length in LETTER_LENGTHS:
        count = data.size - length + 1
        if count <= 0:
            continue
        first = np.arange(count)
        # No text break inside, and a space only at either end.
        whole = (gaps[first + length] == gaps[first]) & (
            spaces[first + length - 1] == spaces[first + 1]
        )
        chosen = np.flatnonzero(whole)
        key_parts.append(_slot(batch.span(chosen, chosen + length), _SALTS[length]))
        owner_parts.append(owner_of_byte[chosen])
    if not key_parts:
        return _counted(np.empty(0, np.int64), np.empty(0, np.int64), len(texts))
    return _counted(np.concatenate(owner_parts), np.concatenate(key_parts), len(texts))


def extra_rows(samples: Sequence[Sample]) -> Rows:
    keyed = [np.asarray(_extra_hashes(sample.extras), np.int64) for sample in samples]
    owners = np.repeat(np.arange(len(samples), dtype=np.int64), [part.size for part in keyed])
    keys = np.concatenate(keyed) % _SPACE if keyed else np.empty(0, np.int64)
    return _counted(owners, keys.astype(np.int64), len(samples))


def _texts(samples: Sequence[Sample]) -> list[str]:
    """Each comment's words as the online model reads them (folded, the first MAX_CHARS
    characters), with a space between."""
    return [" ".join(_WORD.findall(_folded(sample.text[:MAX_CHARS]))) for sample in samples]


@dataclass(frozen=True)
class View:
    """One view's fitted model: the features it knows (sorted slots), their IDF and weight,
    the extras' weights, and its intercept."""

    keys: IntArray
    idf: FloatArray
    weights: FloatArray
    extra_keys: IntArray
    extra_weights: FloatArray
    intercept: float

    @functools.cached_property
    def _positions(self) -> npt.NDArray[np.int32]:
        """Each slot's place among the known features (-1: unknown), for lookups without a
        search (8 MB, made on first use)."""
        positions = np.full(_SPACE, -1, np.int32)
        positions[self.keys] = np.arange(self.keys.size, dtype=np.int32)
        return positions

    def _values(self, rows: Rows) -> tuple[FloatArray, IntArray]:
        """The rows' TF-IDF values (0 for unknown features, each row scaled to length 1)
        and each feature's place among the known ones (-1: unknown)."""
        where = self._positions[rows.keys].astype(np.int64)
        idf = np.where(where >= 0, self.idf[np.maximum(where, 0)], 0.0) if self.idf.size else 0.0
        return _tfidf(rows, idf), where

    def extra_weights_of(self, keys: IntArray) -> FloatArray:
        """The weight of each extra (0 for an extra not seen in the fit)."""
        if not self.extra_keys.size:
            return np.zeros(keys.size)
        where = np.minimum(np.searchsorted(self.extra_keys, keys), self.extra_keys.size - 1)
        return np.where(self.extra_keys[where] == keys, self.extra_weights[where], 0.0)

    def margins(self, rows: Rows, extras: Rows) -> FloatArray:
        """Each comment's margin (before the sigmoid) in this view."""
        count = rows.starts.size - 1
        extra = EXTRA_WEIGHT * self.extra_weights_of(extras.keys)
        margin = np.bincount(extras.owners, weights=extra, minlength=count) + self.intercept
        if self.weights.size:  # none: fit on comments with no features in this view
            values, where = self._values(rows)
            products = values * np.where(where >= 0, self.weights[np.maximum(where, 0)], 0.0)
            margin += np.bincount(rows.owners, weights=products, minlength=count)
        return np.asarray(margin, np.float64)

    def pushes(self, rows: Rows) -> dict[int, float]:
        """For one comment (``rows`` of one), how much each known feature adds to its
        margin, by slot."""
        values, where = self._values(rows)
        return {
            int(key): float(value * self.weights[position])
            for key, value, position in zip(rows.keys, values, where, strict=True)
            if position >= 0
        }


@dataclass(frozen=True, slots=True)
class BatchModel:
    """The fitted batch model: two views and the map from their mean margin to a
    probability (``scale``, ``shift``); ``decisions`` and ``hides`` it was fit on."""

    words: View
    letters: View
    scale: float
    shift: float
    decisions: int
    hides: int

    def margins(self, samples: Sequence[Sample]) -> FloatArray:
        texts = _texts(samples)
        extras = extra_rows(samples)
        word_margin = self.words.margins(word_rows(texts), extras)
        letter_margin = self.letters.margins(letter_rows(texts), extras)
        return np.asarray((word_margin + letter_margin) / 2.0, np.float64)

    def score_many(self, samples: Sequence[Sample]) -> FloatArray:
        return _sigmoid(self.scale * self.margins(samples) + self.shift)

    def pushes(self, sample: Sample) -> list[tuple[str, float]]:
        """What each of the comment's words, word pairs and extras adds to its score's
        margin (scaled as the probability reads it), by name: what an explanation may give.
        Runs of letters count in the score but are left out: they are no reason."""
        text = _texts([sample])[0]
        names = word_names(text)
        words = self.words.pushes(word_rows([text]))
        found = [
            (names[slot], push * self.scale / 2.0) for slot, push in words.items() if slot in names
        ]
        extras = list(dict.fromkeys(sample.extras))
        slots = np.asarray(_extra_hashes(extras), np.int64) % _SPACE
        weights = self.words.extra_weights_of(slots) + self.letters.extra_weights_of(slots)
        found += [
            (extra, float(weight) * EXTRA_WEIGHT / 2.0 * self.scale)
            for extra, weight in zip(extras, weights, strict=True)
        ]
        return found

    # --- storing ------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        arrays = io.BytesIO()
        numbers = np.asarray(
            [
                self.words.intercept,
                self.letters.intercept,
                self.scale,
                self.shift,
                self.decisions,
                self.hides,
            ],
            np.float64,
        )
        parts: dict[str, npt.NDArray[np.generic]] = {"numbers": numbers}
        for name, view in (("w", self.words), ("l", self.letters)):
            parts[f"{name}_keys"] = view.keys.astype(np.uint32)
            parts[f"{name}_idf"] = view.idf.astype(np.float32)
            parts[f"{name}_weights"] = view.weights.astype(np.float32)
            parts[f"{name}_extra_keys"] = view.extra_keys.astype(np.uint32)
            parts[f"{name}_extra_weights"] = view.extra_weights.astype(np.float32)
        np.savez_compressed(arrays, **parts)  # type: ignore[arg-type]
        return arrays.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> BatchModel:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                loaded = {name: arrays[name] for name in arrays.files}
        except Exception as error:
            # numpy's reader fails in many ways on damaged bytes: a bad zip, a bad stream, a
            # header that is not Python (zlib.error, SyntaxError, NotImplementedError …).
            raise RefitError(f"the batch model is damaged: {error}") from None
        try:
            numbers = loaded["numbers"]
            views = [
                View(
                    loaded[f"{name}_keys"].astype(np.int64),
                    loaded[f"{name}_idf"].astype(np.float64),
                    loaded[f"{name}_weights"].astype(np.float64),
                    loaded[f"{name}_extra_keys"].astype(np.int64),
                    loaded[f"{name}_extra_weights"].astype(np.float64),
                    float(numbers[position]),
                )
                for position, name in enumerate(("w", "l"))
            ]
        except (KeyError, IndexError) as error:
            raise RefitError(f"the batch model is damaged: {error} is missing") from None
        for view in views:
            sizes = {view.keys.size, view.idf.size, view.weights.size}
            if len(sizes) != 1 or view.extra_keys.size != view.extra_weights.size:
                raise RefitError("the batch model is damaged: its arrays differ in size")
            if np.any(np.diff(view.keys) <= 0) or np.any(np.diff(view.extra_keys) <= 0):
                raise RefitError("the batch model is damaged: its features are out of order")
            if view.keys.size and int(view.keys[-1]) >= _SPACE:
                raise RefitError("the batch model is damaged: a feature is out of range")
        if (
            numbers.size != 6
            or not np.isfinite(numbers).all()
            or not all(
                np.isfinite(part).all()
                for view in views
                for part in (view.idf, view.weights, view.extra_weights)
            )
        ):
            raise RefitError("the batch model is damaged: it holds impossible numbers")
        return cls(
            views[0],
            views[1],
            float(numbers[2]),
            float(numbers[3]),
            int(numbers[4]),
            int(numbers[5]),
        )


def _sigmoid(value: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(value, -35.0, 35.0))), np.float64)


# --- fitting ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Design:
    """Decided comments as a matrix over the features they hold (columns numbered)."""

    rows: IntArray
    columns: IntArray
    values: FloatArray
    shape: tuple[int, int]


def _tfidf(rows: Rows, idf: FloatArray | float) -> FloatArray:
    """The rows' values: ``1 + log(count)`` times each feature's IDF, each row scaled to
    length 1 (a long comment weighs what a short one does)."""
    values = (1.0 + np.log(rows.counts)) * idf
    owners = rows.owners
    norms = np.sqrt(np.bincount(owners, weights=values**2, minlength=rows.starts.size - 1))
    return np.asarray(values / np.where(norms > 0, norms, 1.0)[owners], np.float64)


def _design(rows: Rows, extras: Rows) -> tuple[_Design, IntArray, FloatArray, IntArray]:
    """The design matrix of the decided comments (text columns, then extras), the text
    features' keys and IDF, and the extras' keys."""
    count = rows.starts.size - 1
    keys, document_frequency = np.unique(rows.keys, return_counts=True)
    idf = np.log((1.0 + count) / (1.0 + document_frequency)) + 1.0
    extra_keys = np.unique(extras.keys)
    text_values = _tfidf(rows, idf[np.searchsorted(keys, rows.keys)])
    design = _Design(
        np.concatenate([rows.owners, extras.owners]),
        np.concatenate(
            [np.searchsorted(keys, rows.keys), keys.size + np.searchsorted(extra_keys, extras.keys)]
        ),
        np.concatenate([text_values, np.full(extras.keys.size, EXTRA_WEIGHT)]),
        (count, keys.size + extra_keys.size),
    )
    return design, keys, idf, extra_keys


def _fit(design: _Design, labels: FloatArray, weights: FloatArray) -> tuple[FloatArray, float]:
    """A logistic regression (L2 on the features, not the intercept) by L-BFGS: the
    coefficients and the intercept."""
    rows, columns, values = design.rows, design.columns, design.values
    count, width = design.shape
    signs = 2.0 * labels - 1.0

    def loss_and_gradient(point: FloatArray) -> tuple[float, FloatArray]:
        coefficients, intercept = point[:width], point[width]
        margin = np.asarray(
            np.bincount(rows, weights=values * coefficients[columns], minlength=count), np.float64
        )
        margin += intercept
        signed = signs * margin
        loss = float(weights @ np.logaddexp(0.0, -signed))
        residual = weights * (_sigmoid(margin) - labels)
        gradient = np.empty(width + 1)
        gradient[:width] = STRENGTH * np.bincount(
            columns, weights=values * residual[rows], minlength=width
        )
        gradient[:width] += coefficients
        gradient[width] = STRENGTH * residual.sum()
        return STRENGTH * loss + 0.5 * float(coefficients @ coefficients), gradient

    point = _lbfgs(loss_and_gradient, np.zeros(width + 1))
    return point[:width], float(point[width])


def _lbfgs(
    evaluate: Callable[[FloatArray], tuple[float, FloatArray]], start: FloatArray
) -> FloatArray:
    """Minimise a smooth convex function given as (value, gradient) of a point."""
    point = start
    value, gradient = evaluate(point)
    steps: list[tuple[FloatArray, FloatArray, float]] = []
    for _ in range(_ITERATIONS):
        if float(np.abs(gradient).max()) <= _TOLERANCE:
            break
        direction = -gradient
        alphas = []
        for s, y, rho in reversed(steps):
            alpha = rho * float(s @ direction)
            alphas.append(alpha)
            direction = direction - alpha * y
        if steps:
            s, y, _ = steps[-1]
            direction *= float(s @ y) / float(y @ y)
        for (s, y, rho), alpha in zip(steps, reversed(alphas), strict=True):
            beta = rho * float(y @ direction)
            direction = direction + (alpha - beta) * s
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction: start the memory over
            steps.clear()
            direction, slope = -gradient, -float(gradient @ gradient)
        size = 1.0 if steps else min(1.0, 1.0 / max(float(np.abs(gradient).sum()), 1e-12))
        while True:
            candidate = point + size * direction
            new_value, new_gradient = evaluate(candidate)
            if new_value <= value + 1e-4 * size * slope or size < 1e-10:
                break
            size /= 2.0
        s_step, y_step = candidate - point, new_gradient - gradient
        curvature = float(s_step @ y_step)
        if curvature > 1e-12:
            steps.append((s_step, y_step, 1.0 / curvature))
            if len(steps) > _MEMORY:
                steps.pop(0)
        converged = abs(value - new_value) <= 1e-10 * max(1.0, abs(value))
        point, value, gradient = candidate, new_value, new_gradient
        if converged:
            break
    return point


def _balanced(labels: FloatArray) -> FloatArray:
    """Weights that make hides and keeps weigh alike in the fit."""
    hides = float(labels.sum())
    kept = labels.size - hides
    return np.where(labels > 0, labels.size / (2.0 * hides), labels.size / (2.0 * kept))


def _fit_view(rows: Rows, extras: Rows, labels: FloatArray) -> View:
    design, keys, idf, extra_keys = _design(rows, extras)
    coefficients, intercept = _fit(design, labels, _balanced(labels))
    return View(
        keys,
        idf,
        coefficients[: keys.size],
        extra_keys,
        coefficients[keys.size :],
        intercept,
    )


def _subset(rows: Rows, chosen: IntArray) -> Rows:
    """The rows of the comments ``chosen`` (sorted), in that order."""
    lengths = np.diff(rows.starts)[chosen]
    starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    picks = np.flatnonzero(np.isin(rows.owners, chosen))
    return Rows(rows.keys[picks], rows.counts[picks], starts)


def _platt(margins: FloatArray, labels: FloatArray) -> tuple[float, float]:
    """The scale and shift that map margins to probabilities, fit on held-out margins
    (targets smoothed as Platt did, so that a few decisions do not give certainty).

    Where the held-out margins tell hides from keeps hardly or not at all (the fit would
    flatten them or turn them round), the scale is held at a least one: every comment is
    then about as likely as the desk's share of hides, give or take a little, and the queue
    still takes the model's order from those little differences."""
    hides = float(labels.sum())
    kept = labels.size - hides
    targets = np.where(labels > 0, (hides + 1.0) / (hides + 2.0), 1.0 / (kept + 2.0))
    scale, shift = 1.0, 0.0
    for _ in range(100):  # Newton's method on two numbers
        chance = _sigmoid(scale * margins + shift)
        residual = chance - targets
        curvature = np.maximum(chance * (1.0 - chance), 1e-12)
        hessian = np.asarray(
            [
                [float(curvature @ margins**2) + 1e-9, float(curvature @ margins)],
                [float(curvature @ margins), float(curvature.sum()) + 1e-9],
            ]
        )
        gradient = np.asarray([float(residual @ margins), float(residual.sum())])
        step = np.linalg.solve(hessian, gradient)
        scale, shift = scale - float(step[0]), shift - float(step[1])
        if float(np.abs(step).max()) < 1e-8 or not math.isfinite(scale + shift):
            break
    if math.isfinite(scale) and math.isfinite(shift) and scale >= _LEAST_SCALE:
        return scale, shift
    # The shift alone, the scale held at its least.
    share = float(targets.mean())
    shift = math.log(share / (1.0 - share)) - _LEAST_SCALE * float(margins.mean())
    for _ in range(50):
        chance = _sigmoid(_LEAST_SCALE * margins + shift)
        move = float((chance - targets).sum()) / max(float((chance * (1.0 - chance)).sum()), 1e-12)
        shift -= move
        if abs(move) < 1e-10:
            break
    return _LEAST_SCALE, shift


def fit(samples: Sequence[Sample], hidden: Sequence[bool]) -> BatchModel | None:
    """The batch model fit on these decisions; None without both a hide and a keep."""
    labels = np.asarray(hidden, np.float64)
    hides = int(labels.sum())
    if not 0 < hides < labels.size:
        return None
    texts = _texts(samples)
    words, letters, extras = word_rows(texts), letter_rows(texts), extra_rows(samples)
    held_out = np.zeros(labels.size)
    order = np.random.default_rng(len(samples)).permutation(labels.size)
    for fold in range(FOLDS):
        test = np.sort(order[fold::FOLDS])
        train = np.setdiff1d(np.arange(labels.size), test)
        if not 0 < labels[train].sum() < train.size:
            continue
        margin = np.zeros(test.size)
        for rows in (words, letters):
            view = _fit_view(_subset(rows, train), _subset(extras, train), labels[train])
            margin += view.margins(_subset(rows, test), _subset(extras, test)) / 2.0
        held_out[test] = margin
    scale, shift = _platt(held_out, labels)
    return BatchModel(
        _fit_view(words, extras, labels),
        _fit_view(letters, extras, labels),
        scale,
        shift,
        labels.size,
        hides,
    )
