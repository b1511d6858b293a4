"""Measures the rule engine on realistic comments: word lists alone, and a full rule set.

Comments: 100,000 from the corpus generator (``make_corpus.iter_articles``: about 80% Globe and
Mail reader comments, 10% Davidson tweets, 10% Stormfront posts; real and generated authors; a
hundred articles whose comments interleave, checked in posting order; seeded).

Rule sets, written as TOML into a temporary folder and read with the real loader:

* word lists alone: one ``words`` rule of 2,000 terms (built as ``bench_rules_words`` builds
  them: the surge-ai list, then LDNOOBW, then plural and -ing variants; entries with a ``*``
  inside left out), the terms file written next to the TOML, never into the repository;
* the full set: that list, 20 regex rules (phone numbers, e-mail addresses, postal codes,
  "you are a ...", threats, money and spam phrases, repeated words ...), links, shouting,
  repeats, length, and every behavioural kind: an author watch list, first comments, author
  history (from a seeded fake history), bursts and campaigns.

Both run through ``RuleEngine.check_all`` on one core (the process is pinned to one CPU where
the OS allows), ``--repeat`` passes each; the first pass also pays for RE2's automata, the best
pass shows the steady state.

The naive approach, measured in the same run on a subsample: one big alternation in Python's
``re`` — ``\\b(?:t1|t2|...)\\b`` for the word list, and the same with the 20 regex patterns
alternated in for the full set — with ``findall`` on each comment. It only reads text: no
links, shouting, repeats, length or behaviour, and no explanations; the full set does all that.

Run it (from the repository root)::

    .venv/bin/python bench/bench_rules.py
    .venv/bin/python bench/bench_rules.py --comments 20000  # quicker

The classifier rule (the optional ``ml`` extra): the default rule set with it enabled, over the
distinct bodies (no replays to flatter it) through ``check_all``, which hands the model a
batch of comments at a time; beside it, in the same run, the same engine asked one comment
at a time on a subsample (how the rule ran before it was batched). Skipped, saying why, when
the extra is not installed.

It prints a table with PASS/FAIL against 200,000 comments/s (word lists), 50,000 comments/s
(full set) and 20,000 comments/s (default set with the classifier) and always exits 0 after
printing (2 when the shared data is absent).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_rules_words import TERMS, load_terms, naive_alternation, pin_to_one_core, time_naive
from make_corpus import SHARED_DATA, SharedDataMissingError, iter_articles
from report import print_table, verdict

import moderator.rules.kinds  # noqa: F401  (registers the built-in rule kinds)
from moderator.rules.engine import RuleEngine
from moderator.rules.loader import load_rule_set
from moderator.rules.model import AuthorHistory, CommentSnapshot, Hit, RuleSet
from moderator.settings import DEFAULT_RULE_SET

WORDS_TARGET = 200_000
FULL_TARGET = 50_000
CLASSIFIER_TARGET = 20_000
# Comments asked one at a time for the reference (about 9 ms each).
ONE_BY_ONE = 300
PER_ARTICLE = 1_000
# A time before any comment, for sorting (the corpus dates every comment).
_BEFORE_ALL = datetime.min.replace(tzinfo=UTC)

# Moderation patterns a desk would write, in the syntax RE2 and Python's re share (no
# look-around, no backreferences, no inline flags: both engines run them case-insensitively).
REGEXES: tuple[tuple[str, str], ...] = (
    ("phone", r"\b(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]\d{4}\b"),
    ("email", r"\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"),
    ("postal-code", r"\b[abceghj-nprstvxy]\d[abceghj-nprstv-z] ?\d[abceghj-nprstv-z]\d\b"),
    ("card-number", r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b"),
    (
        "you-are-a",
        r"\b(?:you'?re|you\s+are|ur|u\s+r)\s+(?:(?:such|just|really|a|an|the|complete|total"
        r"|absolute|utter)\s+)+(?:idiot|moron|imbecile|loser|troll|clown|fool|liar|hypocrite"
        r"|shill|coward|bigot|racist|joke|disgrace|nutjob|sheep)s?\b",
    ),
    (
        "threat",
        r"\b(?:i|we)(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to|\s+gonna)\s+"
        r"(?:kill|hurt|find|shoot|beat|destroy)\s+(?:you|u|him|her|them|your\s+family)\b",
    ),
    (
        "death-wish",
        r"\b(?:hope\s+(?:you|u|he|she|they)\s+(?:die|dies|rots?|burns?)|kill\s+(?:yourself"
        r"|urself|yourselves)|kys)\b",
    ),
    ("doxxing", r"\b(?:i\s+know\s+where\s+you\s+live|your\s+(?:home\s+)?address\s+is)\b"),
    (
        "dehumanising",
        r"\b(?:these|those|all)\s+(?:people|immigrants|refugees|muslims|jews|liberals"
        r"|conservatives|lefties|blacks|whites)\s+are\s+(?:animals|vermin|parasites|subhuman"
        r"|cockroaches|rats|savages|trash|garbage)\b",
    ),
    (
        "money-rate",
        r"(?:\$\s?\d[\d,]*|\d[\d,]*\s?(?:dollars|usd|bucks))\s*(?:per|a|an|every|/)\s*"
        r"(?:hour|day|week|month)\b",
    ),
    (
        "work-from-home",
        r"\b(?:work(?:ing)?\s+(?:from|at)\s+home|make\s+money\s+(?:online|fast|from\s+home)"
        r"|earn(?:ed|ing)?\s+(?:up\s+to\s+)?\$\s?\d)",
    ),
    (
        "spam-offer",
        r"\b(?:100%\s+(?:free|guaranteed)|limited\s+time\s+offer|act\s+now|risk[\s-]free"
        r"|double\s+your\s+money|no\s+credit\s+check|free\s+(?:iphone|gift\s*cards?|followers))\b",
    ),
    (
        "crypto-scheme",
        r"\b(?:bitcoin|crypto|forex|binary\s+options?)\s+(?:investment|trading|opportunity"
        r"|profits?|signals?|expert)\b",
    ),
    ("pharma", r"\b(?:viagra|cialis|xanax|oxycontin|tramadol|valium|phentermine)\b"),
    (
        "call-to-action",
        r"\b(?:click|visit|check\s+out)\s+(?:here|my\s+(?:profile|page|site|channel|website|bio)"
        r"|this\s+link|the\s+link\s+below)\b",
    ),
    ("contact-me", r"\b(?:whats\s*app|telegram\s+me|dm\s+me|text\s+me\s+at|contact\s+me\s+at)\b"),
    ("spelled-link", r"\b[a-z0-9-]+\s*[(\[]?\s*dot\s*[)\]]?\s*(?:com|net|org|ca|info)\b"),
    (
        "laughing",
        r"\b(?:lol|ha|haha|hahaha|lmao|rofl)(?:[\s!.,]+(?:lol|ha|haha|hahaha|lmao|rofl)){2,}\b",
    ),
    (
        "repeated-words",
        r"\b(?:very|so|really|no|never|wrong|shame|stop|sad|lies)(?:[\s,!.]+(?:very|so|really"
        r"|no|never|wrong|shame|stop|sad|lies)){2,}\b",
    ),
    ("shill", r"\b(?:paid|russian|liberal|tory|government|party)\s+(?:shill|troll|bot)s?\b"),
)
# A watch list: a few of the authors who write most, as a desk would watch its regulars.
WATCHED = 5


@dataclass(frozen=True, slots=True)
class FakeHistory:
    """A seeded history for every author: stored comments, decisions and recent times.

    Looked up in dictionaries, as a real history would be after one query per run.
    """

    counts: dict[str, int]
    decided: dict[str, tuple[int, int]]
    times: dict[str, tuple[datetime, ...]]

    @classmethod
    def build(cls, authors: Sequence[str], start: datetime, seed: int) -> FakeHistory:
        rng = random.Random(seed)
        counts: dict[str, int] = {}
        decided: dict[str, tuple[int, int]] = {}
        times: dict[str, tuple[datetime, ...]] = {}
        for author in authors:
            # One author in four is new here; the others have a few to a few hundred comments.
            count = 0 if rng.random() < 0.25 else int(rng.paretovariate(1.2) * 3)
            counts[author] = count
            hidden = rng.randint(0, count // 3) if count else 0
            approved = rng.randint(0, count - hidden) if count else 0
            decided[author] = (hidden, approved)
            recent = sorted(start - timedelta(minutes=rng.randint(1, 600)) for _ in range(count))
            times[author] = tuple(recent[-20:])
        return cls(counts, decided, times)

    def comment_count(self, author: str) -> int:
        return self.counts.get(author, 0)

    def decisions(self, author: str) -> tuple[int, int]:
        return self.decided.get(author, (0, 0))

    def recent_times(self, author: str) -> Sequence[datetime]:
        return self.times.get(author, ())


def load_comments(count: int, seed: int, data_dir: Path) -> list[CommentSnapshot]:
    """``count`` comments under several articles, with ids, in posting order."""
    articles = iter_articles(
        articles=-(-count // PER_ARTICLE),
        comments_per_article=PER_ARTICLE,
        seed=seed,
        data_dir=data_dir,
    )
    comments = [
        CommentSnapshot(
            body=comment.body,
            author=comment.author,
            posted_at=comment.posted_at,
            article_id=article_id,
        )
        for article_id, article in enumerate(articles, start=1)
        for comment in article.comments
    ][:count]
    # Articles overlap in time: the desk sees their comments interleaved, oldest first.
    comments.sort(key=lambda comment: comment.posted_at or _BEFORE_ALL)
    return [
        CommentSnapshot(
            body=comment.body,
            author=comment.author,
            posted_at=comment.posted_at,
            id=number,
            article_id=comment.article_id,
        )
        for number, comment in enumerate(comments, start=1)
    ]


def _toml_string(text: str) -> str:
    """A TOML literal string (no escapes) for a pattern."""
    if "'''" in text or "\n" in text:
        raise ValueError(f"cannot write {text!r} as a TOML literal string")
    return f"'''{text}'''"


WORDS_TOML = """\
[[rule]]
id = "words"
kind = "words"
description = "Profanity and slurs (2,000 terms)"
severity = "medium"
action = "flag"
terms_file = "terms.txt"
"""

REST_TOML = """\
[[rule]]
id = "links"
kind = "links"
threshold = 3

[[rule]]
id = "shouting"
kind = "shouting"
severity = "low"
threshold = 0.7
min_length = 20

[[rule]]
id = "repeats"
kind = "repeats"
severity = "low"

[[rule]]
id = "length"
kind = "length"
severity = "low"
min = 2
max = 5000

[[rule]]
id = "watched"
kind = "author_list"
list = "watch"
names = [{names}]

[[rule]]
id = "first-comment"
kind = "first_comment"
severity = "low"

[[rule]]
id = "author-history"
kind = "author_history"
threshold = 0.5
min_decided = 4

[[rule]]
id = "burst"
kind = "burst"
count = 5
minutes = 10

[[rule]]
id = "campaign"
kind = "campaign"
"""


def write_rule_sets(
    folder: Path, terms: Sequence[str], watched: Sequence[str]
) -> tuple[Path, Path]:
    """(word lists alone, full set): TOML files in ``folder``, with the terms file beside them."""
    (folder / "terms.txt").write_text("".join(f"{term}\n" for term in terms), encoding="utf-8")
    words = folder / "words.toml"
    words.write_text(f'[ruleset]\nname = "Word lists"\n\n{WORDS_TOML}', encoding="utf-8")
    regexes = "".join(
        f'\n[[rule]]\nid = "{name}"\nkind = "regex"\npattern = {_toml_string(pattern)}\n'
        for name, pattern in REGEXES
    )
    names = ", ".join(f'"{name}"' for name in watched)
    full = folder / "full.toml"
    full.write_text(
        f'[ruleset]\nname = "Full"\n\n{WORDS_TOML}{regexes}\n{REST_TOML.format(names=names)}',
        encoding="utf-8",
    )
    return words, full


def time_engine(
    engine: RuleEngine, comments: Sequence[CommentSnapshot]
) -> tuple[float, Counter[str]]:
    """(seconds, hits by rule) for one run over the comments (counted once the clock stops)."""
    kept: list[list[Hit]] = []
    started = time.perf_counter()
    for _, found in engine.check_all(comments):
        if found:
            kept.append(found)
    seconds = time.perf_counter() - started
    return seconds, Counter(hit.rule_id for found in kept for hit in found)


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    rules: int
    passes: list[float]
    hits: Counter[str]
    naive_rate: float


def measure(
    label: str,
    rule_set: RuleSet,
    *,
    history: AuthorHistory,
    comments: Sequence[CommentSnapshot],
    naive: re.Pattern[str],
    sample: Sequence[CommentSnapshot],
    repeat: int,
) -> Measured:
    engine = RuleEngine(rule_set, history=history)
    if engine.unavailable:
        raise RuntimeError(f"rules unavailable here: {dict(engine.unavailable)}")
    passes: list[float] = []
    hits: Counter[str] = Counter()
    for _ in range(repeat):
        seconds, hits = time_engine(engine, comments)
        passes.append(seconds)
    naive_seconds, _ = time_naive(naive, sample)
    return Measured(label, len(engine.rules), passes, hits, len(sample) / naive_seconds)


def with_classifier() -> RuleSet:
    """The default rule set with its classifier rule enabled."""
    default = load_rule_set(DEFAULT_RULE_SET)
    rules = tuple(
        replace(rule, enabled=True) if rule.kind == "classifier" else rule for rule in default.rules
    )
    return RuleSet(default.name, rules, default.version, default.source)


def classifier_rows(
    comments: Sequence[CommentSnapshot],
    distinct: Sequence[CommentSnapshot],
    history: AuthorHistory,
    repeat: int,
) -> list[tuple[str, ...]]:
    """Rows for the default set with the classifier, batched, over the comments as they
    come (as the other rows) and over distinct bodies; beside each, the same engine asked
    one comment at a time, without the batches."""
    rule_set = with_classifier()
    rows: list[tuple[str, ...]] = []
    for label, run in (("", comments), (", distinct bodies", distinct)):
        engine = RuleEngine(rule_set, history=history)
        if "classifier" in engine.unavailable:
            print(f"classifier rule not measured: {engine.unavailable['classifier']}")
            return []
        passes = [time_engine(engine, run)[0] for _ in range(repeat)]
        best = len(run) / min(passes)
        engine.reset()
        asked = [comment.body for comment in run[:ONE_BY_ONE]]
        started = time.perf_counter()
        for body in asked:
            # What each check did before the engine handed the rule batches.
            engine.rules[[rule.kind for rule in engine.rules].index("classifier")].prime([body])
        one_rate = len(asked) / (time.perf_counter() - started)
        rows.append(
            (
                f"default set + classifier{label}",
                f"{best:,.0f}",
                f"{one_rate:,.0f} (model one at a time)",
                f"{best / one_rate:,.0f}x",
                f">= {CLASSIFIER_TARGET:,}" if not label else "(no body repeats)",
                verdict(best >= CLASSIFIER_TARGET) if not label else "",
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000, help="comments to check")
    parser.add_argument("--terms", type=int, default=TERMS, help="terms in the word list")
    parser.add_argument("--naive-sample", type=int, default=1_000, help="comments for re")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each rule set")
    parser.add_argument("--seed", type=int, default=1, help="corpus, history and sample seed")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    try:
        terms, left_out = load_terms(args.data, args.terms)
        comments = load_comments(args.comments, args.seed, args.data)
    except SharedDataMissingError as error:
        print(f"bench_rules: {error}", file=sys.stderr)
        return 2
    authors = Counter(comment.author for comment in comments)
    first = comments[0].posted_at or _BEFORE_ALL
    history = FakeHistory.build(sorted(authors), first, args.seed)
    watched = [author for author, _ in authors.most_common(WATCHED)]
    characters = sum(len(comment.body) for comment in comments) / len(comments)
    articles = len({comment.article_id for comment in comments})
    print(
        f"{len(comments):,} comments (mean {characters:.0f} characters, {len(authors):,} authors,"
        f" {articles} articles, seed {args.seed}), {len(terms):,} terms ({left_out} list entries"
        f" with a * inside left out), {len(REGEXES)} regex rules; {pinned}"
    )

    with tempfile.TemporaryDirectory(prefix="bench_rules-") as folder:
        words_path, full_path = write_rule_sets(Path(folder), terms, watched)
        started = time.perf_counter()
        words_set = load_rule_set(words_path)
        full_set = load_rule_set(full_path)
        loaded = time.perf_counter() - started
    print(f"rule sets loaded in {loaded:.2f} s ({len(full_set.rules)} rules in the full set)")

    sample = random.Random(args.seed).sample(comments, min(args.naive_sample, len(comments)))
    alternation = naive_alternation(terms)
    naive_words = re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)
    patterns = "|".join(f"(?:{pattern})" for _, pattern in REGEXES)
    naive_full = re.compile(rf"\b(?:{alternation})\b|{patterns}", re.IGNORECASE)

    results = [
        measure(
            label,
            rule_set,
            history=history,
            comments=comments,
            naive=naive,
            sample=sample,
            repeat=args.repeat,
        )
        for label, rule_set, naive in (
            ("word lists", words_set, naive_words),
            ("full set", full_set, naive_full),
        )
    ]
    # The generator draws from a few thousand real comments, so bodies repeat and the engine
    # replays their text hits; the same run over each body once shows the cost without that.
    distinct = list({comment.body: comment for comment in reversed(comments)}.values())[::-1]
    distinct.sort(key=lambda comment: comment.posted_at or _BEFORE_ALL)
    unique = measure(
        "full set",
        full_set,
        history=history,
        comments=distinct,
        naive=naive_full,
        sample=sample,
        repeat=args.repeat,
    )
    print(
        f"{len(distinct):,} distinct bodies: {1 - len(distinct) / len(comments):.0%} of the"
        " comments repeat an earlier body"
    )
    for result in results:
        rates = ", ".join(f"{len(comments) / seconds:,.0f}/s" for seconds in result.passes)
        flagged = sum(result.hits.values())
        rules = f"{result.rules} rule" + ("" if result.rules == 1 else "s")
        print(f"{result.label} ({rules}): passes {rates}; {flagged:,} hits")
    full_hits = results[1].hits
    print(
        "full set hits by rule: "
        + ", ".join(f"{rule} {count:,}" for rule, count in sorted(full_hits.items()))
    )

    rows: list[tuple[str, ...]] = [
        ("measured", "comments/s", "naive re (same run)", "ratio", "target", "verdict")
    ]
    for result, target in zip(results, (WORDS_TARGET, FULL_TARGET), strict=True):
        best = len(comments) / min(result.passes)
        cold = len(comments) / result.passes[0]
        rows.append(
            (
                f"{result.label}, best pass",
                f"{best:,.0f}",
                f"{result.naive_rate:,.0f}",
                f"{best / result.naive_rate:,.0f}x",
                f">= {target:,}",
                verdict(best >= target),
            )
        )
        rows.append(
            (
                f"{result.label}, first pass",
                f"{cold:,.0f}",
                f"{result.naive_rate:,.0f}",
                f"{cold / result.naive_rate:,.0f}x",
                "(builds RE2's DFA)",
                "",
            )
        )
    best = len(distinct) / min(unique.passes)
    rows.append(
        (
            "full set, distinct bodies",
            f"{best:,.0f}",
            f"{unique.naive_rate:,.0f}",
            f"{best / unique.naive_rate:,.0f}x",
            "(no body repeats)",
            "",
        )
    )
    rows += classifier_rows(comments, distinct, history, args.repeat)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
