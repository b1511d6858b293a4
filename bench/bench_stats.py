"""Measures the insights views on 1,000,000 comments and 1,000,000 log entries.

The comments are bench_queue.py's cached database (1,000 articles of 1,000 comments, some
flagged, some decided). A copy gets 1,000,000 log entries written straight in with sqlite3
``executemany``: decisions on random comments by eight people and the rules (one in ten),
spread over 90 days, of a moderation desk's mix of actions (mostly approvals and hides, some
restores, escalations, undos and editors' outcomes). Their hashes are not a chain: what is
measured is counting, not verifying.

Each view (``moderator.stats``) is timed as the window and ``moderator stats`` call it, the
median of 3 runs after one warm-up, once the hourly counts are rolled up (the first roll-up
is timed on its own): decisions per day and per hour (all, one moderator, one
article, one month), each moderator's decisions with the editors' turnarounds, each rule's
hits and outcomes, each article's hidden share.

Target: every view <= 500 ms.

Run it (from the repository root)::

    .venv/bin/python bench/bench_stats.py
    .venv/bin/python bench/bench_stats.py --comments 100000 --entries 100000   # quicker
"""

from __future__ import annotations

import argparse
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

from moderator.stats import (
    Bucket,
    Period,
    article_stats,
    decisions_over_time,
    moderator_stats,
    roll_up,
    rule_stats,
)
from moderator.storage import Database, open_database

TARGET_MS = 500.0
PEOPLE = [f"mod{n}" for n in range(6)] + ["editor1", "editor2"]
ACTIONS = (
    ("approve", 0.52),
    ("hide", 0.30),
    ("restore", 0.05),
    ("escalate", 0.04),
    ("undo", 0.03),
    ("uphold", 0.02),
    ("overturn", 0.02),
    ("return", 0.02),
)
TO_STATUS = {
    "approve": "approved",
    "hide": "hidden",
    "restore": "pending",
    "escalate": "pending",
    "undo": "pending",
    "uphold": "hidden",
    "overturn": "approved",
    "return": "pending",
}
START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def add_log_entries(path: Path, entries: int, seed: int) -> None:
    chance = random.Random(seed)
    raw = sqlite3.connect(path)
    try:
        comments = raw.execute("SELECT id, article_id FROM comment").fetchall()
        head = raw.execute("SELECT seq FROM log_head").fetchone()[0]
        names, weights = zip(*ACTIONS, strict=True)
        rows = []
        span = DAYS * 86_400
        for number in range(entries):
            comment_id, article_id = chance.choice(comments)
            system = chance.random() < 0.1
            action = "hide" if system else chance.choices(names, weights)[0]
            actor = "system" if system else chance.choice(PEOPLE)
            role = "system" if system else ("editor" if actor.startswith("editor") else "moderator")
            at = START + timedelta(seconds=span * number / entries)
            rows.append(
                (
                    head + number + 1,
                    "0" * 64,
                    _sqlite_time(at),
                    actor,
                    role,
                    action,
                    comment_id,
                    article_id,
                    "pending",
                    TO_STATUS[action],
                    0,
                    "0" * 64,
                )
            )
        raw.executemany(
            "INSERT INTO log_entry (seq, prev_hash, created_at, actor, role, action, comment_id,"
            " article_id, from_status, to_status, escalated, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        raw.execute("UPDATE log_head SET seq = ?", (head + entries,))
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
                counted = roll_up(session)
            first = time.perf_counter() - started
            started = time.perf_counter()
            with database.transaction() as session:
                roll_up(session)
            again = (time.perf_counter() - started) * 1000
            print(
                f"hourly counts: first roll-up of {counted:,} entries {first:.1f} s (once);"
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
