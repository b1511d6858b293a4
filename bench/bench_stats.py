"""Measures the insights views on 1,000,000 comments and 1,000,000 log entries.

The comments are bench_queue.py's cached database (1,000 articles of 1,000 comments, some
flagged). A copy has each article imported at its own moment across 90 days (an import
entry, its comments' import time) and gets 1,000,000 decisions logged between them, written
straight in with sqlite3 ``executemany``: each on a comment already imported (mostly one of
the last two days'), from the state the comment was in, by eight people or the rules (one
pending comment in ten), of a desk's mix (approvals and hides on pending comments; restores,
undos and editors' outcomes on decided ones). Their hashes are not a chain: what is measured
is counting, not verifying.

Each view (``moderator.insights.stats``, ``moderator.insights.queue``) is timed as the window and
``moderator stats`` call it, the median of 3 runs after one warm-up, once the counts are
rolled up (the first roll-up is timed on its own): decisions per day and per hour (all, one
moderator, one article, one month), the queue per day and hour (all, one article, one
month), the waits from import to decision (per article, the whole desk), each moderator's
decisions with the editors' turnarounds, each rule's hits and outcomes, each article's
hidden share.

Target: every view <= 500 ms.

Run it (from the repository root)::

    .venv/bin/python bench/bench_stats.py
    .venv/bin/python bench/bench_stats.py --comments 100000 --entries 100000   # quicker
"""

from __future__ import annotations

import argparse
import bisect
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_queue import cached_database
from report import print_table, verdict
from sqlalchemy import text
from sqlalchemy.orm import Session

from moderator.insights.queue import decision_waits, desk_waits, queue_over_time
from moderator.insights.stats import (
    Bucket,
    Period,
    article_stats,
    decisions_over_time,
    moderator_stats,
    roll_up,
    rule_stats,
)
from moderator.store.database import Database, open_database

TARGET_MS = 500.0
PEOPLE = [f"mod{n}" for n in range(6)] + ["editor1", "editor2"]
# What people do to a pending comment, and to a decided one (weights).
ON_PENDING = (("approve", 0.58), ("hide", 0.34), ("escalate", 0.08))
ON_DECIDED = (("restore", 0.35), ("undo", 0.25), ("uphold", 0.2), ("overturn", 0.2))
START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90
# Most decisions are on comments imported in the last two days; the rest on any.
RECENT = timedelta(days=2)
RECENT_SHARE = 0.85


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _to_status(action: str, status: str) -> str:
    if action in {"approve", "overturn"}:
        return "approved" if action == "approve" or status == "hidden" else "hidden"
    if action == "hide":
        return "hidden"
    if action == "uphold":
        return status
    return "pending"  # escalate (stays), restore, undo


def add_log_entries(path: Path, entries: int, seed: int) -> None:
    """Import each article at its own moment across the days (comments and an import entry),
    and log ``entries`` decisions between them, each from the comment's state at the time."""
    chance = random.Random(seed)
    raw = sqlite3.connect(path)
    try:
        by_article: dict[int, list[int]] = {}
        for comment_id, article_id in raw.execute("SELECT id, article_id FROM comment"):
            by_article.setdefault(article_id, []).append(comment_id)
        articles = sorted(by_article)
        span = DAYS * 86_400
        imported = [
            START + timedelta(seconds=span * 0.97 * number / len(articles))
            for number in range(len(articles))
        ]
        raw.executemany(
            "UPDATE comment SET imported_at = ? WHERE article_id = ?",
            [(_sqlite_time(at), a) for at, a in zip(imported, articles, strict=True)],
        )
        head = raw.execute("SELECT seq FROM log_head").fetchone()[0]
        status: dict[int, str] = {}
        rows: list[tuple[object, ...]] = []

        def log(
            at: datetime,
            actor: str,
            action: str,
            *,
            comment: int | None,
            article: int,
            before: str | None,
            after: str | None,
        ) -> None:
            role = (
                "system"
                if actor == "system"
                else "editor"
                if actor.startswith("editor")
                else "moderator"
            )
            rows.append(
                (
                    head + len(rows) + 1,
                    "0" * 64,
                    _sqlite_time(at),
                    actor,
                    role,
                    action,
                    comment,
                    article,
                    before,
                    after,
                    None if comment is None else 0,
                    "0" * 64,
                )
            )

        next_import = 0
        for number in range(entries):
            at = START + timedelta(seconds=span * (number + 1) / (entries + 1))
            while next_import < len(articles) and imported[next_import] <= at:
                article = articles[next_import]
                log(
                    imported[next_import],
                    "system",
                    "import",
                    comment=None,
                    article=article,
                    before=None,
                    after=None,
                )
                next_import += 1
            if not next_import:
                continue
            recent = bisect.bisect_left(imported, at - RECENT, 0, next_import)
            low = recent if recent < next_import and chance.random() < RECENT_SHARE else 0
            article = articles[chance.randrange(low, next_import)]
            comment = chance.choice(by_article[article])
            before = status.get(comment, "pending")
            if before == "pending" and chance.random() < 0.1:
                actor, action = "system", "hide"
            else:
                actor = chance.choice(PEOPLE)
                names, weights = zip(
                    *(ON_PENDING if before == "pending" else ON_DECIDED), strict=True
                )
                action = chance.choices(names, weights)[0]
            after = _to_status(action, before)
            status[comment] = after
            log(at, actor, action, comment=comment, article=article, before=before, after=after)
        raw.executemany(
            "INSERT INTO log_entry (seq, prev_hash, created_at, actor, role, action, comment_id,"
            " article_id, from_status, to_status, escalated, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        raw.execute("UPDATE log_head SET seq = ?", (head + len(rows),))
        raw.commit()
    finally:
        raw.close()


def timed(database: Database, view: Callable[[Database], object], runs: int = 3) -> float:
    view(database)  # warm-up: the first read pulls pages into the cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        view(database)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def views(database: Database) -> list[tuple[str, Callable[[Database], object]]]:
    with database.session() as session:
        # An article in the middle of the table.
        article = session.execute(
            text("SELECT article_id FROM comment ORDER BY id LIMIT 1 OFFSET :n"),
            {"n": max(0, total_comments(session) // 2)},
        ).scalar_one()
    month = Period(since=START + timedelta(days=30), until=START + timedelta(days=60))
    odd = Period(
        since=START + timedelta(days=30, minutes=17),
        until=START + timedelta(days=60, hours=5, minutes=41),
    )

    def call(function: Callable[..., object], *args: object) -> Callable[[Database], object]:
        def run(db: Database) -> object:
            with db.session() as session:
                return function(session, *args)

        return run

    return [
        ("decisions per day, all", call(decisions_over_time, Period(), Bucket.DAY)),
        ("decisions per hour, all", call(decisions_over_time, Period(), Bucket.HOUR)),
        ("decisions per day, one moderator", call(decisions_over_time, Period(actor="mod3"))),
        (
            "decisions per day, one article",
            call(decisions_over_time, Period(article_id=article)),
        ),
        ("decisions per hour, one month", call(decisions_over_time, month, Bucket.HOUR)),
        ("decisions per day, a range off the hour", call(decisions_over_time, odd)),
        ("queue per day, all", call(queue_over_time, Period(), Bucket.DAY)),
        ("queue per hour, all", call(queue_over_time, Period(), Bucket.HOUR)),
        ("queue per day, one article", call(queue_over_time, Period(article_id=article))),
        ("queue per hour, one month", call(queue_over_time, month, Bucket.HOUR)),
        ("waits per article", call(decision_waits)),
        ("waits, the whole desk", call(desk_waits)),
        ("each moderator, all time", call(moderator_stats, Period())),
        ("each moderator, one month", call(moderator_stats, month)),
        ("each rule", call(rule_stats)),
        ("each article", call(article_stats)),
    ]


def total_comments(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM comment")).scalar_one())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    source = cached_database(comments=args.comments, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as folder:
        path = Path(folder) / "stats.sqlite3"
        shutil.copyfile(source, path)
        started = time.perf_counter()
        add_log_entries(path, args.entries, args.seed)
        print(
            f"{args.comments:,} comments, {args.entries:,} log entries written in"
            f" {time.perf_counter() - started:.1f} s"
        )
        database = open_database(str(path))
        try:
            started = time.perf_counter()
            with database.transaction() as session:
                roll_up(session)
            first = time.perf_counter() - started
            started = time.perf_counter()
            with database.transaction() as session:
                roll_up(session)
            again = (time.perf_counter() - started) * 1000
            print(
                f"counts kept with the log (decisions per hour, the queue's flow, the waits):"
                f" first roll-up of {args.entries:,} entries {first:.1f} s (once);"
                f" when up to date {again:.1f} ms"
            )
            rows = [["view", "median of 3", "target", "verdict"]]
            passed = True
            for label, view in views(database):
                ms = timed(database, view)
                passed &= ms <= TARGET_MS
                rows.append(
                    [label, f"{ms:,.0f} ms", f"<= {TARGET_MS:,.0f} ms", verdict(ms <= TARGET_MS)]
                )
            print_table(rows)
        finally:
            database.close()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
