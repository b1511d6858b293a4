"""Measures the learned queue order against a plain text model and the rules' order, on a
simulated desk.

Each labelled corpus is streamed as comments reach a desk. For each comment the desk shows
the ranker's score (once it is ready), then "the moderator" decides by its label (hide or
approve) and the ranker learns that decision, as the product does (``Desk``): the online
model a step at once, and the batch model refit from every decision so far whenever
``Ranker.refit_due`` says (10 decisions since the last fit, or 5% of those it was fit on).
No comment is ever scored by a model that has seen it. The ranker reads what the desk's
would: the text, and the default rule set's hits on it as extras (``rule:ID``,
``severity:S``).

Orderings compared, in the same run:

* rules only: the gravest rule hit's severity (high, medium, low, none), ties by arrival;
* a plain text model: TF-IDF (sublinear) over words and word pairs and over characters 2 to
  5, with a logistic regression, fit in one batch on exactly the decisions the ranker has
  seen (scikit-learn, the optional ``bench`` extra);
* learned: the scores the desk shows (before the ranker is ready it shows none: 0.5 each).

After 200, 500 and 2,000 decisions the models as they stand score every comment still to
come (the queue the desk then faces), averaged over ``--shuffles`` orders of the stream
(5: in one order, one comment moves a queue's top-10% precision by a point); "all once
ready" is the score of every comment of the first order from the first the desk showed a
score for, each made before its own decision. For each: ROC AUC, precision in the top 10% of
the queue, recall at a 10% review budget (the share of the comments to hide found there),
and the expected calibration error of a probability (ten equal bins: how far "80% likely"
is from 80% hidden).

Corpora (read at run time from ../shared/data, never copied into the repository):

* news comments labelled for unhealthy conversation, ``corpus/unhealthy/``: the ``val``
  split as given is the desk's stream; hide = unhealthy;
* Davidson et al. 2017 tweets, ``corpus/davidson/labeled_tune.csv``: hide = hate (class 0);
  offensive-but-not-hateful and neither are approved, as a desk that tolerates swearing
  would (what counts as "hide" is the desk's own: the point of learning it);
* Stormfront sentences, ``corpus/stormfront/sentences_tune.csv``: hide = ``hate``.

The Globe and Mail comments with their real moderation status (``old_comments.csv``) are
checked and left out, saying why: the export keeps no text of a rejected or deleted comment,
only "This comment has been deleted", which any model would learn instead of the desk.

The cold start: how many decisions before the ranker's scores mean something (the window
shows none, and the "likely" order follows the rules, until ``Readiness.ready``). Over
20 shuffles of each corpus, the batch model fit on the first 2, 5, ... 200 decisions orders
the next 1,000 comments (the queue the desk then faces); each point says how many hides it
had seen, its ROC AUC (median), and how often it beat the order by time (AUC above 0.5 and
more to hide in its top 10% than the first 10% by time holds) and the rules' order (a higher
AUC). Then the same at the first decision at which each candidate readiness rule (N
decisions, M hides and M kept) holds, and how many decisions that took.

Then speed, on one core: scoring a whole corpus in batches (comments/s), one update (p50,
p99, worst), and how long the background refits took.

Targets: after 2,000 decisions and over all, the learned order beats rules-only on every
figure; after 500 and 2,000 it beats the plain model in AUC and top-10% precision, and after
200 comes within 0.02 AUC of it; scoring >= 20,000 comments/s; one update <= 5 ms (p99).

Run it (from the repository root)::

    .venv/bin/python bench/bench_ranking.py
"""

from __future__ import annotations

import argparse
import csv
import html
import math
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# One core: numpy's own threads must not flatter the figures.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import numpy.typing as npt
from make_corpus import SHARED_DATA, SharedDataMissingError
from report import print_table, verdict

import moderator.rules.kinds  # noqa: F401  (registers the built-in rule kinds)
from moderator.ranking import refit
from moderator.ranking.features import Sample
from moderator.ranking.model import READY_DECISIONS, READY_EACH, REFIT_AT_MOST, Ranker
from moderator.rules.engine import RuleEngine
from moderator.rules.loader import load_rule_set
from moderator.rules.model import CommentSnapshot
from moderator.settings import DEFAULT_RULE_SET

DAVIDSON = Path("corpus/davidson/labeled_tune.csv")
STORMFRONT = Path("corpus/stormfront/sentences_tune.csv")
UNHEALTHY = Path("corpus/unhealthy/unhealthy_news_comments.csv")
GLOBE = Path("corpus/globeandmail/comments_csv/old_comments.csv")
# What the Globe and Mail export holds in place of a rejected or deleted comment's text.
GLOBE_PLACEHOLDER = "This comment has been deleted"
CHECKPOINTS = (200, 500, 2_000)
# Orders of each stream whose checkpoint figures are averaged: one order's top 10% of a
# queue of 4,000 with 10% to hide moves by a point for one comment.
SHUFFLES = 5
# At this many decisions the ranker need only come within this much AUC of the plain model.
FIRST_CHECKPOINT_SLACK = 0.02
CALIBRATION_BINS = 10
BUDGET = 0.10
SCORE_TARGET = 20_000
# Passes of the scoring measure; the best shows the steady state (not a busy machine's).
SCORE_PASSES = 3
UPDATE_TARGET_MS = 5.0
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}
COLD_SEEDS = 20
COLD_POINTS = (2, 5, 10, 20, 30, 50, 100, 200)
COLD_QUEUE = 1_000
# Candidate readiness rules: (decisions, hides and kept each); the ranker's own first.
COLD_RULES = ((READY_DECISIONS, READY_EACH), (10, 2), (30, 5), (30, 10), (50, 8), (100, 5))


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str
    texts: tuple[str, ...]
    hide: tuple[bool, ...]
    note: str


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def load(data_dir: Path) -> list[Corpus]:
    needed = (DAVIDSON, STORMFRONT, UNHEALTHY)
    missing = [str(data_dir / p) for p in needed if not (data_dir / p).exists()]
    if missing:
        raise SharedDataMissingError(
            f"the shared data is absent ({', '.join(missing)}); this benchmark reads it at run"
            " time from ../shared/data and never copies it into the repository"
        )
    davidson = [(row["class"], html.unescape(row["tweet"])) for row in _rows(data_dir / DAVIDSON)]
    storm = [
        (row["label"], row["text"])
        for row in _rows(data_dir / STORMFRONT)
        if row["label"] in {"hate", "noHate"}
    ]
    # News comments labelled by crowds; the "val" split is the desk's stream (as given).
    unhealthy = [
        (row["unhealthy"] == "1", row["comment"])
        for row in _rows(data_dir / UNHEALTHY)
        if row["split"] == "val"
    ]
    corpora = [
        Corpus(
            "Unhealthy news comments (val split)",
            tuple(text for _, text in unhealthy),
            tuple(hide for hide, _ in unhealthy),
            "hide = unhealthy by the crowd's label",
        ),
        Corpus(
            "Davidson tweets",
            tuple(text for _, text in davidson),
            tuple(label == "0" for label, _ in davidson),
            "hide = hate; offensive and neither approved",
        ),
        Corpus(
            "Stormfront sentences",
            tuple(text for _, text in storm),
            tuple(label == "hate" for label, _ in storm),
            "hide = hate",
        ),
    ]
    shuffled = []
    for corpus in corpora:
        order = list(range(len(corpus.texts)))
        random.Random(1).shuffle(order)
        shuffled.append(
            Corpus(
                corpus.name,
                tuple(corpus.texts[i] for i in order),
                tuple(corpus.hide[i] for i in order),
                corpus.note,
            )
        )
    return shuffled


def globe_and_mail_unusable(data_dir: Path) -> str | None:
    """Why the Globe and Mail comments with their moderation status cannot train a desk, if
    they cannot: the export keeps no text of what was taken down, only a placeholder."""
    path = data_dir / GLOBE
    if not path.exists():
        return f"{path} is absent"
    rows = list(_rows(path))
    removed = [row for row in rows if row["status"] in {"rejected", "deleted"}]
    kept = sum(row["text"].strip() == GLOBE_PLACEHOLDER for row in removed)
    if removed and kept == len(removed):
        return (
            f"every one of its {len(removed)} rejected or deleted comments (of {len(rows):,})"
            f' reads "{GLOBE_PLACEHOLDER}": a model would learn the placeholder, not the desk'
        )
    return None


# --- measures ---------------------------------------------------------------------------


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """ROC AUC by the rank-sum (ties share their average rank); 0.5 with one class only."""
    values = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(labels, dtype=bool)
    positives = int(truth.sum())
    negatives = truth.size - positives
    if not positives or not negatives:
        return 0.5
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # The average rank (1-based) of each distinct value, then each score's.
    ends = np.cumsum(counts)
    average = ends - (counts - 1) / 2.0
    ranks = average[inverse]
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def top_share(scores: Sequence[float], labels: Sequence[bool], share: float) -> tuple[float, float]:
    """(precision, recall) of the top ``share`` of the queue by score, ties in arrival order."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    count = max(1, math.ceil(share * len(order)))
    truth = np.asarray(labels, dtype=bool)
    found = int(truth[order[:count]].sum())
    positives = int(truth.sum())
    return found / count, (found / positives if positives else 0.0)


def calibration_error(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Expected calibration error: over ten equal bins of score, how far the mean score is
    from the share actually hidden, weighted by how many comments fall in the bin."""
    values = np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)
    truth = np.asarray(labels, dtype=np.float64)
    if not values.size:
        return 0.0
    bins = np.minimum((values * CALIBRATION_BINS).astype(np.int64), CALIBRATION_BINS - 1)
    gap = 0.0
    for number in range(CALIBRATION_BINS):
        inside = bins == number
        if inside.any():
            gap += inside.sum() * abs(values[inside].mean() - truth[inside].mean())
    return float(gap / values.size)


@dataclass(frozen=True, slots=True)
class Figures:
    auc: float
    precision: float
    recall: float
    # None for an order that is not a probability (the rules' severity).
    calibration: float | None = None

    @classmethod
    def of(
        cls, scores: Sequence[float], labels: Sequence[bool], *, probabilities: bool = True
    ) -> Figures:
        precision, recall = top_share(scores, labels, BUDGET)
        calibration = calibration_error(scores, labels) if probabilities else None
        return cls(auc(scores, labels), precision, recall, calibration)

    def beats(self, other: Figures) -> bool:
        return (
            self.auc > other.auc and self.precision > other.precision and self.recall > other.recall
        )


# --- the simulated desk -----------------------------------------------------------------


def rule_extras(engine: RuleEngine, texts: Sequence[str]) -> list[tuple[str, ...]]:
    extras = []
    for text in texts:
        hits = engine.check(CommentSnapshot(text))
        extras.append(
            tuple(f"rule:{hit.rule_id}" for hit in hits)
            + tuple(f"severity:{hit.severity}" for hit in hits)
        )
    return extras


def rules_order(extras: Sequence[tuple[str, ...]]) -> list[float]:
    return [
        max(
            (SEVERITY_RANK.get(extra.removeprefix("severity:"), 0) for extra in found),
            default=0,
        )
        for found in extras
    ]


def plain_model(
    seen: Sequence[str], hidden: Sequence[bool], queue: Sequence[str]
) -> npt.NDArray[np.float64] | None:
    """The plain text model the ranker must beat, fit in one batch on the decisions seen:
    TF-IDF (sublinear) over words and word pairs and over characters 2 to 5, and a logistic
    regression. None where scikit-learn is absent (``pip install -e '.[bench]'``)."""
    try:
        from scipy.sparse import hstack  # noqa: PLC0415 - an optional extra
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
        from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    except ImportError:
        return None
    if len(set(hidden)) < 2:
        # One class seen: nothing to tell apart yet, every comment as likely as those seen.
        return np.full(len(queue), float(hidden[0]) if hidden else 0.5)
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True)
    known = hstack([words.fit_transform(seen), chars.fit_transform(seen)]).tocsr()
    model = LogisticRegression(max_iter=1_000)
    model.fit(known, np.asarray(hidden, dtype=bool))
    asked = hstack([words.transform(queue), chars.transform(queue)]).tocsr()
    return np.asarray(model.predict_proba(asked)[:, 1], dtype=np.float64)


def beats_plain(point: int, learned: Figures, plain: Figures) -> bool:
    """At the first checkpoint, within a little AUC of the plain model; later, ahead of it in
    AUC and in precision at the top of the queue."""
    if point == CHECKPOINTS[0]:
        return learned.auc >= plain.auc - FIRST_CHECKPOINT_SLACK
    return learned.auc > plain.auc and learned.precision > plain.precision


@dataclass(frozen=True, slots=True)
class Checkpoint:
    learned: Figures
    rules: Figures
    plain: Figures | None


@dataclass(frozen=True, slots=True)
class Run:
    rows: list[list[str]]
    ok: bool
    plain_ok: bool | None
    score_rate: float
    updates_ms: npt.NDArray[np.float64]
    # (decisions, seconds) of each refit of the batch model on the first stream.
    refits: list[tuple[int, float]]


def _figures_row(label: str, name: str, figures: Figures, *verdicts: str) -> list[str]:
    calibration = "" if figures.calibration is None else f"{figures.calibration:.3f}"
    return [
        label,
        name,
        f"{figures.auc:.3f}",
        f"{figures.precision:.1%}",
        f"{figures.recall:.1%}",
        calibration,
        *verdicts,
    ]


class Desk:
    """The ranker as a desk runs it: each decision learnt as it is made (timed), and the
    batch model refit from every decision so far whenever it is due (``Ranker.refit_due``,
    the window's rule), as the window's background round does; the refits timed apart."""

    def __init__(self) -> None:
        self.ranker = Ranker()
        self.samples: list[Sample] = []
        self.hidden: list[bool] = []
        self.updates_ms: list[float] = []
        self.refits: list[tuple[int, float]] = []

    def decide(self, sample: Sample, hide: bool) -> None:
        started = time.perf_counter()
        self.ranker.learn(sample, hide)
        self.updates_ms.append((time.perf_counter() - started) * 1000)
        self.samples.append(sample)
        self.hidden.append(hide)
        if self.ranker.refit_due:
            started = time.perf_counter()
            batch = refit.fit(self.samples[-REFIT_AT_MOST:], self.hidden[-REFIT_AT_MOST:])
            self.refits.append((len(self.samples), time.perf_counter() - started))
            self.ranker.install(batch)

    def shown(self, samples: Sequence[Sample]) -> list[float]:
        """The scores the desk shows: the ranker's once ready, else none (0.5 each: the
        queue then follows the rules, and these rows say what the ranker adds)."""
        if not self.ranker.readiness.ready:
            return [0.5] * len(samples)
        return list(self.ranker.score_many(samples))


def _mean(found: Sequence[Figures]) -> Figures:
    calibrations = [f.calibration for f in found if f.calibration is not None]
    return Figures(
        float(np.mean([f.auc for f in found])),
        float(np.mean([f.precision for f in found])),
        float(np.mean([f.recall for f in found])),
        float(np.mean(calibrations)) if calibrations else None,
    )


def _stream(corpus: Corpus, shuffle: int) -> list[int]:
    """The order comments reach the desk: as loaded (seed 1) first, then reshuffled."""
    order = list(range(len(corpus.texts)))
    if shuffle:
        random.Random(1 + shuffle).shuffle(order)
    return order


def simulate(
    corpus: Corpus, samples: Sequence[Sample], rules: Sequence[float], shuffles: int
) -> Run:
    """Each checkpoint's figures, averaged over ``shuffles`` orders of the stream; the
    progressive figures ("all") over the first order, run to the end."""
    at: dict[int, list[Checkpoint]] = {point: [] for point in CHECKPOINTS}
    first_desk = Desk()
    for shuffle in range(shuffles):
        order = _stream(corpus, shuffle)
        texts = [corpus.texts[i] for i in order]
        hide = [corpus.hide[i] for i in order]
        seen = [samples[i] for i in order]
        ranks = [rules[i] for i in order]
        desk = Desk() if shuffle else first_desk
        # Each comment's score before its decision, from the first one the desk was shown a
        # score for (before, the queue follows the rules: nothing of the ranker's to judge).
        progressive: list[float] = []
        ready_at = len(order)
        end = len(order) if not shuffle else CHECKPOINTS[-1] + 1
        for number in range(end):
            if number in at:
                plain = plain_model(texts[:number], hide[:number], texts[number:])
                at[number].append(
                    Checkpoint(
                        Figures.of(desk.shown(seen[number:]), hide[number:]),
                        Figures.of(ranks[number:], hide[number:], probabilities=False),
                        None if plain is None else Figures.of(list(plain), hide[number:]),
                    )
                )
            if not shuffle and desk.ranker.readiness.ready:
                ready_at = min(ready_at, number)
                progressive.append(desk.shown([seen[number]])[0])
            desk.decide(seen[number], hide[number])
        if not shuffle:
            whole = Checkpoint(
                Figures.of(progressive, hide[ready_at:]),
                Figures.of(ranks[ready_at:], hide[ready_at:], probabilities=False),
                None,
            )
    ranker = first_desk.ranker
    passes = []
    for _ in range(SCORE_PASSES):
        started = time.perf_counter()
        for first in range(0, len(samples), 1_000):
            ranker.score_many(samples[first : first + 1_000])
        passes.append(time.perf_counter() - started)
    rate = len(samples) / min(passes)
    rows = []
    ok = True
    plain_ok: bool | None = None
    averaged = {
        point: Checkpoint(
            _mean([c.learned for c in found]),
            _mean([c.rules for c in found]),
            None
            if any(c.plain is None for c in found)
            else _mean([c.plain for c in found if c.plain is not None]),
        )
        for point, found in at.items()
    }
    averaged[len(samples)] = whole
    for point, found in sorted(averaged.items()):
        label = "all once ready" if point == len(samples) else f"after {point:,}"
        # Against the rules: once the desk has decided enough (the last checkpoint, and all).
        judged = point >= CHECKPOINTS[-1]
        over_rules = found.learned.beats(found.rules)
        ok &= over_rules or not judged
        over_plain = ""
        if found.plain is not None:
            ahead = beats_plain(point, found.learned, found.plain)
            plain_ok = ahead if plain_ok is None else plain_ok and ahead
            over_plain = verdict(ahead)
            rows.append(_figures_row(label, "plain TF-IDF model", found.plain, "", ""))
        rows.append(_figures_row(label, "rules only", found.rules, "", ""))
        rows.append(
            _figures_row(
                label,
                "learned",
                found.learned,
                verdict(over_rules) if judged else "(early)",
                over_plain,
            )
        )
    return Run(rows, ok, plain_ok, rate, np.asarray(first_desk.updates_ms), first_desk.refits)


@dataclass(frozen=True, slots=True)
class ColdPoint:
    """The model after some decisions, on the queue then faced."""

    decisions: int
    hides: int
    auc: float
    beats_time: bool
    beats_rules: bool


def _cold_point(
    desk: Desk,
    hides: int,
    *,
    queue: Sequence[int],
    corpus: Corpus,
    samples: Sequence[Sample],
    rules: Sequence[float],
) -> ColdPoint:
    """The order the ranker would show if it were declared ready now: its batch model fit
    on the decisions so far (the online model's while they hold one kind only)."""
    labels = [corpus.hide[i] for i in queue]
    asked = [samples[i] for i in queue]
    batch = refit.fit(desk.samples, desk.hidden)
    scores = desk.ranker.score_many(asked) if batch is None else batch.score_many(asked)
    learned = Figures.of(list(scores), labels)
    # By time: the queue as it came, the earliest first (scores falling with arrival).
    by_time = Figures.of([-float(n) for n in range(len(queue))], labels, probabilities=False)
    by_rules = Figures.of([rules[i] for i in queue], labels, probabilities=False)
    return ColdPoint(
        desk.ranker.decisions,
        hides,
        learned.auc,
        learned.auc > by_time.auc and learned.precision > by_time.precision,
        learned.auc > by_rules.auc,
    )


def cold_start(
    corpus: Corpus, samples: Sequence[Sample], rules: Sequence[float]
) -> tuple[dict[int, list[ColdPoint]], dict[tuple[int, int], list[ColdPoint]]]:
    """Per shuffle, the model at each of COLD_POINTS and where each of COLD_RULES first
    holds (a shuffle where a rule never holds within the corpus adds nothing to it)."""
    at_points: dict[int, list[ColdPoint]] = {point: [] for point in COLD_POINTS}
    at_rules: dict[tuple[int, int], list[ColdPoint]] = {rule: [] for rule in COLD_RULES}
    for seed in range(COLD_SEEDS):
        order = list(range(len(samples)))
        random.Random(100 + seed).shuffle(order)
        desk = Desk()
        hides = 0
        waiting = set(COLD_RULES)
        for seen, index in enumerate(order):
            kept = seen - hides
            due = [rule for rule in waiting if seen >= rule[0] and min(hides, kept) >= rule[1]]
            if seen in at_points or due:
                queue = order[seen : seen + COLD_QUEUE]
                point = _cold_point(
                    desk, hides, queue=queue, corpus=corpus, samples=samples, rules=rules
                )
                if seen in at_points:
                    at_points[seen].append(point)
                for rule in due:
                    at_rules[rule].append(point)
                    waiting.discard(rule)
            if seen >= COLD_POINTS[-1] and not waiting:
                break
            desk.decide(samples[index], corpus.hide[index])
            hides += corpus.hide[index]
    return at_points, at_rules


def _share(points: Sequence[ColdPoint], key: str) -> str:
    return f"{sum(getattr(point, key) for point in points) / len(points):.0%}"


def cold_rows(
    at_points: dict[int, list[ColdPoint]], at_rules: dict[tuple[int, int], list[ColdPoint]]
) -> list[list[str]]:
    rows = [["after", "hides seen (median)", "ROC AUC (median)", "beats by time", "beats rules"]]
    for point, points in at_points.items():
        if points:
            rows.append(
                [
                    f"{point:,} decisions",
                    f"{np.median([p.hides for p in points]):g}",
                    f"{np.median([p.auc for p in points]):.3f}",
                    _share(points, "beats_time"),
                    _share(points, "beats_rules"),
                ]
            )
    for (decisions, each), points in at_rules.items():
        if points:
            label = f"ready at {decisions}, {each} each"
            label += " (the ranker's)" if (decisions, each) == COLD_RULES[0] else ""
            taken = np.median([p.decisions for p in points])
            rows.append(
                [
                    f"{label}: {taken:g} decisions",
                    f"{np.median([p.hides for p in points]):g}",
                    f"{np.median([p.auc for p in points]):.3f}",
                    _share(points, "beats_time"),
                    _share(points, "beats_rules"),
                ]
            )
    return rows


def refit_rows(refits: Sequence[tuple[int, float]]) -> list[list[str]]:
    """The batch model's refits, in the background: how many, and how long the largest
    near 2,000 decisions and at the end took."""
    if not refits:
        return []
    near = min(refits, key=lambda refit: abs(refit[0] - CHECKPOINTS[-1]))
    last = refits[-1]
    return [
        [
            f"background refits ({len(refits)} over the stream)",
            f"{near[1]:.2f} s at {near[0]:,}; {last[1]:.2f} s at {last[0]:,} decisions",
            "(the desk waits for none)",
            "",
        ]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument(
        "--shuffles", type=int, default=SHUFFLES, help="orders of each stream averaged"
    )
    parser.add_argument("--no-cold", action="store_true", help="skip the cold start")
    args = parser.parse_args(argv)
    try:
        corpora = load(args.data)
    except SharedDataMissingError as error:
        print(error, file=sys.stderr)
        return 2
    engine = RuleEngine(load_rule_set(DEFAULT_RULE_SET), include_behavioural=False)
    passed = True
    unusable = globe_and_mail_unusable(args.data)
    if unusable is not None:
        print(f"Globe and Mail comments with their moderation status: not used, {unusable}")
    for corpus in corpora:
        extras = rule_extras(engine, corpus.texts)
        samples = [Sample(text, found) for text, found in zip(corpus.texts, extras, strict=True)]
        rules = rules_order(extras)
        run = simulate(corpus, samples, rules, args.shuffles)
        share = sum(corpus.hide) / len(corpus.hide)
        print(
            f"\n{corpus.name}: {len(corpus.texts):,} comments, {share:.1%} to hide ({corpus.note})"
        )
        header = [
            *("decisions seen", "order", "ROC AUC", "precision top 10%", "recall @10%"),
            *("calibration error", "vs rules", "vs plain model"),
        ]
        print_table([header, *run.rows])
        if run.plain_ok is None:
            print("plain model not run: scikit-learn is absent (pip install -e '.[bench]')")
        p50, p99 = np.percentile(run.updates_ms, [50, 99])
        speed_ok = run.score_rate >= SCORE_TARGET and p99 <= UPDATE_TARGET_MS
        print_table(
            [
                ["speed (one core)", "figure", "target", "verdict"],
                [
                    f"scoring, batches of 1,000 (best of {SCORE_PASSES})",
                    f"{run.score_rate:,.0f} comments/s",
                    f">= {SCORE_TARGET:,}",
                    verdict(run.score_rate >= SCORE_TARGET),
                ],
                [
                    "one update p50 / p99 / worst",
                    f"{p50:.2f} / {p99:.2f} / {run.updates_ms.max():.2f} ms",
                    f"p99 <= {UPDATE_TARGET_MS:g} ms",
                    verdict(p99 <= UPDATE_TARGET_MS),
                ],
                *refit_rows(run.refits),
            ]
        )
        passed &= run.ok and speed_ok and run.plain_ok is not False
        if not args.no_cold:
            print(f"\ncold start ({COLD_SEEDS} shuffles; the next {COLD_QUEUE:,} comments ordered)")
            print_table(cold_rows(*cold_start(corpus, samples, rules)))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
