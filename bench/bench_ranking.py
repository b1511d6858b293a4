"""Measures the learned queue order against the rules' order, on a simulated desk.

Each labelled corpus is streamed in a fixed shuffled order (seed 1), as comments reach a desk.
For each comment the ranker scores it first, then "the moderator" decides by its label (hide
or approve) and the ranker learns that decision (progressive validation: no comment is ever
scored by a model that has seen it). The ranker reads what the desk's would: the text, and
the default rule set's hits on it as extras (``rule:ID``, ``severity:S``).

Orderings compared, in the same run:

* rules only: the gravest rule hit's severity (high, medium, low, none), ties by arrival;
* learned: the ranker's score.

After 500 and after 2,000 decisions the model as it stands scores every comment still to
come (the queue the desk then faces); "all" is the progressive score of every comment, each
made before its own decision. For each: ROC AUC, precision in the top 10% of the queue, and
recall at a 10% review budget (the share of the comments to hide found there).

Corpora (read at run time from ../shared/data, never copied into the repository):

* Davidson et al. 2017 tweets, ``corpus/davidson/labeled_tune.csv``: hide = hate (class 0);
  offensive-but-not-hateful and neither are approved, as a desk that tolerates swearing
  would (what counts as "hide" is the desk's own: the point of learning it);
* Stormfront sentences, ``corpus/stormfront/sentences_tune.csv``: hide = ``hate``.

The cold start: how many decisions before the ranker's scores mean something (the window
shows none, and the "likely" order follows the rules, until ``Readiness.ready``). Over
20 shuffles of each corpus, the model after 2, 5, ... 200 decisions orders the next 1,000
comments (the queue the desk then faces); each point says how many hides it had seen, its
ROC AUC (median), and how often it beat the order by time (AUC above 0.5 and more to hide in
its top 10% than the first 10% by time holds) and the rules' order (a higher AUC). Then the
same at the first decision at which each candidate readiness rule (N decisions, M hides and
M kept) holds, and how many decisions that took: the rule the ranker uses is the one whose
shown order beats the order by time about every time.

Then speed, on one core: scoring a whole corpus in batches (comments/s), and one update
(p50, p99, worst).

Targets: after 2,000 decisions and over all, the learned order beats rules-only on every
figure; scoring >= 20,000 comments/s; one update <= 5 ms (p99).

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
from moderator.ranking.features import Sample
from moderator.ranking.model import READY_DECISIONS, READY_EACH, Ranker
from moderator.rules.engine import RuleEngine
from moderator.rules.loader import load_rule_set
from moderator.rules.model import CommentSnapshot
from moderator.settings import DEFAULT_RULE_SET

DAVIDSON = Path("corpus/davidson/labeled_tune.csv")
STORMFRONT = Path("corpus/stormfront/sentences_tune.csv")
CHECKPOINTS = (500, 2_000)
BUDGET = 0.10
SCORE_TARGET = 20_000
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
    missing = [str(data_dir / p) for p in (DAVIDSON, STORMFRONT) if not (data_dir / p).exists()]
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
    corpora = [
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


@dataclass(frozen=True, slots=True)
class Figures:
    auc: float
    precision: float
    recall: float

    @classmethod
    def of(cls, scores: Sequence[float], labels: Sequence[bool]) -> Figures:
        precision, recall = top_share(scores, labels, BUDGET)
        return cls(auc(scores, labels), precision, recall)

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


@dataclass(frozen=True, slots=True)
class Run:
    rows: list[list[str]]
    ok: bool
    score_rate: float
    updates_ms: npt.NDArray[np.float64]


def simulate(corpus: Corpus, samples: Sequence[Sample], rules: Sequence[float]) -> Run:
    ranker = Ranker()
    progressive: list[float] = []
    updates: list[float] = []
    at: dict[int, tuple[Figures, Figures]] = {}
    for number, (sample, hide) in enumerate(zip(samples, corpus.hide, strict=True)):
        if number in CHECKPOINTS:
            future = ranker.score_many(samples[number:])
            at[number] = (
                Figures.of(list(future), corpus.hide[number:]),
                Figures.of(rules[number:], corpus.hide[number:]),
            )
        progressive.append(ranker.score(sample))
        started = time.perf_counter()
        ranker.learn(sample, hide)
        updates.append((time.perf_counter() - started) * 1000)
    at[len(samples)] = (Figures.of(progressive, corpus.hide), Figures.of(rules, corpus.hide))
    started = time.perf_counter()
    for first in range(0, len(samples), 1_000):
        ranker.score_many(samples[first : first + 1_000])
    rate = len(samples) / (time.perf_counter() - started)
    rows = []
    ok = True
    for point, (learned, by_rules) in sorted(at.items()):
        label = "all (progressive)" if point == len(samples) else f"after {point:,}"
        judged = point != CHECKPOINTS[0]
        ok &= learned.beats(by_rules) or not judged
        for name, figures in (("rules only", by_rules), ("learned", learned)):
            rows.append(
                [
                    label,
                    name,
                    f"{figures.auc:.3f}",
                    f"{figures.precision:.1%}",
                    f"{figures.recall:.1%}",
                    (verdict(learned.beats(by_rules)) if judged else "(cold)")
                    if name == "learned"
                    else "",
                ]
            )
    return Run(rows, ok, rate, np.asarray(updates))


@dataclass(frozen=True, slots=True)
class ColdPoint:
    """The model after some decisions, on the queue then faced."""

    decisions: int
    hides: int
    auc: float
    beats_time: bool
    beats_rules: bool


def _cold_point(
    ranker: Ranker,
    hides: int,
    *,
    queue: Sequence[int],
    corpus: Corpus,
    samples: Sequence[Sample],
    rules: Sequence[float],
) -> ColdPoint:
    labels = [corpus.hide[i] for i in queue]
    learned = Figures.of(list(ranker.score_many([samples[i] for i in queue])), labels)
    # By time: the queue as it came, the earliest first (scores falling with arrival).
    by_time = Figures.of([-float(n) for n in range(len(queue))], labels)
    by_rules = Figures.of([rules[i] for i in queue], labels)
    return ColdPoint(
        ranker.decisions,
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
        ranker = Ranker()
        hides = 0
        waiting = set(COLD_RULES)
        for seen, index in enumerate(order):
            kept = seen - hides
            due = [rule for rule in waiting if seen >= rule[0] and min(hides, kept) >= rule[1]]
            if seen in at_points or due:
                queue = order[seen : seen + COLD_QUEUE]
                point = _cold_point(
                    ranker, hides, queue=queue, corpus=corpus, samples=samples, rules=rules
                )
                if seen in at_points:
                    at_points[seen].append(point)
                for rule in due:
                    at_rules[rule].append(point)
                    waiting.discard(rule)
            if seen >= COLD_POINTS[-1] and not waiting:
                break
            ranker.learn(samples[index], corpus.hide[index])
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    try:
        corpora = load(args.data)
    except SharedDataMissingError as error:
        print(error, file=sys.stderr)
        return 2
    engine = RuleEngine(load_rule_set(DEFAULT_RULE_SET), include_behavioural=False)
    passed = True
    for corpus in corpora:
        extras = rule_extras(engine, corpus.texts)
        samples = [Sample(text, found) for text, found in zip(corpus.texts, extras, strict=True)]
        rules = rules_order(extras)
        run = simulate(corpus, samples, rules)
        share = sum(corpus.hide) / len(corpus.hide)
        print(
            f"\n{corpus.name}: {len(corpus.texts):,} comments, {share:.1%} to hide ({corpus.note})"
        )
        header = ["decisions seen", "order", "ROC AUC", "precision top 10%", "recall @10%", ""]
        print_table([header, *run.rows])
        p50, p99 = np.percentile(run.updates_ms, [50, 99])
        speed_ok = run.score_rate >= SCORE_TARGET and p99 <= UPDATE_TARGET_MS
        print_table(
            [
                ["speed (one core)", "figure", "target", "verdict"],
                [
                    "scoring, batches of 1,000",
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
            ]
        )
        passed &= run.ok and speed_ok
        print(f"\ncold start ({COLD_SEEDS} shuffles; the next {COLD_QUEUE:,} comments ordered)")
        print_table(cold_rows(*cold_start(corpus, samples, rules)))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
