"""Measures how long a desk waits to decide while a huge scraped file is imported with rules.

One scraped file of ``--comments`` comments (default 1,000,000) is written from the shared
texts (../shared/data, as bench/make_corpus.py reads them). Comments there are drawn whole
from about 19,000 texts, so at this size every text recurs dozens of times and the
``campaign`` rule flags most of them (84% of 100,000); here each comment is instead two to
four sentences of different texts of one kind, so copies are about as rare as on a real site
and the default rules flag a realistic share (17% at 100,000: mostly words; the run prints it).

A fresh database gets another article first (its comments pending, imported without
rules). Then, in separate processes:

* the reference: a desk decides (approve or hide, alternately) one pending comment of that
  other article every 100 ms, with nothing else running, as the window does: one
  ``database.transaction()`` per decision through ``moderation.approve``/``hide``; each
  decision's wait is timed from the moment it asks to begin until its commit returns;
* the run: the same desk while ``import_paths`` (as ``moderator import`` calls it, with the
  default rules) stores the big file in another process, which times its own write
  transactions (BEGIN IMMEDIATE to COMMIT) and reports its peak resident memory.

It prints the desk's longest and 99th-percentile wait beside the reference's, the import's
total time, its longest write transaction and its peak RSS, and the target: no decision
waits more than 2 s (PASS/FAIL), and records a row in bench/RESULTS.md.

Run it (from the repository root)::

    .venv/bin/python bench/bench_import_lock.py
    .venv/bin/python bench/bench_import_lock.py --comments 100000   # quicker
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import multiprocessing
import random
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, TextIO

from bench_import import peak_rss_kib
from bench_import_xml import generate_disqus
from make_corpus import (
    NEWS_SHARE,
    SHARED_DATA,
    TWEET_SHARE,
    SharedDataMissingError,
    is_safe_line,
    load_sources,
)
from report import print_table, verdict
from results import RESULTS, Result, record
from sqlalchemy import event, select
from sqlalchemy.engine import Connection as SAConnection
from sqlalchemy.exc import OperationalError

from moderator.domain import ReasonCode, Status
from moderator.formats.scraped import format_header_time
from moderator.imports.importer import import_paths
from moderator.services import moderation
from moderator.services.rulesets import default_rule_set
from moderator.store.database import BUSY_TIMEOUT_MS, open_database
from moderator.store.models import Comment

# The target: a desk's decision never waits longer than this during an import.
TARGET_WAIT = 2.0
# A desk decides this often (a busy moderator is far slower; this samples the lock finely).
DECIDE_EVERY = 0.1
# Decisions in the reference run, with nothing else going on.
REFERENCE_DECISIONS = 50
# Comments of the other article the desk goes round, deciding and sending back.
DESK_POOL = 1_000
# How long the import may take, at most, before the run gives up on it.
WAIT_SECONDS = 3_600
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
T0 = datetime(2021, 3, 1, 6, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ImportFigures:
    """What the importing process measured of itself."""

    seconds: float
    longest_write: float
    writes: int
    peak_rss_kib: int
    added: int
    flagged: int
    hidden: int


def sentence_pools(data_dir: Path = SHARED_DATA) -> tuple[list[str], ...]:
    """The shared comment texts' sentences that read back as text on their own: news
    comments', tweets' and forum posts'."""
    sources = load_sources(data_dir)
    return tuple(
        [
            sentence
            for sentence in dict.fromkeys(
                part.strip()
                for text in texts
                for paragraph in text
                for part in _SENTENCE_END.split(paragraph)
            )
            if is_safe_line(sentence)
        ]
        for texts in (sources.news, sources.tweets, sources.forum)
    )


def varied_comment(rng: random.Random, pools: Sequence[Sequence[str]]) -> str:
    """Two to four sentences of different texts of one kind (news 80%, tweets 10%, forum
    posts 10%, as make_corpus draws whole texts), as one or two paragraphs."""
    draw = rng.random()
    pool = pools[0 if draw < NEWS_SHARE else 1 if draw < NEWS_SHARE + TWEET_SHARE else 2]
    picked = [pool[rng.randrange(len(pool))] for _ in range(rng.randint(2, 4))]
    cut = rng.randint(1, len(picked))
    paragraphs = [" ".join(picked[:cut]), " ".join(picked[cut:])]
    return "\n\n".join(p for p in paragraphs if p and is_safe_line(p)) or picked[0]


def write_scraped(
    path: Path,
    *,
    title: str,
    comments: int,
    seed: int,
    data_dir: Path = SHARED_DATA,
) -> None:
    """A scraped file of ``comments`` varied comments, written as it is made (not held)."""
    rng = random.Random(seed)
    pools = sentence_pools(data_dir)
    authors = list(load_sources(data_dir).authors) + [f"reader{n}" for n in range(20_000)]
    rng.shuffle(authors)
    # A few prolific commenters and a long tail, as make_corpus draws them.
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(authors))))
    posted = T0
    with path.open("w", encoding="utf-8") as out:
        _write_head(out, title, comments)
        for _ in range(comments):
            posted += timedelta(seconds=rng.randint(1, 30))
            author = authors[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            out.write(f"Thumb {author} {format_header_time(posted)}\n\n")
            out.write(f"{varied_comment(rng, pools)}\n\n")


def _write_head(out: TextIO, title: str, comments: int) -> None:
    out.write(f"{title}\n\nThe article's only paragraph, about {title.lower()}.\n\n")
    out.write(f"Comments {comments}\n")


def prepare(db_path: Path, folder: Path, *, seed: int, data_dir: Path = SHARED_DATA) -> None:
    """A fresh database holding the desk's article, its comments pending."""
    desk_file = folder / "desk.txt"
    write_scraped(
        desk_file,
        title="The desk's own article",
        comments=DESK_POOL,
        seed=seed + 1,
        data_dir=data_dir,
    )
    database = open_database(str(db_path))
    try:
        report = import_paths(database, [desk_file], actor="setup")
        if report.failed:
            raise RuntimeError(f"the desk's article was refused: {report.failed[0]}")
    finally:
        database.close()


def desk(db_path: Path, decisions: int | None, stop: Event | None, results: Connection) -> None:
    """Decide on a comment of the desk's article every DECIDE_EVERY seconds (``decisions``
    times, or until ``stop``); send each decision's wait back, in seconds (negative for one
    refused because the database stayed locked past the busy timeout).

    It goes round its comments: approving or hiding each pending one, and sending it back to
    pending (its own decision) the next time round, so it can go on for as long as the
    import takes."""
    database = open_database(str(db_path))
    waits: list[float] = []
    try:
        with database.session() as session:
            pool = list(
                session.scalars(
                    select(Comment.id).where(Comment.status == Status.PENDING).order_by(Comment.id)
                )
            )[:DESK_POOL]
        decided: set[int] = set()
        results.send("ready")
        following = time.perf_counter()
        for number in itertools.count():
            if number == decisions or (stop is not None and stop.is_set()):
                break
            comment_id = pool[number % len(pool)]
            asked = time.perf_counter()
            try:
                with database.transaction() as session:
                    profile = moderation.ensure_profile(session, "desk")
                    if comment_id in decided:
                        moderation.restore(session, [comment_id], actor=profile)
                    elif number % 2:
                        moderation.hide(
                            session, [comment_id], actor=profile, reason=ReasonCode.SPAM
                        )
                    else:
                        moderation.approve(session, [comment_id], actor=profile)
            except OperationalError:
                # The write lock was held past the busy timeout: the window would say the
                # database is busy. The wait counts, as a refusal (a negative figure).
                waits.append(-(time.perf_counter() - asked))
            else:
                waits.append(time.perf_counter() - asked)
                decided ^= {comment_id}
            following += DECIDE_EVERY
            time.sleep(max(0.0, following - time.perf_counter()))
    finally:
        database.close()
        results.send(waits)


def import_file(db_path: Path, path: Path, results: Connection) -> None:
    """Import ``path`` with the default rules, as ``moderator import`` does, timing every
    write transaction; send back what it measured."""
    database = open_database(str(db_path))
    began: dict[int, float] = {}
    lengths: list[float] = []

    @event.listens_for(database.engine, "begin")
    def _began(connection: SAConnection) -> None:
        if connection.get_execution_options().get("write", False):
            began[id(connection)] = time.perf_counter()

    def _ended(connection: SAConnection) -> None:
        started = began.pop(id(connection), None)
        if started is not None:
            lengths.append(time.perf_counter() - started)

    event.listen(database.engine, "commit", _ended)
    event.listen(database.engine, "rollback", _ended)
    try:
        started = time.perf_counter()
        report = import_paths(
            database, [path], parallel=True, rules=default_rule_set(), actor="importer"
        )
        seconds = time.perf_counter() - started
    finally:
        database.close()
    if report.failed:
        raise RuntimeError(f"the file was refused: {report.failed[0]}")
    results.send(
        ImportFigures(
            seconds=seconds,
            longest_write=max(lengths, default=0.0),
            writes=len(lengths),
            peak_rss_kib=peak_rss_kib(),
            added=report.added,
            flagged=report.flagged,
            hidden=report.hidden,
        )
    )


def _start(target: Any, *args: Any) -> tuple[BaseProcess, Connection]:
    receiving, sending = multiprocessing.get_context("spawn").Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(target=target, args=(*args, sending))
    process.start()
    sending.close()
    return process, receiving


def _receive(process: BaseProcess, pipe: Connection, what: str) -> Any:
    if not pipe.poll(WAIT_SECONDS):
        process.kill()
        raise RuntimeError(f"{what} sent nothing in {WAIT_SECONDS} s")
    try:
        return pipe.recv()
    except EOFError:
        process.join()
        raise RuntimeError(
            f"{what} ended (exit code {process.exitcode}) without a result"
        ) from None


def reference_waits(db_path: Path, decisions: int = REFERENCE_DECISIONS) -> list[float]:
    """The desk's waits with nothing else running."""
    process, pipe = _start(desk, db_path, decisions, None)
    _receive(process, pipe, "the reference desk")
    waits: list[float] = _receive(process, pipe, "the reference desk")
    process.join()
    return waits


def run_with_import(db_path: Path, path: Path) -> tuple[list[float], ImportFigures]:
    """The desk's waits while the file is imported, and the import's own figures."""
    stop = multiprocessing.get_context("spawn").Event()
    deciding, desk_pipe = _start(desk, db_path, None, stop)
    _receive(deciding, desk_pipe, "the desk")
    importing, import_pipe = _start(import_file, db_path, path)
    try:
        figures: ImportFigures = _receive(importing, import_pipe, "the import")
    finally:
        stop.set()
        importing.join()
    waits: list[float] = _receive(deciding, desk_pipe, "the desk")
    deciding.join()
    return waits, figures


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main(argv: Sequence[str] | None = None, *, results_path: Path = RESULTS) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000, help="comments in the file")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument(
        "--disqus",
        action="store_true",
        help="a Disqus export of that many posts (threads of fifty) instead of a scraped file",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-lock-") as scratch:
        folder = Path(scratch)
        db_path = folder / "lock.sqlite3"
        big = folder / ("big.xml" if args.disqus else "big.txt")
        try:
            if args.disqus:
                generate_disqus(big, args.comments, args.seed)
            else:
                write_scraped(
                    big,
                    title="A very long thread",
                    comments=args.comments,
                    seed=args.seed,
                    data_dir=args.data,
                )
            prepare(db_path, folder, seed=args.seed, data_dir=args.data)
        except SharedDataMissingError as error:
            print(f"bench_import_lock: {error}", file=sys.stderr)
            return 2
        size = big.stat().st_size
        reference = [abs(wait) for wait in reference_waits(db_path)]
        signed, figures = run_with_import(db_path, big)
    waits = [abs(wait) for wait in signed]
    refused = sum(wait < 0 for wait in signed)
    longest = max(waits, default=0.0)
    passed = bool(waits) and longest <= TARGET_WAIT and not refused
    print(
        f"{args.comments:,} comments ({size / 1e6:.0f} MB), default rules: {figures.flagged:,}"
        f" flagged ({figures.flagged / max(figures.added, 1):.0%}), {figures.hidden:,} hidden;"
        f" the desk decided {len(waits) - refused} times during the import, and was refused"
        f" {refused} times (the database locked past its {BUSY_TIMEOUT_MS / 1000:.0f} s busy"
        " timeout)"
    )
    print_table(
        [
            ("measured", "figure", "reference (no import)", "ratio"),
            (
                "desk's longest wait",
                f"{longest:.3f} s",
                f"{max(reference):.3f} s",
                f"{longest / max(reference):.1f}x",
            ),
            (
                "desk's p99 wait",
                f"{percentile(waits, 0.99):.3f} s",
                f"{percentile(reference, 0.99):.3f} s",
                f"{percentile(waits, 0.99) / percentile(reference, 0.99):.1f}x",
            ),
            ("import, end to end", f"{figures.seconds:.1f} s", "", ""),
            (
                "import's longest write transaction",
                f"{figures.longest_write:.2f} s",
                f"of {figures.writes}",
                "",
            ),
            ("import's peak RSS", f"{figures.peak_rss_kib / 1024:.0f} MB", "", ""),
            (
                f"target: longest wait <= {TARGET_WAIT:.0f} s",
                f"{longest:.3f} s",
                "",
                verdict(passed),
            ),
        ]
    )
    what = "Disqus export of 50-post threads" if args.disqus else "scraped file"
    record(
        Result(
            "import lock: a desk deciding during a huge "
            + ("Disqus import" if args.disqus else "import"),
            f"{args.comments:,}-comment {what} with the default rules ({figures.seconds:.0f}"
            f" s, longest write {figures.longest_write:.1f} s, peak"
            f" {figures.peak_rss_kib / 1024:.0f} MB); {len(waits)} decisions tried,"
            f" {refused} refused as locked, longest wait {longest:.2f} s (limit"
            f" {TARGET_WAIT:.0f} s)",
            "\N{EN DASH}",
            0 if passed else 1,
            f".venv/bin/python bench/bench_import_lock.py --comments {args.comments}"
            + (" --disqus" if args.disqus else ""),
        ),
        path=results_path,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
