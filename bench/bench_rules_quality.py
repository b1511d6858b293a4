"""Measures how well rules pick out offensive text: precision, recall and F1 on labelled sets.

Three ways of flagging, side by side on the same texts:

* (a) the default rule set (``resources/rules/default.toml``, or ``--rules FILE``), its text
  rules only: behavioural rules (first comment, bursts, campaigns, author history) need author
  history and neighbouring comments, which labelled sentences do not have, so they are left out
  and named; a text is flagged when any remaining rule hits it;
* (b) the surge-ai profanity list (../shared/data/wordlists/surge-ai/profanity_en.csv, column
  ``text``) loaded through our word-list rule (whole words, disguises seen through); entries with
  a ``*`` inside ("c*nt") are refused by the rule, so they are left out and counted;
* (c) the same terms as plain case-insensitive substrings: WordPress's disallowed-keys method
  (``preg_match("#$word#iu", ...)``), which blocks "class" for "ass".

Labelled sets (read at run time from ../shared/data, never copied into the repository):

* Davidson et al. 2017 tweets (``corpus/davidson/labeled_tune.csv``): flag = hate (0) or
  offensive (1), 2 = neither; HTML entities in the tweets are unescaped;
* Stormfront sentences (``corpus/stormfront/sentences_tune.csv``): flag = ``hate``, against
  ``noHate``; the few sentences labelled ``relation`` or ``idk/skip`` are left out.

Ours must beat (c) on F1 (a PASS/FAIL per corpus for (a) and for (b)). Then:

* innocent words ("Scunthorpe", "assessment", "class", ...) must be flagged by neither (a) nor
  (b); each is shown with what (c) makes of it;
* real news comments (``corpus/globeandmail/comments_csv/*.csv``, column ``text``, deduplicated,
  the scrape's "This comment has been deleted" placeholders left out): the flag rate of each
  method, a per-rule breakdown of (a), and a seeded sample of what (a) flags, so that
  over-flagging of ordinary argument shows; where a file carries the site's moderation
  ``status``, how the flags line up with it.

Run it (from the repository root)::

    .venv/bin/python bench/bench_rules_quality.py
    .venv/bin/python bench/bench_rules_quality.py --rules my-rules.toml --sample 30

It exits 2 if the shared data is absent, and otherwise 0 after printing.
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_rules_words import accepted_terms, read_surge_list
from make_corpus import SHARED_DATA, SharedDataMissingError
from report import print_table, verdict
from wordlist_checks import (
    EVERYDAY as EVERYDAY_FORMS,
)
from wordlist_checks import (
    INNOCENT,
    LEET_FOR,
    QUOTED,
    coverage,
    entries,
    hide_precision,
    leet_variants,
    listed_words,
    pooled,
    read_canonical,
    singular,
)

import moderator.rules.kinds  # noqa: F401  (registers the built-in rule kinds)
from moderator.rules.engine import RuleEngine
from moderator.rules.loader import LoadError, load_rule_set
from moderator.rules.model import CommentSnapshot, Hit, RuleAction, RuleContext
from moderator.rules.tables import quote
from moderator.rules.words import WordListRule
from moderator.settings import DEFAULT_RULE_SET

_DAVIDSON = Path("corpus/davidson/labeled_tune.csv")
_STORMFRONT = Path("corpus/stormfront/sentences_tune.csv")
_NEWS = Path("corpus/globeandmail/comments_csv")
_SURGE = Path("wordlists/surge-ai/profanity_en.csv")
# What the scrape left where a comment was removed: not a comment anybody wrote.
_TOMBSTONE = "This comment has been deleted"
# News comments shown as a sample, and how much of each.
_SAMPLE = 15
_SHOWN = 160


class Flagger:
    """One way of flagging a text: ``hits`` says why (empty: not flagged)."""

    name: str

    def hits(self, text: str) -> list[str]:
        raise NotImplementedError


class DefaultSet(Flagger):
    """(a): the text rules of a rule set, through the engine."""

    def __init__(self, path: Path) -> None:
        self.rule_set = load_rule_set(path)
        self.engine = RuleEngine(self.rule_set, include_behavioural=False)
        self.name = f"(a) {self.rule_set.name} rule set, text rules"
        self.rule_ids = tuple(rule.id for rule in self.engine.rules)

    def rule_hits(self, text: str) -> list[Hit]:
        return self.engine.check(CommentSnapshot(text))

    def hits(self, text: str) -> list[str]:
        return [_evidence(hit) for hit in self.rule_hits(text)]


class ListRule(Flagger):
    """(b): the list's terms through our word-list rule."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.rule = WordListRule(id="surge-ai", terms=tuple(terms))
        self.context = RuleContext()
        self.name = "(b) surge-ai list, our word-list rule"

    def hits(self, text: str) -> list[str]:
        return [hit.matched or "" for hit in self.rule.check(CommentSnapshot(text), self.context)]


class Substrings(Flagger):
    """(c): each term anywhere in the text, ignoring case (WordPress's disallowed keys)."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = tuple(dict.fromkeys(term.casefold() for term in terms))
        self.name = "(c) surge-ai list, plain substrings"

    def flags(self, text: str) -> bool:
        folded = text.casefold()
        return any(term in folded for term in self.terms)

    def hits(self, text: str) -> list[str]:
        folded = text.casefold()
        return [term for term in self.terms if term in folded]


def _evidence(hit: Hit) -> str:
    """A hit in a few words: "insults: 'idiot'", "shouting: 85% capitals, limit 70%"."""
    if hit.matched is not None:
        return f"{hit.rule_id}: {' '.join(hit.matched.split())!r}"
    return f"{hit.rule_id}: {hit.explanation}"


@dataclass(frozen=True, slots=True)
class Labelled:
    """A labelled corpus: texts and whether each should be flagged."""

    name: str
    texts: tuple[str, ...]
    labels: tuple[bool, ...]
    note: str


@dataclass(frozen=True, slots=True)
class Scores:
    flagged: int
    true_positives: int
    positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 0.0

    @property
    def f1(self) -> float:
        both = self.precision + self.recall
        return 2 * self.precision * self.recall / both if both else 0.0


def score(flags: Sequence[bool], labels: Sequence[bool]) -> Scores:
    return Scores(
        flagged=sum(flags),
        true_positives=sum(1 for flag, label in zip(flags, labels, strict=True) if flag and label),
        positives=sum(labels),
    )


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def require(data_dir: Path) -> None:
    paths = (data_dir / _DAVIDSON, data_dir / _STORMFRONT, data_dir / _NEWS, data_dir / _SURGE)
    missing = [str(path) for path in paths if not path.exists()]
    if missing or not any((data_dir / _NEWS).glob("*.csv")):
        raise SharedDataMissingError(
            f"the shared data is absent: {', '.join(missing) or str(data_dir / _NEWS / '*.csv')}"
            f" not found. This benchmark reads it at run time from {data_dir}"
            " (../shared/data next to the repository); it is never copied into the repository."
        )


def load_davidson(data_dir: Path) -> Labelled:
    rows = [
        (row["class"].strip(), html.unescape(row["tweet"])) for row in _rows(data_dir / _DAVIDSON)
    ]
    counts = Counter(label for label, _ in rows)
    return Labelled(
        name="Davidson tweets",
        texts=tuple(text for _, text in rows),
        labels=tuple(label in {"0", "1"} for label, _ in rows),
        note=f"{counts['0']:,} hate + {counts['1']:,} offensive flagged, {counts['2']:,} neither",
    )


def load_stormfront(data_dir: Path) -> Labelled:
    rows = [(row["label"].strip(), row["text"]) for row in _rows(data_dir / _STORMFRONT)]
    kept = [(label, text) for label, text in rows if label in {"hate", "noHate"}]
    counts = Counter(label for label, _ in kept)
    others = Counter(label for label, _ in rows if label not in {"hate", "noHate"})
    left_out = ", ".join(f"{count} {label!r}" for label, count in sorted(others.items()))
    return Labelled(
        name="Stormfront sentences",
        texts=tuple(text for _, text in kept),
        labels=tuple(label == "hate" for label, _ in kept),
        note=f"{counts['hate']:,} hate flagged, {counts['noHate']:,} noHate"
        + (f"; left out: {left_out}" if left_out else ""),
    )


@dataclass(frozen=True, slots=True)
class News:
    """Distinct real news comments, and the site's decisions where a file records them."""

    texts: tuple[str, ...]
    files: int
    rows: int
    placeholders: int
    statuses: tuple[tuple[str, str], ...]  # (status, text) for every row of a file with one
    status_file: str | None


def _same(text: str) -> str:
    """What two copies of one comment share: the files differ in quotes, spaces, "..." and "…"."""
    return "".join(char for char in text.casefold() if char.isalnum())


def load_news(data_dir: Path) -> News:
    texts: dict[str, str] = {}
    rows = placeholders = 0
    statuses: list[tuple[str, str]] = []
    status_file = None
    files = sorted((data_dir / _NEWS).glob("*.csv"))
    for path in files:
        for row in _rows(path):
            rows += 1
            # The scrape keeps HTML entities (&quot;); a moderator reads the characters.
            text = html.unescape(row.get("text") or "").strip()
            if "status" in row:
                status_file = path.name
                statuses.append(((row["status"] or "").strip() or "(none)", text))
            if text == _TOMBSTONE:
                placeholders += 1
            elif text:
                texts.setdefault(_same(text), text)
    return News(tuple(texts.values()), len(files), rows, placeholders, tuple(statuses), status_file)


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _excerpt(text: str, hits: Sequence[Hit], width: int = _SHOWN) -> str:
    """About ``width`` characters of ``text`` on one line: its start, or, when the first hit
    lies further on, the stretch around that hit."""
    spans = [span for hit in hits for span in hit.spans]
    start = min(spans)[0] if spans else 0
    if start + 40 <= width:
        return quote(text, width)
    begin = start - width // 3
    return "…" + quote(text[begin:], width - 1).lstrip()


def _flags(flagger: Callable[[str], bool], texts: Iterable[str]) -> list[bool]:
    return [flagger(text) for text in texts]


def compare(
    corpus: Labelled, default: DefaultSet, ours: ListRule, substrings: Substrings
) -> tuple[list[list[Hit]], dict[str, Scores]]:
    """Print the corpus's table; return (a)'s hits per text and every method's scores."""
    started = time.perf_counter()
    default_hits = [default.rule_hits(text) for text in corpus.texts]
    flags = {
        default.name: [bool(hits) for hits in default_hits],
        ours.name: _flags(lambda text: bool(ours.hits(text)), corpus.texts),
        substrings.name: _flags(substrings.flags, corpus.texts),
    }
    scores = {name: score(flagged, corpus.labels) for name, flagged in flags.items()}
    positives = sum(corpus.labels)
    print(
        f"\n{corpus.name}: {len(corpus.texts):,} texts, {positives:,} to flag"
        f" ({_rate(positives, len(corpus.texts))}; {corpus.note});"
        f" measured in {time.perf_counter() - started:.1f} s"
    )
    baseline = scores[substrings.name].f1
    rows = [("method", "flagged", "true pos.", "precision", "recall", "F1", "F1 beats (c)")]
    for name, result in scores.items():
        beats = "" if name == substrings.name else verdict(result.f1 > baseline)
        rows.append(
            (
                name,
                f"{result.flagged:,}",
                f"{result.true_positives:,}",
                f"{result.precision:.3f}",
                f"{result.recall:.3f}",
                f"{result.f1:.3f}",
                beats,
            )
        )
    print_table(rows)
    # F1 rewards flagging more when few texts are to be flagged: flagging all is the floor.
    everything = score([True] * len(corpus.labels), corpus.labels)
    print(
        f"(flagging every text: precision {everything.precision:.3f}, recall 1.000,"
        f" F1 {everything.f1:.3f})"
    )
    return default_hits, scores


def per_rule(
    rule_ids: Sequence[str],
    labelled: Sequence[tuple[Labelled, list[list[Hit]]]],
    news_hits: Sequence[list[Hit]],
) -> None:
    """Hits of each rule of (a): on each labelled set (with the share that should be flagged)
    and on the news comments (with the share of comments)."""
    header = ["rule of (a)"]
    for corpus, _ in labelled:
        header += [f"{corpus.name.split()[0]} hits", "precision"]
    header += ["news hits", "news rate"]
    rows = [tuple(header)]
    for rule_id in rule_ids:
        row = [rule_id]
        for corpus, hits in labelled:
            fired = [
                label
                for label, found in zip(corpus.labels, hits, strict=True)
                if any(hit.rule_id == rule_id for hit in found)
            ]
            row += [f"{len(fired):,}", f"{sum(fired) / len(fired):.3f}" if fired else "-"]
        news = sum(1 for found in news_hits if any(hit.rule_id == rule_id for hit in found))
        row += [f"{news:,}", _rate(news, len(news_hits))]
        rows.append(tuple(row))
    print_table(rows)


def innocent_words(default: DefaultSet, ours: ListRule, substrings: Substrings) -> bool:
    """Print each innocent word with what each method makes of it; True if (a) and (b) pass."""
    rows = [("innocent word", "(a) default set", "(b) our rule, surge-ai", "(c) substrings")]
    clean = True
    caught_by_c = 0
    for word in INNOCENT:
        by_default, by_ours, by_substring = (
            default.hits(word),
            ours.hits(word),
            substrings.hits(word),
        )
        clean = clean and not by_default
        caught_by_c += bool(by_substring)
        shown = ", ".join(repr(term) for term in by_substring[:4])
        more = len(by_substring) - 4
        rows.append(
            (
                word,
                "; ".join(by_default) or "clean",
                ", ".join(repr(found) for found in by_ours) or "clean",
                ("FLAGS " + shown + (f" +{more}" if more > 0 else "")) if by_substring else "clean",
            )
        )
    caught_by_b = sum(row[2] != "clean" for row in rows[1:])
    print(f"\nInnocent words, names and places ({len(INNOCENT)}): the default set flags none")
    print_table(rows)
    print(
        f"(a) flags none of them: {verdict(clean)}; (b), with no allowed phrases, flags"
        f" {caught_by_b}; (c) flags {caught_by_c} of the {len(INNOCENT)}"
    )
    return clean


COVERAGE_TARGET = 0.90
# A canonical form behind this many entries of the list (spellings, plurals) is a common one.
COMMON_ENTRIES = 2
LEET_TARGET = 0.95
HIDE_PRECISION_TARGET = 0.95


def coverage_report(default: DefaultSet, data_dir: Path) -> bool:
    """How many of the surge-ai list's canonical forms the default set flags, written alone,
    per category (everyday and identity words left out, named)."""
    forms = read_canonical(data_dir / _SURGE)

    def flagged(text: str) -> bool:
        return bool(default.rule_hits(text))

    rows, total = coverage(forms, flagged)
    common = [form for form in forms if form.entries >= COMMON_ENTRIES]
    _, common_total = coverage(common, flagged)
    table = [("category", "covered", "share", "not covered")]
    for row in [*rows, total]:
        missing = ", ".join(row.missing[:8]) + (" …" if len(row.missing) > 8 else "")
        table.append((row.category, f"{row.covered}/{row.total}", f"{row.share:.0%}", missing))
    left_out = sum(form.form in EVERYDAY_FORMS for form in forms)
    print(
        f"\nCoverage of the surge-ai list: {len(forms)} canonical forms; {left_out} everyday or"
        " identity words left out (see bench/wordlist_checks.py EVERYDAY)"
    )
    print_table(table)
    passed = common_total.share >= COVERAGE_TARGET
    print(
        f"the common ones ({common_total.total}, each behind {COMMON_ENTRIES} or more of the"
        f" list's entries): {common_total.covered} covered, {common_total.share:.0%}"
        f" (target >= {COVERAGE_TARGET:.0%}): {verdict(passed)}"
        + (f"; not covered: {', '.join(common_total.missing)}" if common_total.missing else "")
    )
    return passed


def leet_report(default: DefaultSet) -> bool:
    """Every single word of the default lists written with digits and symbols for letters
    (``LEET_FOR``): the share the default set still sees."""
    words = listed_words(
        term
        for rule in default.rule_set.rules
        if isinstance(rule, WordListRule)
        for term in entries(rule)
    )
    seen = missed = 0
    misses: list[str] = []
    for word in words:
        for variant in leet_variants(word):
            if default.rule_hits(variant):
                seen += 1
            else:
                missed += 1
                misses.append(variant)
    share = seen / (seen + missed) if seen + missed else 1.0
    stand_ins = ", ".join(f"{chars} {letter}" for letter, chars in LEET_FOR.items())
    print(
        f"\nLeetspeak ({stand_ins}): {seen + missed:,} ways of writing the {len(words)} listed"
        f" words; seen through {share:.1%} (target >= {LEET_TARGET:.0%}):"
        f" {verdict(share >= LEET_TARGET)}"
    )
    if misses:
        print(
            f"missed ({len(misses)}): {', '.join(misses[:30])}" + (" …" if len(misses) > 30 else "")
        )
    return share >= LEET_TARGET


def hide_report(default: DefaultSet, corpora: Sequence[Labelled]) -> bool:
    """Each word the default set hides on its own, with how often the texts it hid on the
    tuning sets should be flagged (pooled over the sets); and the quoting check."""
    terms = [
        term
        for rule in default.rule_set.rules
        if isinstance(rule, WordListRule) and rule.action is RuleAction.HIDE
        for term in entries(rule)
    ]
    found = pooled((hide_precision(c.texts, c.labels, default.rule_hits) for c in corpora), terms)
    rows = [("auto-hidden word", "right / hidden", "precision", "verdict")]
    passed = True
    for precision in sorted(found.values(), key=lambda p: (p.share, -p.hits)):
        ok = precision.share >= HIDE_PRECISION_TARGET
        passed &= ok
        rows.append(
            (
                precision.term,
                f"{precision.right}/{precision.hits}",
                f"{precision.share:.2f}",
                verdict(ok),
            )
        )
    unseen = sorted({singular(term, terms) for term in terms} - set(found))
    print(
        f"\nAuto-hide: each word hidden on its own, over {' and '.join(c.name for c in corpora)}"
        f" (precision >= {HIDE_PRECISION_TARGET}); {len(unseen)} listed words hid nothing there"
        + (f": {', '.join(unseen)}" if unseen else "")
    )
    print_table(rows)
    hidden_words = sorted({term.strip("*") for term in terms if " " not in term})[:5]
    quoted_ok = True
    said = []
    for template in QUOTED:
        for word in hidden_words:
            text = template.format(word=word)
            hits = default.rule_hits(text)
            hidden = any(hit.action is RuleAction.HIDE for hit in hits)
            quoted_ok &= bool(hits) and not hidden
            if hidden or not hits:
                said.append(text)
    print(
        f"A word quoted or talked about ({len(QUOTED)} ways, {len(hidden_words)} words):"
        f" flagged for a person, never hidden: {verdict(quoted_ok)}"
        + (f"; wrong: {said[:5]}" if said else "")
    )
    return passed and quoted_ok


def news_report(
    news: News,
    news_hits: Sequence[list[Hit]],
    ours: ListRule,
    substrings: Substrings,
    default_name: str,
    *,
    seed: int,
    sample: int,
) -> None:
    total = len(news.texts)
    print(
        f"\nGlobe and Mail news comments: {news.rows:,} rows in {news.files} files,"
        f" {news.placeholders:,} deletion placeholders left out, {total:,} distinct comments"
    )
    flagged_a = sum(1 for hits in news_hits if hits)
    flagged_b = sum(1 for text in news.texts if ours.hits(text))
    flagged_c = sum(1 for text in news.texts if substrings.flags(text))
    print_table(
        [
            ("method", "flagged", "flag rate"),
            (default_name, f"{flagged_a:,}", _rate(flagged_a, total)),
            (ours.name, f"{flagged_b:,}", _rate(flagged_b, total)),
            (substrings.name, f"{flagged_c:,}", _rate(flagged_c, total)),
        ]
    )
    chosen = [index for index, hits in enumerate(news_hits) if hits]
    picked = sorted(random.Random(seed).sample(chosen, min(sample, len(chosen))))
    print(f"\nA sample of {len(picked)} comments (a) flags (seed {seed}), with what fired:")
    for number, index in enumerate(picked, start=1):
        evidence = "; ".join(dict.fromkeys(_evidence(hit) for hit in news_hits[index]))
        excerpt = _excerpt(news.texts[index], news_hits[index])
        print(f"{number:>2}. [{quote(evidence, 100)}]\n    {excerpt}")
    if news.status_file is not None:
        flagged = {_same(text) for text, hits in zip(news.texts, news_hits, strict=True) if hits}
        statuses(news, flagged)


def statuses(news: News, flagged: set[str]) -> None:
    """How (a)'s flags (``_same`` keys of the flagged texts) line up with the site's own
    decisions, in the file that records them."""
    by_status: dict[str, list[str]] = {}
    for status, text in news.statuses:
        by_status.setdefault(status, []).append(text)
    print(f"\nThe site's decisions ({news.status_file}, column 'status') against (a)'s flags:")
    rows = [("status", "comments", "with their text", "flagged by (a)", "flag rate")]
    hidden_texts = 0
    for status, texts in sorted(by_status.items(), key=lambda item: -len(item[1])):
        real = [text for text in texts if text and text != _TOMBSTONE]
        if status != "published":
            hidden_texts += len(real)
        hit = sum(1 for text in real if _same(text) in flagged)
        rows.append(
            (status, f"{len(texts):,}", f"{len(real):,}", f"{hit:,}", _rate(hit, len(real)))
        )
    print_table(rows)
    if hidden_texts == 0:
        print(
            f"The scrape replaced the text of every comment the site did not publish with"
            f" {_TOMBSTONE!r}: the site's decisions cannot be compared with the flags (only the"
            " published comments' flag rate above means anything)."
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=DEFAULT_RULE_SET, help="the set for (a)")
    parser.add_argument("--sample", type=int, default=_SAMPLE, help="flagged news comments shown")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    try:
        require(args.data)
        listed = read_surge_list(args.data)
        davidson, stormfront = load_davidson(args.data), load_stormfront(args.data)
        news = load_news(args.data)
    except SharedDataMissingError as error:
        print(f"bench_rules_quality: {error}", file=sys.stderr)
        return 2
    try:
        default = DefaultSet(args.rules)
    except LoadError as error:
        print(f"bench_rules_quality: the rule set does not load:\n{error}", file=sys.stderr)
        return 2
    terms, refused = accepted_terms(listed)
    ours, substrings = ListRule(terms), Substrings(terms)

    skipped = ", ".join(default.engine.skipped_behavioural) or "none"
    unavailable = ", ".join(default.engine.unavailable) or "none"
    disabled = ", ".join(rule.id for rule in default.rule_set.rules if not rule.enabled) or "none"
    print(
        f"(a) {args.rules} (version {default.rule_set.version}):"
        f" {len(default.rule_ids)} text rules ({', '.join(default.rule_ids)});"
        f" behavioural rules left out, they need author history: {skipped};"
        f" disabled: {disabled}; unavailable here: {unavailable}"
    )
    print(
        f"(b), (c) surge-ai list: {len(listed):,} entries, {len(terms):,} used;"
        f" {refused} with a '*' inside left out of both (our rule refuses them:"
        f" {', '.join(term for term in listed if '*' in term)})"
    )

    labelled = []
    for corpus in (davidson, stormfront):
        hits, _ = compare(corpus, default, ours, substrings)
        labelled.append((corpus, hits))

    innocent_words(default, ours, substrings)
    coverage_report(default, args.data)
    leet_report(default)
    hide_report(default, [davidson, stormfront])

    news_hits = [default.rule_hits(text) for text in news.texts]
    news_report(news, news_hits, ours, substrings, default.name, seed=args.seed, sample=args.sample)
    print("\nEach rule of (a): hits, and the share of them that should be flagged")
    per_rule(default.rule_ids, labelled, news_hits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
