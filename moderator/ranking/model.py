"""The ranker: an online logistic regression over hashed features, learnt one decision at a
time (FTRL-Proximal: each feature's own learning rate, and weights that stay exactly zero
until a feature has earned one, which keeps a stored model small), and a batch model refit
from every decision now and then (``refit``), which scores once there is one.

It answers "how likely is this comment to be hidden here?" from what this desk hid and
approved, says which words pushed a comment up, and whether it has learnt enough for its
answers to mean anything yet (:class:`Readiness`): a score is shown only once the batch
model has been fit, its probabilities mapped on held-out decisions.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from moderator.ranking.features import (
    DIMENSIONS,
    Sample,
    Values,
    batch_features,
    features,
    named_features,
)
from moderator.ranking.refit import BatchModel, RefitError
from moderator.ranking.stopwords import is_stop_phrase

FORMAT = "moderator-ranker/2"
# Stored before the batch model: read, and refit at the next round.
_FORMATS = ("moderator-ranker/1", FORMAT)
# Learning: alpha the step, beta its smoothing, l1 how much a feature must earn before it
# weighs anything, l2 a pull towards zero. Chosen with bench/bench_ranking.py.
ALPHA, BETA, L1, L2 = 2.0, 1.0, 0.01, 0.1
# Where the bias lives: one slot past the hashed features, always on.
_BIAS = DIMENSIONS
# Before this many decisions, of which at least READY_EACH hides and READY_EACH kept, the
# scores are noise and none is shown or used. Measured by bench/bench_ranking.py's cold
# start (20 shuffles of three corpora, the batch model fit where each rule first holds):
# ready at 60 and 10 each, the order beat the order by time in 57 of 60 shuffles (news
# comments 17 of 20) and the rules' in 54; at 30 and 5 the rules' in fewer. Hides are what
# take long: a desk that hides one comment in 16 is ready after 150-200 decisions, one that
# hides one in 6 after 60.
READY_DECISIONS = 60
READY_EACH = 10
# The batch model is refit once this many decisions came since the last fit, or this share
# of those it was fit on, whichever is more: every 10 decisions early, every 100 at 2,000.
REFIT_EVERY = 10
REFIT_SHARE = 0.05
# At most this many decisions (the latest) are refit from: a fit on 12,000 takes ~14 s.
REFIT_AT_MOST = 20_000


class RankerError(ValueError):
    """A stored model that cannot be read as one; the message says why."""


@dataclass(frozen=True, slots=True)
class Readiness:
    """How much the ranker has learnt, and whether that is enough for its scores to be shown
    and to order the queue: decisions learnt, how many of them hides (None: a model stored
    before hides were counted, judged by its decisions alone), and whether its batch model
    is fit (``calibrated``: its scores are probabilities fitted on held-out decisions)."""

    learnt: int
    hides: int | None
    calibrated: bool = False

    @property
    def kept(self) -> int | None:
        """The decisions that kept a comment (approved, or a hide overturned)."""
        return None if self.hides is None else self.learnt - self.hides

    @property
    def enough(self) -> bool:
        """Whether enough decisions, hides and keeps are learnt to fit the batch model."""
        if self.learnt < READY_DECISIONS:
            return False
        return self.hides is None or min(self.hides, self.learnt - self.hides) >= READY_EACH

    @property
    def ready(self) -> bool:
        return self.enough and self.calibrated

    @property
    def text(self) -> str:
        """ "learning (7 decisions)", "calibrating (64 decisions)" (enough learnt, the
        batch model not fit yet) or "ready (134 decisions)"."""
        count = f"{self.learnt:,} decision{'' if self.learnt == 1 else 's'}"
        state = "ready" if self.ready else "calibrating" if self.enough else "learning"
        return f"{state} ({count})"


# A ranker that has learnt nothing (or none at all).
NOTHING_LEARNT = Readiness(0, 0)


@dataclass(frozen=True, slots=True)
class Reason:
    """One thing that pushed a comment's score up: what it reads as (a word, two words, or a
    named extra such as ``rule:insults``), and by how much."""

    feature: str
    weight: float

    @property
    def text(self) -> str:
        """As a moderator reads it: words in quotes ("idiot", "you people"), extras said
        ("flagged by insults")."""
        return describe(self.feature)


def describe(feature: str) -> str:
    """A feature's name as a reason: a word or word pair quoted, a named extra in words."""
    kind, _, value = feature.partition(":")
    if not value:  # words never hold a colon (``features._WORD``); extras always do
        return f'"{feature}"'
    if kind == "rule":
        return f"flagged by {value}"
    if kind == "severity":
        return f"a {value}-severity flag"
    if feature == "author:hidden-before":
        return "its author has had comments hidden"
    if feature == "author:published-before":
        return "its author has had comments published"
    return feature


def _sigmoid(value: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(value, -35.0, 35.0))), dtype=np.float64)


class Ranker:
    """Scores comments and learns from decisions (1: hidden, 0: approved).

    ``decisions`` counts the labels learnt (less those forgotten), ``hides`` those of them
    that hid (None: stored before they were counted). Until it is :attr:`readiness` ready its
    scores mean little, and the queue falls back to the rules' severity.
    """

    def __init__(self) -> None:
        self._z = np.zeros(DIMENSIONS + 1, dtype=np.float32)
        self._n = np.zeros(DIMENSIONS + 1, dtype=np.float32)
        self.decisions = 0
        self.hides: int | None = 0
        # The batch model, and the count of decisions learnt when it was put in.
        self.batch: BatchModel | None = None
        self.fitted_at = 0

    @property
    def readiness(self) -> Readiness:
        return Readiness(self.decisions, self.hides, calibrated=self.batch is not None)

    # --- the batch model --------------------------------------------------------------

    @property
    def refit_due(self) -> bool:
        """Whether the batch model should be fit (again): enough learnt, and none fit yet
        or enough decisions since the last fit."""
        if not self.readiness.enough:
            return False
        since = abs(self.decisions - self.fitted_at)
        if self.batch is None:
            # Never tried, or tried on too few decisions of its own: again every few more.
            return self.fitted_at == 0 or since >= REFIT_EVERY
        return since >= max(REFIT_EVERY, REFIT_SHARE * self.fitted_at)

    def install(self, batch: BatchModel | None, *, at: int | None = None) -> None:
        """Score with this batch model from now on (None: none, until a fit on enough);
        ``at``: the decisions the ranker held when its training set was read (default: as
        many as now), which the next refit counts from."""
        self.batch = batch
        self.fitted_at = self.decisions if at is None else at

    # --- scoring ----------------------------------------------------------------------

    def _weights(self, indices: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        z = self._z[indices].astype(np.float64)
        n = self._n[indices].astype(np.float64)
        weights = -(z - np.sign(z) * L1) / ((BETA + np.sqrt(n)) / ALPHA + L2)
        weights[np.abs(z) <= L1] = 0.0
        return np.asarray(weights, dtype=np.float64)

    def _margin(self, indices: npt.NDArray[np.int64], values: Values) -> float:
        bias = float(self._weights(np.asarray([_BIAS]))[0])
        return float(self._weights(indices) @ values.astype(np.float64)) + bias

    def score(self, sample: Sample) -> float:
        """How likely the comment is to be hidden, from 0 to 1."""
        if self.batch is not None:
            return float(self.batch.score_many([sample])[0])
        indices, values = features(sample)
        return float(_sigmoid(np.asarray([self._margin(indices, values)]))[0])

    def score_many(self, samples: Sequence[Sample]) -> npt.NDArray[np.float64]:
        """:meth:`score` for many comments at once (much faster than one by one)."""
        if self.batch is not None:
            return self.batch.score_many(samples)
        indices, values, offsets = batch_features(samples)
        lengths = np.diff(offsets)
        owners = np.repeat(np.arange(len(samples)), lengths)
        products = self._weights(indices) * values.astype(np.float64)
        margins = np.bincount(owners, weights=products, minlength=len(samples)).astype(np.float64)
        return _sigmoid(margins + float(self._weights(np.asarray([_BIAS]))[0]))

    def explain(self, sample: Sample, top: int = 3) -> list[Reason]:
        """The words, word pairs and named extras that pushed the comment's score up the
        most, strongest first. Runs of letters count in the score but are never a reason:
        "…stin…" says nothing to a moderator; nor is a stop word alone ("by", "the"), which
        says nothing of the comment."""
        if self.batch is not None:
            found = self.batch.pushes(sample)
        else:
            indices, values = features(sample)
            pushes = self._weights(indices) * values.astype(np.float64)
            names = named_features(sample)
            found = [
                (names[int(indices[position])], float(pushes[position]))
                for position in range(indices.size)
                if int(indices[position]) in names
            ]
        ranked = sorted(
            ((push, name) for name, push in found if push > 0 and not is_stop_phrase(name)),
            # Strongest first; of features pushing alike, the longer says more ("idiot and"
            # before "a").
            key=lambda pair: (-round(pair[0], 6), -len(pair[1])),
        )
        return [Reason(name, round(push, 3)) for push, name in ranked[:top]]

    # --- learning ---------------------------------------------------------------------

    def learn(self, sample: Sample, hidden: bool) -> None:
        """Learn one decision on the comment: hidden (1) or approved (0)."""
        indices, values = features(sample)
        self._step(indices, values, 1.0 if hidden else 0.0)
        self.decisions += 1
        if hidden and self.hides is not None:
            self.hides += 1

    def forget(self, sample: Sample, hidden: bool) -> None:
        """Take back a decision learnt (it was undone): the opposite of its step, taken
        where the model stands now. An online model cannot unlearn exactly; this leaves it
        as near as one step can."""
        indices, values = features(sample)
        every = np.append(indices, _BIAS)
        x = np.append(values, np.float32(1.0)).astype(np.float64)
        chance = float(_sigmoid(np.asarray([self._margin(indices, values)]))[0])
        gradient = (chance - (1.0 if hidden else 0.0)) * x
        self._z[every] -= gradient.astype(np.float32)
        self.decisions = max(0, self.decisions - 1)
        if hidden and self.hides is not None:
            self.hides = max(0, self.hides - 1)

    def _step(self, indices: npt.NDArray[np.int64], values: Values, label: float) -> None:
        every = np.append(indices, _BIAS)
        x = np.append(values, np.float32(1.0)).astype(np.float64)
        weights = self._weights(every)
        chance = float(_sigmoid(np.asarray([weights @ x]))[0])
        gradient = (chance - label) * x
        n = self._n[every].astype(np.float64)
        sigma = (np.sqrt(n + gradient**2) - np.sqrt(n)) / ALPHA
        self._z[every] += (gradient - sigma * weights).astype(np.float32)
        self._n[every] = (n + gradient**2).astype(np.float32)

    # --- storing ----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The model as bytes to store: a JSON header line, then the arrays (compressed)."""
        arrays = io.BytesIO()
        np.savez_compressed(arrays, z=self._z, n=self._n)
        online = arrays.getvalue()
        batch = b"" if self.batch is None else self.batch.to_bytes()
        header = {
            "format": FORMAT,
            "dimensions": DIMENSIONS,
            "decisions": self.decisions,
            "hides": self.hides,
            "calibrated": self.batch is not None,
            "fitted_at": self.fitted_at,
            "online_bytes": len(online),
        }
        return json.dumps(header).encode() + b"\n" + online + batch

    @classmethod
    def from_bytes(cls, data: bytes) -> Ranker:
        """A model stored by :meth:`to_bytes`; ``RankerError`` if it is not one this version
        reads."""
        head, _, body = data.partition(b"\n")
        try:
            header = json.loads(head)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RankerError("not a stored ranker: no header") from None
        if not isinstance(header, dict) or header.get("format") not in _FORMATS:
            raise RankerError(f"not a ranker this version reads (format {header!r})")
        if header.get("dimensions") != DIMENSIONS:
            raise RankerError(
                f"the stored ranker has {header.get('dimensions')} features, this version"
                f" {DIMENSIONS}: start over with `moderator rank reset`"
            )
        online_size = header.get("online_bytes", len(body))
        if not isinstance(online_size, int) or not 0 < online_size <= len(body):
            raise RankerError("the stored ranker is damaged: its parts do not add up")
        online, batch = body[:online_size], body[online_size:]
        try:
            with np.load(io.BytesIO(online), allow_pickle=False) as arrays:
                z, n = arrays["z"], arrays["n"]
        except Exception as error:
            # numpy's reader fails in many ways on damaged bytes: a bad zip, a bad stream, a
            # header that is not Python (zlib.error, SyntaxError, NotImplementedError …).
            raise RankerError(f"the stored ranker is damaged: {error}") from None
        ranker = cls()
        if z.shape != ranker._z.shape or n.shape != ranker._n.shape:
            raise RankerError("the stored ranker is damaged: its arrays have the wrong size")
        if not (np.isfinite(z).all() and np.isfinite(n).all() and (n >= 0).all()):
            raise RankerError("the stored ranker is damaged: it holds impossible numbers")
        ranker._z, ranker._n = z.astype(np.float32), n.astype(np.float32)
        ranker.decisions, ranker.hides = _counts(header)
        if batch:
            try:
                ranker.batch = BatchModel.from_bytes(batch)
            except RefitError as error:
                raise RankerError(str(error)) from None
        fitted_at = header.get("fitted_at", 0)
        ranker.fitted_at = fitted_at if isinstance(fitted_at, int) and fitted_at >= 0 else 0
        return ranker

    @staticmethod
    def stored_readiness(head: bytes) -> Readiness:
        """The readiness of a stored model from its first bytes (its header line) alone,
        without reading its arrays; not ready if they are not a header this version reads."""
        line = head.partition(b"\n")[0]
        try:
            header = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return NOTHING_LEARNT
        if not isinstance(header, dict) or header.get("format") not in _FORMATS:
            return NOTHING_LEARNT
        return Readiness(*_counts(header), calibrated=header.get("calibrated") is True)


def _counts(header: dict[str, object]) -> tuple[int, int | None]:
    """A header's decisions and hides, each a count or (hides only) None if not there."""
    decisions = header.get("decisions", 0)
    if not isinstance(decisions, int) or decisions < 0:
        decisions = 0
    hides = header.get("hides")
    if not isinstance(hides, int) or not 0 <= hides <= decisions:
        hides = None
    return decisions, hides
