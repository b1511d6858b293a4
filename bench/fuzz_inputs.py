"""Fuzzing what strangers hand the desk: article files, platform exports, rule sets and log
exports, each mutated from a real one, must end in a result or the project's own error with
a location: never another exception, a hang or a partial write.

The mutations (``mutate``) cut, insert, repeat, swap and truncate bytes, and splice in the
tokens each format is built from (headers, markup, quotes, byte-order marks, NULs, bidi
controls). ``TARGETS`` run one input and say what became of it; the test suite runs them
under hypothesis (``tests/bench/test_fuzz.py``), and run as a script this file tries many
inputs per target and prints how many were tried and what failed::

    .venv/bin/python bench/fuzz_inputs.py                  # 2,000 inputs per target
    .venv/bin/python bench/fuzz_inputs.py --inputs 20000 --seed 3
    .venv/bin/python bench/fuzz_inputs.py --slow-only       # only the slow-input detector

After the fuzzing, the slow-input detector (``slow_inputs.py``) times every reader on
adversarial shapes at 10 KB and 1 MB: its time per byte must not grow more than threefold.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from results import Result, record
from slow_inputs import LARGE, MAX_RATIO, SMALL, Timing, detect
from sqlalchemy import func, select

from moderator.formats.errors import FormatError
from moderator.formats.log_export import LogFormat
from moderator.formats.log_file import verify_export
from moderator.imports.importer import import_paths
from moderator.log.export import export_log
from moderator.log.queries import LogFilter
from moderator.rules import kinds as _kinds  # noqa: F401 - registers the built-in rule kinds
from moderator.rules.loader import LoadError, read_rule_set
from moderator.services import moderation
from moderator.settings import DEFAULT_RULE_SET
from moderator.store.database import Database, open_database
from moderator.store.models import Article, Comment, LogEntryRow

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
# An input that takes longer than this is a hang as far as a desk is concerned.
HANG_SECONDS = 5.0
# How many mutations an input gets: mostly few, so that many inputs are nearly right and
# reach deep into a reader, not only its first check.
ROUNDS = (1, 1, 1, 2, 2, 3, 5, 8)

TOKENS: tuple[bytes, ...] = (
    b"\n",
    b"\n\n",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xe2\x80\xae",
    b"\xe2\x80\x8b",
    b"Comments 3\n",
    b"Comments -1\n",
    b"Comments 99999999999999999999\n",
    b"Thumb reader 17 June 2013, 22:15\n",
    b"Missing  31 February 2013, 25:61\n",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#xD800;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b'<!DOCTYPE x [<!ENTITY e "boom">]>',
    b"&e;",
    b"<wp:comment>",
    b"</wp:comment>",
    b"<post>",
    b"</post>",
    b"<thread>",
    b'dsq:id="1"',
    b"<isDeleted>true</isDeleted>",
    b'"',
    b"'",
    b"'''",
    b'"""',
    b"[",
    b"]",
    b"[[rules]]",
    b"=",
    b"{",
    b"}",
    b",",
    b":",
    b'kind = "regex"',
    b'pattern = "(a+)+$"',
    b"severity = 7",
    b"\\",
    b"\\u0000",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"9" * 40,
    b"-" * 3,
    b"#",
    b"\t",
)


def mutate(data: bytes, rng: random.Random, rounds: int) -> bytes:
    """``data`` changed ``rounds`` times by cuts, insertions, repeats, swaps and truncation."""
    out = bytearray(data)
    for _ in range(rounds):
        size = len(out)
        start = rng.randrange(size + 1)
        end = min(size, start + rng.choice((1, 2, 8, 64, 512)))
        match rng.randrange(7):
            case 0:
                del out[start:end]
            case 1:
                out[start:start] = rng.choice(TOKENS)
            case 2:
                out[start:start] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
            case 3:
                out[start:start] = out[start:end] * rng.randint(2, 50)
            case 4:
                other = rng.randrange(size + 1)
                out[start:end], out[other:other] = b"", out[start:end]
            case 5:
                del out[rng.randrange(size + 1) :]
            case _:
                out[start:end] = rng.choice(TOKENS)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input: ``kind`` ("read", "refused" ...), or ``failure`` (what
    broke a promise), with the time it took."""

    kind: str
    failure: str | None = None
    seconds: float = 0.0


@dataclass
class Target:
    """A reader of untrusted input, with the real inputs its mutations start from."""

    name: str
    suffix: str
    seeds: list[bytes]
    run: Callable[[Path, Database], Outcome]


def _counts(database: Database) -> tuple[int, int, int]:
    with database.session() as session:
        return (
            session.scalar(select(func.count(Article.id))) or 0,
            session.scalar(select(func.count(Comment.id))) or 0,
            session.scalar(select(func.count(LogEntryRow.seq))) or 0,
        )


def import_file(path: Path, database: Database) -> Outcome:
    """An article file or platform export: imported whole, or refused with its place named
    and nothing stored."""
    before = _counts(database)
    report = import_paths(database, [path], actor="fuzz")
    after = _counts(database)
    failure = None
    if report.failed:
        kind = "refused"
        (error,) = report.failed
        if error.source != str(path) or error.line < 0:
            failure = f"error without its place: {error!r}"
        elif after != before:
            failure = f"refused, yet written: {before} -> {after}"
    elif report.imported or report.skipped:
        kind = "read"
        if after[1] - before[1] != report.added:
            failure = f"{report.added} comments reported, {after[1] - before[1]} stored"
    else:
        kind = "empty"
        if after != before:
            failure = f"nothing imported, yet written: {before} -> {after}"
    return Outcome(kind, failure)


def read_rules(path: Path, _database: Database, *, also: Path | None = None) -> Outcome:
    """A rule-set file: loaded, or refused with every problem placed in the file (or in
    ``also``, a file it names)."""
    places = {str(path)} | ({str(also)} if also is not None else set())
    try:
        read_rule_set(path)
    except LoadError as error:
        if not error.problems:
            return Outcome("refused", "refused without a reason")
        for problem in error.problems:
            if problem.file not in places or (problem.line is not None and problem.line < 1):
                return Outcome("refused", f"problem without its place: {problem!r}")
        return Outcome("refused")
    return Outcome("read")


def read_word_list(path: Path, database: Database) -> Outcome:
    """A word-list file (one term a line), read through the rule set that names it."""
    return read_rules(path.with_name("words-list.toml"), database, also=path)


def check_export(path: Path, _database: Database) -> Outcome:
    """A log export: checked, or refused naming its file and line."""
    try:
        verify_export(path)
    except FormatError as error:
        if error.source != str(path) or error.line < 0:
            return Outcome("refused", f"error without its place: {error!r}")
        return Outcome("refused")
    return Outcome("read")


class Hang(Exception):  # noqa: N818 - what it is
    """An input ran past the watchdog."""


def _watchdog(_signal: int, _frame: object) -> None:
    raise Hang


def run_one(target: Target, data: bytes, folder: Path, database: Database) -> Outcome:
    """One input through a target, timed, under a watchdog (an input still running after
    four times ``HANG_SECONDS`` is stopped and reported); any exception but the target's
    own is a failure."""
    path = folder / f"input{target.suffix}"
    path.write_bytes(data)
    started = time.perf_counter()
    watched = threading.current_thread() is threading.main_thread()
    if watched:
        previous = signal.signal(signal.SIGALRM, _watchdog)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS * 4)
    try:
        outcome = target.run(path, database)
    except Hang:
        outcome = Outcome("hung", f"still running after {HANG_SECONDS * 4:.0f} s (a hang)")
    except Exception as error:  # the point: anything else escaping is what we look for
        outcome = Outcome("crashed", f"{type(error).__name__}: {error}"[:300])
    finally:
        if watched:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - started
    if outcome.failure is None and seconds > HANG_SECONDS:
        outcome = Outcome(outcome.kind, f"took {seconds:.1f} s (a hang)")
    return Outcome(outcome.kind, outcome.failure, seconds)


def sample_exports(folder: Path) -> list[bytes]:
    """Real exports (JSON Lines and JSON: the ones that carry the chain) of a small log."""
    database = open_database(f"sqlite:///{folder / 'exports.sqlite3'}")
    try:
        seed = SHARED / "seed" / "article-syria-conference.txt"
        if seed.exists():
            import_paths(database, [seed], actor="ann")
        with database.transaction() as session:
            ids = list(session.scalars(select(Comment.id)))
            actor = moderation.ensure_profile(session, "ann")
            if ids:
                moderation.approve(session, ids[:1], actor=actor)
                moderation.hide(session, ids[1:], actor=actor, reason="spam")
        found = []
        for kind in (LogFormat.JSONL, LogFormat.JSON):
            path = folder / f"export.{kind.value}"
            with database.session() as session:
                export_log(session, path, log_format=kind, log_filter=LogFilter())
            found.append(path.read_bytes())
        return found
    finally:
        database.close()


# A small rule set of several kinds: most of its mutations are still a rule set, so that the
# fuzzing reaches the loader's checks of each kind, not only TOML's.
SMALL_RULES = b"""[ruleset]
name = "Small"

[[rule]]
id = "words"
kind = "words"
severity = "medium"
action = "flag"
terms = ["idiot", "you people", "clown*"]
allow = ["you people rock"]

[[rule]]
id = "phone"
kind = "regex"
severity = "low"
action = "flag"
pattern = '\\d{3}-\\d{4}'

[[rule]]
id = "links"
kind = "links"
severity = "low"
action = "flag"
threshold = 2

[[rule]]
id = "long"
kind = "length"
severity = "low"
action = "flag"
max = 5000
"""


def targets(scratch: Path) -> list[Target]:
    """Every target, with the seeds found (shared data missing: those targets have none)."""

    def files(*names: str) -> list[bytes]:
        return [path.read_bytes() for name in names if (path := SHARED / name).exists()]

    # The default rule set names its word lists by file: they go beside the input.
    for word_list in DEFAULT_RULE_SET.parent.glob("*.txt"):
        (scratch / word_list.name).write_bytes(word_list.read_bytes())
    (scratch / "words-list.toml").write_text(
        '[ruleset]\nname = "Words"\n\n[[rule]]\nid = "w"\nkind = "words"\n'
        'severity = "low"\naction = "flag"\nterms_file = "input.txt"\n',
        encoding="utf-8",
    )
    word_lists = [path.read_bytes() for path in sorted(DEFAULT_RULE_SET.parent.glob("*.txt"))]
    word_lists += files("wordlists/ldnoobw/en")

    return [
        Target("scraped article", ".txt", files("seed/article-syria-conference.txt"), import_file),
        Target(
            "WordPress (WXR)",
            ".xml",
            files(
                "imports/isso/wordpress.xml", "imports/wordpress/themeunittestdata.wordpress.xml"
            ),
            import_file,
        ),
        Target("Disqus", ".xml", files("imports/isso/disqus.xml"), import_file),
        Target("rule set", ".toml", [DEFAULT_RULE_SET.read_bytes(), SMALL_RULES], read_rules),
        Target("word list", ".txt", word_lists, read_word_list),
        Target("log export", ".jsonl", sample_exports(scratch), check_export),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=2000, help="inputs per target")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow-only", action="store_true", help="only the slow-input detector")
    args = parser.parse_args(argv)
    slow_failures = slow_inputs()
    if args.slow_only:
        return 1 if slow_failures else 0
    return 1 if fuzz(args.inputs, args.seed) + slow_failures else 0


def slow_inputs() -> int:
    """Runs the slow-input detector, prints each shape's figures and records a row per
    reader; returns how many shapes failed."""
    with tempfile.TemporaryDirectory(prefix="slow-") as scratch:
        timings = detect(Path(scratch))
    print(f"{'reader':<16} {'shape':<32} {'s/MB at 10 KB':>13} {'s/MB at 1 MB':>12} {'ratio':>6}")
    by_reader: dict[str, list[Timing]] = {}
    for timing in timings:
        by_reader.setdefault(timing.reader, []).append(timing)
        large = "stopped" if timing.large_per_mb is None else f"{timing.large_per_mb:.3f}"
        ratio = "-" if timing.ratio is None else f"{timing.ratio:.2f}x"
        print(
            f"{timing.reader:<16} {timing.shape:<32} {timing.small_per_mb:>13.3f}"
            f" {large:>12} {ratio:>6}"
        )
        if timing.failure is not None:
            print(f"  FAILED {timing.failure}")
    rows = []
    for reader, found in by_reader.items():
        ratios = [t.ratio for t in found if t.ratio is not None]
        worst = f"worst {max(ratios):.2f}x" if ratios else "none finished"
        rows.append(
            Result(
                f"slow input: {reader}",
                f"{len(found)} adversarial shapes at {SMALL // 1000} KB and {LARGE // 1_000_000}"
                f" MB, time per byte {worst} (limit {MAX_RATIO:.0f}x)",
                "\N{EN DASH}",
                sum(t.failure is not None for t in found),
                ".venv/bin/python bench/fuzz_inputs.py --slow-only",
            )
        )
    record(*rows)
    return sum(t.failure is not None for t in timings)


def fuzz(inputs: int, seed: int) -> int:
    """Runs the mutation fuzzing, prints and records a row per target; returns how many
    inputs failed."""
    rng = random.Random(seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        folder = Path(scratch)
        database = open_database(f"sqlite:///{folder / 'fuzz.sqlite3'}")
        rows = []
        for target in targets(folder):
            if not target.seeds:
                print(f"{target.name}: no seed input (../shared/data absent); skipped")
                continue
            kinds: Counter[str] = Counter()
            failed: list[str] = []
            slowest = 0.0
            started = time.perf_counter()
            for _ in range(inputs):
                data = mutate(rng.choice(target.seeds), rng, rng.choice(ROUNDS))
                outcome = run_one(target, data, folder, database)
                kinds[outcome.kind] += 1
                slowest = max(slowest, outcome.seconds)
                if outcome.failure is not None:
                    failed.append(outcome.failure)
            failures += len(failed)
            spent = time.perf_counter() - started
            rows.append((target.name, inputs, dict(kinds), len(failed), slowest, spent))
            for failure in failed[:5]:
                print(f"{target.name}: FAILED {failure}")
        database.close()
    print(f"{'target':<18} {'inputs':>7}  {'outcomes':<44} {'failures':>8} {'slowest':>8}")
    for name, count, kinds_seen, failed_count, slowest, spent in rows:
        seen = ", ".join(f"{kind} {number:,}" for kind, number in sorted(kinds_seen.items()))
        print(
            f"{name:<18} {count:>7,}  {seen:<44} {failed_count:>8} {slowest * 1000:>6.0f} ms"
            f"   ({spent:.0f} s)"
        )
    record(
        *(
            Result(
                f"fuzz: {name}",
                f"{count:,} inputs ({', '.join(f'{n:,} {k}' for k, n in sorted(seen.items()))})",
                "\N{EN DASH}",
                failed_count,
                f".venv/bin/python bench/fuzz_inputs.py --inputs {inputs} --seed {seed}",
            )
            for name, count, seen, failed_count, _, _ in rows
        )
    )
    return failures


if __name__ == "__main__":
    sys.exit(main())
