"""Measures the word-list rule on realistic comments against one big alternation in ``re``.

Comments: 100,000 from the corpus generator (``make_corpus.iter_articles``: about 80% Globe and
Mail reader comments, 10% Davidson tweets, 10% Stormfront posts; seeded). Terms: 2,000 — the
surge-ai profanity list (column ``text``), then the LDNOOBW English list, then variants of
those (plural and -ing forms) until there are 2,000; entries the rule refuses (a ``*`` inside,
as in "c*nt") are left out and counted. All read at run time from ../shared/data.

On one core (the process is pinned to one CPU where the OS allows):

* the rule: ``WordListRule.check`` on every comment, timed over ``--repeat`` passes; the first
  pass also pays for building RE2's automata, the best pass shows the steady state;
* the naive approach, measured in the same run: ``re.compile(r"\\b(?:t1|t2|...)\\b", re.I)``
  and ``findall`` on each comment of a subsample (it is about a hundred times slower).

Run it (from the repository root)::

    .venv/bin/python bench/bench_rules_words.py
    .venv/bin/python bench/bench_rules_words.py --comments 20000  # quicker

It prints a table with PASS/FAIL against 200,000 comments/s and always exits 0 after printing.

``--load N`` measures instead how long a list of N generated terms (default 1,000,000: words of
4-10 letters, one in ten a two-word phrase, one in twenty a wildcard; seeded), and one of N/10,
take to load, and the peak memory (``ru_maxrss``) of a fresh process that loads each, against
a reference measured in the same run: a fresh process that only reads the list's bytes and
splits its lines. Time is wall-clock and the process's CPU time (on a shared machine the wall
clock also counts other processes' turns). Targets: 10 s and 1 GB. The N-term row is recorded
in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from make_corpus import SHARED_DATA, SharedDataMissingError, iter_articles
from report import print_table, verdict
from results import Result, record

from moderator.rules.model import CommentSnapshot, RuleContext
from moderator.rules.words import WordListRule

TARGET_RATE = 200_000
TERMS = 2_000
_SURGE = Path("wordlists/surge-ai/profanity_en.csv")
_LDNOOBW = Path("wordlists/ldnoobw/en")
# Endings that make the generated variants: the forms an insult list would also carry.
_ENDINGS = ("s", "ing", "ed", "er", "y")


def _require(data_dir: Path, *paths: Path) -> None:
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise SharedDataMissingError(
            f"the word lists are absent: {', '.join(missing)} not found (read at run time from"
            f" {data_dir}, never copied into the repository)"
        )


def read_surge_list(data_dir: Path) -> list[str]:
    """The surge-ai list's entries (column ``text``), as written, blank ones skipped."""
    surge = data_dir / _SURGE
    _require(data_dir, surge)
    with surge.open(newline="", encoding="utf-8") as handle:
        listed = [row["text"].strip() for row in csv.DictReader(handle)]
    return [term for term in listed if term]


def accepted_terms(listed: Sequence[str]) -> tuple[list[str], int]:
    """The distinct entries the rule accepts, and how many it refuses (a ``*`` inside)."""
    accepted = [term for term in listed if term and "*" not in term]
    return list(dict.fromkeys(accepted)), len([term for term in listed if term]) - len(accepted)


def load_terms(data_dir: Path, count: int) -> tuple[list[str], int]:
    """``count`` distinct terms the rule accepts, and how many list entries were left out."""
    ldnoobw = data_dir / _LDNOOBW
    _require(data_dir, data_dir / _SURGE, ldnoobw)
    listed = read_surge_list(data_dir)
    listed += [line.strip() for line in ldnoobw.read_text(encoding="utf-8").splitlines()]
    terms, left_out = accepted_terms(listed)
    for ending in _ENDINGS:
        for term in list(terms):
            if len(terms) >= count:
                break
            if term.isalpha() and not term.endswith(ending):
                variant = term + ending
                if variant not in terms:
                    terms.append(variant)
    return terms[:count], left_out


def load_comments(count: int, seed: int, data_dir: Path) -> list[CommentSnapshot]:
    per_article = 1_000
    articles = iter_articles(
        articles=-(-count // per_article),
        comments_per_article=per_article,
        seed=seed,
        data_dir=data_dir,
    )
    comments = [
        CommentSnapshot(body=comment.body, author=comment.author, posted_at=comment.posted_at)
        for article in articles
        for comment in article.comments
    ]
    return comments[:count]


def time_rule(rule: WordListRule, comments: Sequence[CommentSnapshot]) -> tuple[float, int]:
    """(seconds, comments with a hit) for one pass."""
    context = RuleContext()
    check = rule.check
    started = time.perf_counter()
    flagged = sum(1 for comment in comments if check(comment, context))
    return time.perf_counter() - started, flagged


def naive_alternation(terms: Sequence[str]) -> str:
    """The terms as one regex alternation, longest first (the naive matcher we compare with)."""
    return "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))


def time_naive(pattern: re.Pattern[str], comments: Sequence[CommentSnapshot]) -> tuple[float, int]:
    started = time.perf_counter()
    flagged = sum(1 for comment in comments if pattern.findall(comment.body))
    return time.perf_counter() - started, flagged


LOAD_SECONDS = 10.0
LOAD_MEGABYTES = 1024
# Run in a fresh interpreter, so that its peak memory is the load's own. Prints
# "seconds cpu_seconds rss_kb".
_LOAD_CHILD = """
import resource, sys, time
from pathlib import Path
started, cpu = time.perf_counter(), time.process_time()
if sys.argv[1] == "rule":
    import moderator.rules.kinds
    from moderator.rules.words import WordListRule
    WordListRule(id="bench", terms_file=Path(sys.argv[2]))
else:
    Path(sys.argv[2]).read_bytes().decode("utf-8").splitlines()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    # ru_maxrss survives exec: it may be the parent's, which made the list. VmHWM does not.
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0])
except (OSError, IndexError):
    pass
print(time.perf_counter() - started, time.process_time() - cpu, peak)
"""


def write_generated_list(path: Path, count: int, seed: int) -> None:
    """``count`` distinct made-up terms, one a line, as a big site's list might hold."""
    generator = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    seen: set[str] = set()

    def word() -> str:
        return "".join(generator.choices(letters, k=generator.randint(4, 10)))

    while len(seen) < count:
        term = word()
        shape = generator.random()
        if shape < 0.1:
            term = f"{term} {word()}"
        elif shape < 0.15:
            term += "*"
        seen.add(term)
    path.write_text("\n".join(sorted(seen)) + "\n", encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Load:
    """What a fresh process spent: wall-clock seconds, CPU seconds, peak memory in MB."""

    seconds: float
    cpu: float
    megabytes: float


def load_in_child(what: str, path: Path) -> Load:
    """What a fresh process spends to load the list as a rule, or only to read it."""
    done = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", _LOAD_CHILD, what, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, cpu, peak_kb = done.stdout.split()
    return Load(float(seconds), float(cpu), int(peak_kb) / 1024)


def load_rows(count: int, rule: Load, read: Load) -> list[tuple[str, ...]]:
    """The table rows of one list's load, each with its verdict."""
    terms = f"{count:,} terms"
    return [
        (
            f"{terms}: load, wall clock",
            f"{rule.seconds:.1f} s",
            f"{read.seconds:.2f} s",
            f"{rule.seconds / read.seconds:,.0f}x",
            f"<= {LOAD_SECONDS:g} s",
            verdict(rule.seconds <= LOAD_SECONDS),
        ),
        (
            f"{terms}: load, CPU time",
            f"{rule.cpu:.1f} s",
            f"{read.cpu:.2f} s",
            f"{rule.cpu / read.cpu:,.0f}x",
            f"<= {LOAD_SECONDS:g} s",
            verdict(rule.cpu <= LOAD_SECONDS),
        ),
        (
            f"{terms}: peak memory",
            f"{rule.megabytes:,.0f} MB",
            f"{read.megabytes:,.0f} MB",
            f"{rule.megabytes / read.megabytes:,.1f}x",
            f"<= {LOAD_MEGABYTES:,} MB",
            verdict(rule.megabytes <= LOAD_MEGABYTES),
        ),
    ]


def bench_load(count: int, seed: int) -> int:
    """Loads lists of ``count`` and ``count // 10`` terms; prints them and records the first."""
    rows: list[tuple[str, ...]] = []
    measured: dict[int, tuple[Load, Load]] = {}
    for size in (count, count // 10):
        with tempfile.TemporaryDirectory(prefix="bench-words-") as folder:
            path = Path(folder) / "terms.txt"
            write_generated_list(path, size, seed)
            print(f"{size:,} generated terms ({path.stat().st_size / 1e6:.1f} MB, seed {seed})")
            measured[size] = load_in_child("rule", path), load_in_child("read", path)
        rows += load_rows(size, *measured[size])
    print_table(
        [("measured", "figure", "read + split (same run)", "ratio", "target", "verdict"), *rows]
    )
    rule, read = measured[count]
    failed = [row[0] for row in rows[:3] if row[-1] == verdict(ok=False)]
    record(
        Result(
            f"load: a {count:,}-term word list",
            f"{count:,} generated terms: {rule.seconds:.1f} s ({rule.cpu:.1f} s CPU),"
            f" {rule.megabytes:,.0f} MB; read and split alone {read.seconds:.2f} s,"
            f" {read.megabytes:,.0f} MB; targets {LOAD_SECONDS:g} s, {LOAD_MEGABYTES:,} MB",
            "\N{EN DASH}",
            len(failed),
            f".venv/bin/python bench/bench_rules_words.py --load {count} --seed {seed}",
        )
    )
    return 0


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000, help="comments to check")
    parser.add_argument("--terms", type=int, default=TERMS, help="terms in the list")
    parser.add_argument("--naive-sample", type=int, default=2_000, help="comments for re")
    parser.add_argument("--repeat", type=int, default=3, help="passes of the rule over them")
    parser.add_argument("--seed", type=int, default=1, help="corpus and sample seed")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument(
        "--load",
        type=int,
        nargs="?",
        const=1_000_000,
        metavar="TERMS",
        help="measure loading a generated list of TERMS terms instead (default 1,000,000)",
    )
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    if args.load is not None:
        print(pinned)
        return bench_load(args.load, args.seed)
    try:
        terms, left_out = load_terms(args.data, args.terms)
        comments = load_comments(args.comments, args.seed, args.data)
    except SharedDataMissingError as error:
        print(f"bench_rules_words: {error}", file=sys.stderr)
        return 2
    characters = sum(len(comment.body) for comment in comments) / len(comments)
    print(
        f"{len(comments):,} comments (mean {characters:.0f} characters, seed {args.seed}),"
        f" {len(terms):,} terms ({left_out} list entries with a * inside left out); {pinned}"
    )

    started = time.perf_counter()
    rule = WordListRule(id="bench", terms=tuple(terms))
    built = time.perf_counter() - started
    passes = [time_rule(rule, comments) for _ in range(args.repeat)]
    cold, flagged = passes[0]
    best = min(seconds for seconds, _ in passes)
    # The matcher's prefilter alone: the share of comments that go on to the precise matcher.
    looked = sum(1 for comment in comments if rule.matcher.look(comment.body))
    print(
        f"rule built in {built:.2f} s; passes: "
        + ", ".join(f"{len(comments) / seconds:,.0f}/s" for seconds, _ in passes)
        + f"; {flagged:,} comments flagged ({flagged / len(comments):.1%}),"
        f" {looked / len(comments):.1%} past the RE2 prefilter"
    )

    sample = random.Random(args.seed).sample(comments, min(args.naive_sample, len(comments)))
    started = time.perf_counter()
    alternation = naive_alternation(terms)
    naive = re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)
    naive_built = time.perf_counter() - started
    naive_seconds, naive_flagged = time_naive(naive, sample)
    naive_rate = len(sample) / naive_seconds
    rule_on_sample = sum(1 for comment in sample if rule.check(comment, RuleContext()))
    print(
        f"naive re built in {naive_built:.2f} s; on {len(sample):,} of the comments it flags"
        f" {naive_flagged:,}, the rule {rule_on_sample:,} (disguises, phrases, whole words)"
    )

    steady = len(comments) / best
    first = len(comments) / cold
    print_table(
        [
            ("measured", "comments/s", "naive re (same run)", "ratio", "target", "verdict"),
            (
                "word list, best pass",
                f"{steady:,.0f}",
                f"{naive_rate:,.0f}",
                f"{steady / naive_rate:,.0f}x",
                f">= {TARGET_RATE:,}",
                verdict(steady >= TARGET_RATE),
            ),
            (
                "word list, first pass",
                f"{first:,.0f}",
                f"{naive_rate:,.0f}",
                f"{first / naive_rate:,.0f}x",
                "(builds RE2's DFA)",
                "",
            ),
        ]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
