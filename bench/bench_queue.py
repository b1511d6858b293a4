"""Measures reading a page of the moderation queue from a database of 1,000,000 comments.

The database (schema from ``open_database``; rows written directly with sqlite3 ``executemany``:
1,000 articles, 20,000 authors, 30% pending / 55% approved / 15% hidden, 3% flagged, bodies
sampled from the real comment texts in ../shared/data) is built once and cached in bench/out/,
keyed by size, seed and schema version.

Then it times, each against a reference measured in the same run:

* ``list_queue(session, QueueFilter(status=PENDING), limit=50)`` in process, median and p99 of
  50 calls, against the very same SQL statements run on a bare sqlite3 connection;
* the same for one article's pending comments (``QueueFilter(article_id=..., status=PENDING)``);
* every read command as a user runs it (``moderator --db PATH queue --status pending --limit
  50``, with ``--article ID`` and ``--json``; ``show``, ``thread``, ``articles``, ``threads``)
  as a subprocess, median of 10 rounds, against SQLAlchemy's own import (``python -c 'import
  sqlalchemy.orm'``, the ORM the queries need; ``import sqlalchemy`` and the bare interpreter
  are printed beside it). Each round runs every command and reference once, in turn, so that
  the machine's drift falls on all alike. Target: SQLAlchemy's import plus 80 ms;

and prints ``EXPLAIN QUERY PLAN`` of the queue's statements to show which index serves them.

Run it (from the repository root)::

    .venv/bin/python bench/bench_queue.py
    .venv/bin/python bench/bench_queue.py --comments 100000  # quicker

It prints a table with PASS/FAIL against the targets (200 ms in process) and always exits 0
after printing.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from make_corpus import SHARED_DATA, SharedDataMissingError, SourceTexts, load_sources
from report import print_table, verdict
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from moderator.domain import Severity, Status
from moderator.queries.queue import QueueFilter, count_queue, list_queue
from moderator.services.importing import article_hash
from moderator.store.database import Database, open_database
from moderator.store.migrations import HEAD

OUT = Path(__file__).resolve().parent / "out"
TARGET_MS = 200.0
PAGE = 50
# The mix of a busy desk: most comments decided, a third still waiting.
STATUS_SHARES = ((Status.PENDING, 0.30), (Status.APPROVED, 0.55), (Status.HIDDEN, 0.15))
ESCALATED_SHARE = 0.02  # of the pending ones
FLAGGED_SHARE = 0.03
COMMENTS_PER_ARTICLE = 1_000
COMMENTS_PER_AUTHOR = 50
INSERT_CHUNK = 50_000
RULES = (
    ("wordlist:profanity", Severity.MEDIUM, "matches the profanity word list"),
    ("wordlist:slurs", Severity.HIGH, "matches the slur word list"),
    ("shape:shouting", Severity.LOW, "more than half of the letters are capitals"),
    ("shape:links", Severity.LOW, "contains a link"),
)


def _sqlite_time(moment: datetime) -> str:
    # How SQLAlchemy's DateTime keeps a UTC time in SQLite (the models store them naive).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _bodies(sources: SourceTexts) -> tuple[list[str], list[float]]:
    """Comment bodies as stored (paragraphs joined by a blank line) and cumulative weights."""
    groups = (
        (sources.news, 0.8),
        (sources.tweets, 0.1),
        (sources.forum, 0.1),
    )
    bodies: list[str] = []
    weights: list[float] = []
    for texts, share in groups:
        bodies += ["\n\n".join(paragraphs) for paragraphs in texts]
        weights += [share / len(texts)] * len(texts)
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return bodies, cumulative


def _status_for(draw: float) -> Status:
    for status, share in STATUS_SHARES:
        if draw < share:
            return status
        draw -= share
    return STATUS_SHARES[-1][0]


def build_database(path: Path, *, comments: int, seed: int) -> None:
    """Write ``comments`` comment rows (and their articles, authors and flags) into ``path``."""
    sources = load_sources()
    rng = random.Random(seed)
    articles = max(1, comments // COMMENTS_PER_ARTICLE)
    author_count = max(10, comments // COMMENTS_PER_AUTHOR)
    authors = list(sources.authors[:author_count])
    authors += [f"reader_{number:06d}" for number in range(author_count - len(authors))]
    bodies, cumulative = _bodies(sources)
    total_weight = cumulative[-1]
    now = datetime.now(UTC)

    open_database(f"sqlite:///{path}").close()  # schema, indexes and WAL mode, as the app has
    connection = sqlite3.connect(path, isolation_level=None)
    # Building is not what is measured: no fsync, and a large cache for the index inserts.
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -262144")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO author (id, name, first_seen_at) VALUES (?, ?, ?)",
        [(number, name, _sqlite_time(now)) for number, name in enumerate(authors, start=1)],
    )
    article_rows = []
    for number in range(1, articles + 1):
        title, paragraphs = sources.articles[(number - 1) % len(sources.articles)]
        part = (number - 1) // len(sources.articles) + 1
        title = title if part == 1 else f"{title} (part {part})"
        body = "\n\n".join(paragraphs)
        stamp = _sqlite_time(now)
        digest = article_hash(title, body)
        article_rows.append((number, title, body, f"bench://queue/{number}", digest, stamp, stamp))
    connection.executemany(
        "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        article_rows,
    )

    def comment_rows() -> Iterator[tuple[Any, ...]]:
        moment = datetime(2013, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365))
        imported = _sqlite_time(now)
        per_article, extra = divmod(comments, articles)
        for article_id in range(1, articles + 1):
            moment += timedelta(minutes=rng.randint(30, 240))
            posted = moment
            for position in range(1, per_article + (article_id <= extra) + 1):
                posted += timedelta(minutes=rng.randint(0, 3), seconds=rng.randrange(60))
                status = _status_for(rng.random())
                escalated = status is Status.PENDING and rng.random() < ESCALATED_SHARE
                pick = bisect.bisect(cumulative, rng.random() * total_weight)
                body = bodies[min(len(bodies) - 1, pick)]
                fingerprint = hashlib.sha256(f"{article_id}\0{position}".encode()).hexdigest()
                yield (
                    article_id,
                    position,
                    rng.randrange(1, author_count + 1),
                    _sqlite_time(posted),
                    body,
                    str(status),
                    escalated,
                    fingerprint,
                    imported,
                )

    insert_comments = (
        "INSERT INTO comment (article_id, position, author_id, posted_at, body, status,"
        " escalated, fingerprint, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    rows = comment_rows()
    while chunk := [row for _, row in zip(range(INSERT_CHUNK), rows, strict=False)]:
        connection.executemany(insert_comments, chunk)
    flagged = rng.sample(range(1, comments + 1), int(comments * FLAGGED_SHARE))
    flags = []
    for comment_id in sorted(flagged):
        rule, severity, explanation = rng.choice(RULES)
        flags.append((comment_id, rule, str(severity), explanation))
    connection.executemany(
        "INSERT INTO flag (comment_id, rule_id, rule_set_version, severity, spans, explanation,"
        " created_at) VALUES (?, ?, 'bench-1', ?, '[[0, 4]]', ?, ?)",
        [(*flag, _sqlite_time(now)) for flag in flags],
    )
    # Each flagged comment's urgency, as the rules' store keeps it (0 high, 1 medium, 2 low).
    connection.execute(
        "UPDATE comment SET urgency = (SELECT MIN(CASE flag.severity WHEN 'high' THEN 0"
        " WHEN 'medium' THEN 1 ELSE 2 END) FROM flag WHERE flag.comment_id = comment.id)"
        " WHERE id IN (SELECT comment_id FROM flag)"
    )
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


def cached_database(*, comments: int, seed: int) -> Path:
    """The benchmark database for this size, built (and kept in bench/out/) if not there yet."""
    path = OUT / f"queue-{comments}-seed{seed}-schema{HEAD}.sqlite3"
    if path.exists():
        connection = sqlite3.connect(path)
        (stored,) = connection.execute("SELECT count(*) FROM comment").fetchone()
        connection.close()
        if stored == comments:
            print(f"database: {path} (cached, {comments:,} comments)")
            return path
        path.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    building = path.with_name(f"{path.name}.building")
    for leftover in OUT.glob(f"{building.name}*"):
        leftover.unlink()
    started = time.perf_counter()
    build_database(building, comments=comments, seed=seed)
    building.rename(path)  # only a complete database gets the name that is reused
    print(
        f"database: {path} (built in {time.perf_counter() - started:.1f} s,"
        f" {path.stat().st_size / 2**20:,.0f} MiB, {comments:,} comments)"
    )
    return path


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall times of repeated runs, in milliseconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]


def time_calls(function: Callable[[], object], runs: int) -> Timing:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(tuple(samples))


def captured_statements(
    database: Database, read: Callable[[Session], object]
) -> list[tuple[str, tuple[Any, ...]]]:
    """The SQL (and parameters) that ``read`` sends to SQLite, in order."""
    statements: list[tuple[str, tuple[Any, ...]]] = []

    def capture(
        _connection: Connection,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        statements.append((statement, tuple(parameters)))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.session() as session:
            read(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    # The session's own BEGIN is not part of the query.
    return [(sql, params) for sql, params in statements if not sql.lstrip().startswith("BEGIN")]


def time_raw(path: Path, statements: list[tuple[str, tuple[Any, ...]]], runs: int) -> Timing:
    """The same statements on a bare sqlite3 connection: what SQLite alone needs."""
    connection = sqlite3.connect(path)

    def run() -> None:
        for sql, params in statements:
            connection.execute(sql, params).fetchall()

    run()
    timing = time_calls(run, runs)
    connection.close()
    return timing


def print_plan(path: Path, label: str, statements: list[tuple[str, tuple[Any, ...]]]) -> bool:
    """Print EXPLAIN QUERY PLAN of the page's main statement; True if no sort step is needed."""
    sql, params = statements[0]
    connection = sqlite3.connect(path)
    plan = connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    connection.close()
    print(f"EXPLAIN QUERY PLAN, {label}:")
    for _node, _parent, _unused, detail in plan:
        print(f"  {detail}")
    details = " ".join(row[3] for row in plan)
    return "USING INDEX" in details and "TEMP B-TREE" not in details


# What every read command is held to: SQLAlchemy's own import (the ORM, which the queries
# need) plus this much for everything Moderator adds: its modules, opening the database, the
# query and the printing.
COMMAND_ALLOWANCE_MS = 80.0


def run_once(arguments: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script, our own arguments
        arguments, capture_output=True, text=True, check=False
    )
    return (time.perf_counter() - started) * 1000, completed


def _shown(completed: subprocess.CompletedProcess[str], expect_json: bool) -> str:
    if not expect_json:
        return f"{len(completed.stdout.splitlines())} lines"
    try:
        document = json.loads(completed.stdout)
    except ValueError as error:
        return f"not JSON: {error}"
    items = next(iter(document.values()), None) if isinstance(document, dict) else document
    return f"{len(items) if isinstance(items, list) else '?'} items"


def command_rows(
    script: Path, path: Path, article_id: int, runs: int
) -> list[tuple[str, str, str, str, str, str]]:
    """Each read command's median wall time against SQLAlchemy's import, timed in turn.

    The machine's speed drifts over a minute; running every command and reference once per
    round, round after round, gives each the same share of slow and fast moments.
    """
    references = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import sqlalchemy": [sys.executable, "-c", "import sqlalchemy"],
        "import sqlalchemy.orm": [sys.executable, "-c", "import sqlalchemy.orm"],
        "load the command line": [
            *(sys.executable, "-c", "import moderator; moderator.load_command_line()")
        ],
    }
    with sqlite3.connect(path) as raw:
        (comment_id,) = raw.execute(
            "SELECT id FROM comment WHERE article_id = ? ORDER BY position LIMIT 1 OFFSET 7",
            (article_id,),
        ).fetchone()
    raw.close()
    page = ("--status", "pending", "--limit", str(PAGE))
    commands: dict[str, list[str]] = {
        "queue --status pending --limit 50": ["queue", *page],
        f"queue --article {article_id} --status pending --limit 50": [
            *("queue", "--article", str(article_id), *page)
        ],
        "queue --status pending --limit 50 --json": ["queue", *page, "--json"],
        f"show {comment_id}": ["show", str(comment_id)],
        f"show {comment_id} --json": ["show", str(comment_id), "--json"],
        f"thread {article_id}": ["thread", str(article_id)],
        "articles": ["articles"],
        "threads": ["threads"],
    }
    every = {**references}
    every.update({label: [str(script), "--db", str(path), *a] for label, a in commands.items()})
    samples: dict[str, list[float]] = {label: [] for label in every}
    shown: dict[str, str] = {}
    failed: dict[str, str] = {}
    for round_number in range(runs + 1):  # the first round warms the file cache: not counted
        for label, arguments in every.items():
            if label in failed:
                continue
            elapsed, completed = run_once(arguments)
            if completed.returncode != 0:
                print(f"command failed (exit {completed.returncode}): {' '.join(arguments)}")
                print(completed.stderr.rstrip() or "(no stderr)")
                failed[label] = f"error (exit {completed.returncode})"
                continue
            if round_number:
                samples[label].append(elapsed)
            shown[label] = _shown(completed, "--json" in arguments)
    medians = {label: statistics.median(s) for label, s in samples.items() if s}
    orm = medians.get("import sqlalchemy.orm")
    core = medians.get("import sqlalchemy")
    if orm is None or core is None:
        return [("SQLAlchemy's import", "not measured", "", "", "", "FAIL")]
    target = orm + COMMAND_ALLOWANCE_MS
    reference = f"import sqlalchemy.orm: {_ms(orm)} (import sqlalchemy: {_ms(core)})"
    rows: list[tuple[str, str, str, str, str, str]] = []
    for label, shown_as in (
        ("python -c pass", "`python -c pass`"),
        ("load the command line", "the command line loaded (the console script's start)"),
    ):
        if label in medians:
            median = medians[label]
            rows.append(
                (f"{shown_as}, median", _ms(median), reference, f"{median / orm:.2f}x", "", "")
            )
    for label in commands:
        if label in failed:
            rows.append((f"moderator {label}", failed[label], "", "", "", "FAIL"))
            continue
        median = medians[label]
        rows.append(
            (
                f"moderator {label} ({shown[label]}), median",
                _ms(median),
                reference,
                f"+{median - orm:,.0f} ms",
                f"<= {target:,.0f} ms",
                verdict(median <= target),
            )
        )
    return rows


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000, help="comments stored")
    parser.add_argument("--seed", type=int, default=1, help="database seed")
    parser.add_argument("--runs", type=int, default=50, help="in-process calls timed")
    parser.add_argument("--command-runs", type=int, default=10, help="subprocess runs timed")
    args = parser.parse_args(argv)

    try:
        path = cached_database(comments=args.comments, seed=args.seed)
    except SharedDataMissingError as error:
        print(f"bench_queue: {error}", file=sys.stderr)
        return 2
    database = open_database(f"sqlite:///{path}")
    with database.session() as session:
        # The article with the most comments still waiting: the busiest page a desk opens.
        (article_id,) = (
            session.connection()
            .exec_driver_sql(
                "SELECT article_id FROM comment WHERE status = 'pending'"
                " GROUP BY article_id ORDER BY count(*) DESC, article_id LIMIT 1"
            )
            .one()
        )
    queues = {
        "all articles": QueueFilter(status=Status.PENDING),
        f"article {article_id}": QueueFilter(article_id=article_id, status=Status.PENDING),
    }

    rows: list[tuple[str, ...]] = [
        ("measured", "figure", "reference (same run)", "ratio", "target", "result")
    ]
    plans_ok = []
    for label, queue in queues.items():

        def page(queue: QueueFilter = queue) -> None:
            with database.session() as session:
                assert len(list_queue(session, queue, limit=PAGE)) == PAGE

        first = time_calls(page, 1)  # for the first queue: the first query since opening
        statements = captured_statements(database, partial(list_queue, queue=queue, limit=PAGE))
        timing = time_calls(page, args.runs)
        raw = time_raw(path, statements, args.runs)
        rows.append(
            (
                f"list_queue pending, {label}, median",
                _ms(timing.median),
                f"same SQL on raw sqlite3: {_ms(raw.median)}",
                f"{timing.median / raw.median:.1f}x",
                f"<= {TARGET_MS:.0f} ms",
                verdict(timing.median <= TARGET_MS),
            )
        )
        rows.append(
            (
                f"list_queue pending, {label}, p99 of {args.runs}",
                _ms(timing.p99),
                f"raw sqlite3 p99: {_ms(raw.p99)} (first call {_ms(first.median)})",
                f"{timing.p99 / raw.p99:.1f}x",
                f"<= {TARGET_MS:.0f} ms",
                verdict(timing.p99 <= TARGET_MS),
            )
        )
        plans_ok.append(print_plan(path, f"list_queue pending, {label}", statements))
        print()

    # The window counts every pending comment for its tab titles; this grows with the queue.
    pending = QueueFilter(status=Status.PENDING)

    def count() -> None:
        with database.session() as session:
            count_queue(session, pending)

    count()
    counted = time_calls(count, args.runs)
    count_sql = captured_statements(database, partial(count_queue, queue=pending))
    raw_count = time_raw(path, count_sql, args.runs)
    rows.append(
        (
            "count_queue pending (the window's tab counts), median",
            _ms(counted.median),
            f"same count on raw sqlite3: {_ms(raw_count.median)}",
            f"{counted.median / raw_count.median:.1f}x",
            f"<= {TARGET_MS:.0f} ms",
            verdict(counted.median <= TARGET_MS),
        )
    )
    database.close()

    script = Path(sys.executable).with_name("moderator")
    if not script.exists():
        print(f"no console script at {script}: install the project into this venv")
        rows.append(("moderator commands", "not run", "", "", "", "FAIL"))
    else:
        rows.extend(command_rows(script, path, article_id, args.command_runs))
    print(
        f"{args.comments:,} comments in a {path.stat().st_size / 2**20:,.0f} MiB database"
        f" (seed {args.seed})"
    )
    print_table(rows)
    print()
    print(
        f"in-process: median and p99 of {args.runs} calls after one warm-up call, a new session"
        f" each; commands: median of {args.command_runs} rounds after one warm-up round, each"
        " round running every command and reference once, in turn."
    )
    print(f"queue queries served by an index without a sort step: {all(plans_ok)}")
    print(f"text data read from {SHARED_DATA} when the database is built.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
