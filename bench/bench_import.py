"""Measures importing scraped files end to end against a raw sqlite3 insert of the same rows.

A seeded corpus (default 100 articles x 1,000 comments, from ../shared/data) is written to a
temporary folder, then each phase runs in a fresh process with a fresh database:

* the importer: ``moderator.imports.importer.import_paths`` on the folder (listing, reading,
  parsing, storing; one transaction per file), timed from the call to its return;
* the physical reference: the same comment rows (same column values) inserted with a raw
  ``sqlite3`` ``executemany``, one transaction per article, authors inserted beforehand, into a
  schema made by ``open_database`` and a connection with the same pragmas (WAL, synchronous=FULL);
* the importer again on a tenth of the files, to show that its memory does not grow with the
  number of files (it streams file by file).

Peak RSS is the process's own high-water mark (``VmHWM`` in /proc/self/status). On Linux,
``getrusage(RUSAGE_SELF).ru_maxrss`` of a freshly started process already includes its parent's
peak (exec keeps it), so it is only used where /proc is absent.

Run it (from the repository root)::

    .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py --articles 10 --comments-per-article 200  # quick

It prints a table with PASS/FAIL against each target and always exits 0 after printing.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec

from make_corpus import SHARED_DATA, SharedDataMissingError, generate_corpus, iter_articles
from report import print_table, verdict

from moderator.domain import Status
from moderator.imports.importer import import_paths
from moderator.services.importing import article_hash, comment_fingerprints
from moderator.store.database import BUSY_TIMEOUT_MS, open_database

# Targets: throughput end to end, the share of the raw insert's speed, and memory growth.
TARGET_RATE = 30_000
TARGET_RATIO = 0.3
# Ten times the files may cost this much more peak memory and still count as bounded.
TARGET_RSS_GROWTH = 1.25

P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Phase:
    """One measured run: how many comments went in, how long it took, and memory in KiB."""

    comments: int
    seconds: float
    peak_rss_kib: int
    baseline_rss_kib: int

    @property
    def rate(self) -> float:
        return self.comments / self.seconds


def _status_kib(field: str) -> int | None:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def peak_rss_kib() -> int:
    """This process's own peak resident memory in KiB (see the module docstring for why)."""
    peak = _status_kib("VmHWM")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss // 1024 if sys.platform == "darwin" else maxrss  # bytes on macOS


def current_rss_kib() -> int:
    current = _status_kib("VmRSS")
    return peak_rss_kib() if current is None else current


def in_fresh_process(function: Callable[P, Phase], *args: P.args, **kwargs: P.kwargs) -> Phase:
    """Run a phase in a new interpreter, so that its time and memory are its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args, **kwargs).result()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def import_phase(corpus: Path, database_path: Path, *, parallel: bool = True) -> Phase:
    """The importer, end to end, on every file in ``corpus``.

    ``parallel`` is how ``moderator import`` runs (parsing in a forked helper process while
    storing); without it, how the window runs (one process, one thread).
    """
    database = open_database(sqlite_url(database_path))
    baseline = current_rss_kib()
    started = time.perf_counter()
    report = import_paths(database, [corpus], parallel=parallel)
    seconds = time.perf_counter() - started
    database.close()
    if report.failed:
        raise RuntimeError(f"the importer refused {len(report.failed)} files: {report.failed[0]}")
    return Phase(report.added, seconds, peak_rss_kib(), baseline)


def _sqlite_time(moment: datetime) -> str:
    # How SQLAlchemy's DateTime keeps a UTC time in SQLite (the models store them naive).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def raw_insert_phase(
    corpus: Path, database_path: Path, *, articles: int, comments_per_article: int, seed: int
) -> Phase:
    """The same rows through a bare sqlite3 connection: the floor for storing them."""
    open_database(sqlite_url(database_path)).close()  # the schema, indexes and WAL mode
    generated = list(
        iter_articles(articles=articles, comments_per_article=comments_per_article, seed=seed)
    )
    authors = sorted({comment.author for article in generated for comment in article.comments})
    author_ids = {name: number for number, name in enumerate(authors, start=1)}
    now = _sqlite_time(datetime.now(UTC))
    batches = []
    for article_id, article in enumerate(generated, start=1):
        incoming = article.to_incoming(str((corpus / f"article-{article_id:05d}.txt").resolve()))
        article_row = (
            article_id,
            incoming.title,
            incoming.body,
            incoming.source,
            article_hash(incoming.title, incoming.body),
            now,
            now,
        )
        comment_rows = [
            (
                article_id,
                position,
                author_ids[comment.author],
                _sqlite_time(comment.posted_at),
                comment.body,
                str(Status.PENDING),
                False,
                comment.external_id,
                fingerprint,
                now,
            )
            for position, (comment, fingerprint) in enumerate(
                zip(incoming.comments, comment_fingerprints(incoming.comments), strict=True),
                start=1,
            )
        ]
        batches.append((article_row, comment_rows))
    del generated

    connection = sqlite3.connect(database_path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO author (id, name, first_seen_at) VALUES (?, ?, ?)",
        [(number, name, now) for name, number in author_ids.items()],
    )
    connection.execute("COMMIT")

    baseline = current_rss_kib()
    started = time.perf_counter()
    stored = 0
    for article_row, comment_rows in batches:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            article_row,
        )
        connection.executemany(
            "INSERT INTO comment (article_id, position, author_id, posted_at, body, status,"
            " escalated, external_id, fingerprint, imported_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            comment_rows,
        )
        connection.execute("COMMIT")
        stored += len(comment_rows)
    seconds = time.perf_counter() - started
    connection.close()
    return Phase(stored, seconds, peak_rss_kib(), baseline)


def stored_digest(database_path: Path) -> str:
    """A digest of the comment rows as the desk sees them, to show both phases stored the same."""
    digest = hashlib.sha256()
    connection = sqlite3.connect(database_path)
    rows = connection.execute(
        "SELECT c.article_id, c.position, a.name, c.posted_at, c.body, c.status, c.escalated,"
        " c.fingerprint FROM comment c JOIN author a ON a.id = c.author_id"
        " ORDER BY c.article_id, c.position"
    )
    for row in rows:
        digest.update(repr(row).encode())
    connection.close()
    return digest.hexdigest()


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="files in the corpus")
    parser.add_argument("--comments-per-article", type=int, default=1_000, help="comments each")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each timed phase; the median is shown"
    )
    args = parser.parse_args(argv)
    small_articles = max(1, args.articles // 10)
    total = args.articles * args.comments_per_article
    small_total = small_articles * args.comments_per_article

    with tempfile.TemporaryDirectory(prefix="moderator-bench-import-") as temporary:
        folder = Path(temporary)
        started = time.perf_counter()
        try:
            generate_corpus(
                folder / "corpus",
                articles=args.articles,
                comments_per_article=args.comments_per_article,
                seed=args.seed,
            )
        except SharedDataMissingError as error:
            print(f"bench_import: {error}", file=sys.stderr)
            return 2
        generate_corpus(
            folder / "small",
            articles=small_articles,
            comments_per_article=args.comments_per_article,
            seed=args.seed,
        )
        corpus_bytes = sum(path.stat().st_size for path in (folder / "corpus").iterdir())
        print(
            f"corpus: {args.articles} files x {args.comments_per_article:,} comments ="
            f" {total:,} comments, {corpus_bytes / 2**20:,.1f} MiB,"
            f" written in {time.perf_counter() - started:.1f} s (seed {args.seed},"
            f" data from {SHARED_DATA})"
        )

        imports: list[Phase] = []
        raws: list[Phase] = []
        for run in range(args.repeat):
            # Alternate the two, so that a slow spell of the disk does not favour either.
            imported_db = folder / f"import-{run}.sqlite3"
            imports.append(in_fresh_process(import_phase, folder / "corpus", imported_db))
            raw_db = folder / f"raw-{run}.sqlite3"
            raws.append(
                in_fresh_process(
                    raw_insert_phase,
                    folder / "corpus",
                    raw_db,
                    articles=args.articles,
                    comments_per_article=args.comments_per_article,
                    seed=args.seed,
                )
            )
            print(
                f"run {run + 1}: import {imports[-1].rate:,.0f} comments/s"
                f" ({imports[-1].seconds:.2f} s), raw insert {raws[-1].rate:,.0f} comments/s"
                f" ({raws[-1].seconds:.2f} s)"
            )
        same_rows = stored_digest(imported_db) == stored_digest(raw_db)
        sequential = [
            in_fresh_process(
                import_phase, folder / "corpus", folder / f"seq-{run}.sqlite3", parallel=False
            )
            for run in range(args.repeat)
        ]
        small = in_fresh_process(import_phase, folder / "small", folder / "small.sqlite3")

    rate = statistics.median(phase.rate for phase in imports)
    raw_rate = statistics.median(phase.rate for phase in raws)
    ratio = rate / raw_rate
    peak = max(phase.peak_rss_kib for phase in imports)
    growth = peak / small.peak_rss_kib
    print()
    print_table(
        [
            ("measured", "figure", "reference (same run)", "ratio", "target", "result"),
            (
                f"import {total:,} comments, end to end",
                f"{rate:,.0f} comments/s",
                f"raw executemany {raw_rate:,.0f} comments/s",
                f"{ratio:.2f}",
                f">= {TARGET_RATE:,} comments/s",
                verdict(rate >= TARGET_RATE),
            ),
            (
                f"import {total:,} comments, one process (the window's way)",
                f"{statistics.median(p.rate for p in sequential):,.0f} comments/s",
                f"raw executemany {raw_rate:,.0f} comments/s",
                f"{statistics.median(p.rate for p in sequential) / raw_rate:.2f}",
                "(for information)",
                "",
            ),
            (
                "import speed / raw insert speed",
                f"{ratio:.2f}",
                "1.00 (raw executemany)",
                f"{ratio:.2f}",
                f">= {TARGET_RATIO:.2f}",
                verdict(ratio >= TARGET_RATIO),
            ),
            (
                f"peak RSS, import {total:,} comments",
                _mib(peak),
                f"import {small_total:,} comments: {_mib(small.peak_rss_kib)}",
                f"{growth:.2f}",
                f"<= {TARGET_RSS_GROWTH:.2f} (bounded)",
                verdict(growth <= TARGET_RSS_GROWTH),
            ),
        ]
    )
    print()
    print(
        f"median of {args.repeat} runs each. RSS before importing (interpreter, SQLAlchemy,"
        f" open database): {_mib(imports[0].baseline_rss_kib)}; the end-to-end import parses in"
        f" a helper process whose memory is its own; raw insert phase peak"
        f" {_mib(max(phase.peak_rss_kib for phase in raws))} (holds all rows in memory)."
    )
    print(f"importer and raw insert stored identical comment rows: {'yes' if same_rows else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
