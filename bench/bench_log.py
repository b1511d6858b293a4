"""Measures the moderation log at 1,000,000 entries: appending, exporting, verifying.

The log is made by the real services: 250,000 comments (1,000 per article, bodies of a few
dozen words, 3% with a rule's flag) are stored directly, each article's import and each flag
logged as the services log them (the import recording each comment's digest), then decided
four times over in bulk
(approve, restore, hide, restore; 5,000 comments per unit of work), each decision appending one
entry per comment with its evidence. That database is cached in bench/out/, keyed by size and
schema version.

It prints:

* the append rate inside decisions: bulk (the build above), and single-comment decisions each
  in its own unit of work (what a moderator's keystroke costs, with the fsync), with the share
  of that time spent appending to the log;
* exporting the whole log to CSV, JSON Lines and JSON: rows/s and the exporting process's peak
  RSS growth (each export runs in a fresh process), against reading the same rows with a bare
  sqlite3 cursor;
* ``verify_log``: entries/s for the chain walk plus the comment-state check and the
  comparison of every comment, role, lock, note and flag with the log; and that comparison
  (``check_content``) alone.

Targets: export >= 100,000 rows/s with RSS growth <= 100 MB; verify >= 200,000 entries/s.

Run it (from the repository root)::

    .venv/bin/python bench/bench_log.py
    .venv/bin/python bench/bench_log.py --entries 100000  # quicker
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from report import print_table, verdict

from moderator.formats.log_export import LogFormat
from moderator.formats.modlog import COMMENT_RECORD, comment_digest, comment_record, evidence_text
from moderator.log.content import check_content
from moderator.log.export import export_log
from moderator.log.queries import LogFilter
from moderator.log.verify import verify_log
from moderator.services import history, moderation
from moderator.store.database import Database, open_database
from moderator.store.migrations import HEAD
from moderator.store.models import Comment

OUT = Path(__file__).resolve().parent / "out"
EXPORT_TARGET = 100_000
RSS_TARGET_MB = 100
VERIFY_TARGET = 200_000
COMMENTS_PER_ARTICLE = 1_000
ROUNDS = 4  # decisions per comment: approve, restore, hide, restore
BULK = 5_000
SINGLE_DECISIONS = 300
WORDS = (
    *("council", "ferry", "fares", "budget", "harbour", "residents", "vote", "plan", "service"),
    *("morning", "price", "ticket", "commuters", "island", "mayor", "report", "winter"),
    *("timetable", "bridge", "money", "taxes", "people", "city"),
)


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _store_comments(database: Database, count: int, seed: int) -> list[int]:
    chance = random.Random(seed)
    stamp = _sqlite_time(datetime(2026, 1, 1, tzinfo=UTC))
    with database.transaction() as session:
        raw = session.connection().connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        articles = max(1, count // COMMENTS_PER_ARTICLE)
        raw.executemany(
            "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at)"
            " VALUES (?, ?, 'Body', ?, ?, ?, ?)",
            [
                (a, f"Article {a}", f"a{a}.txt", f"{a:064x}", stamp, stamp)
                for a in range(1, articles + 1)
            ],
        )
        raw.executemany(
            "INSERT INTO author (id, name, first_seen_at) VALUES (?, ?, ?)",
            [(a, f"reader{a}", stamp) for a in range(1, 5001)],
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        raw.executemany(
            "INSERT INTO comment (id, article_id, position, author_id, posted_at, body, status,"
            " escalated, fingerprint, imported_at, urgency, external_id)"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, 3, ?)",
            (
                (
                    i,
                    1 + (i - 1) // COMMENTS_PER_ARTICLE,
                    1 + (i - 1) % COMMENTS_PER_ARTICLE,
                    chance.randint(1, 5000),
                    _sqlite_time(start + timedelta(seconds=i)),
                    " ".join(chance.choices(WORDS, k=chance.randint(8, 60))),
                    f"{i:064x}",
                    stamp,
                    f"wp-{i}",
                )
                for i in range(1, count + 1)
            ),
        )
        flagged = chance.sample(range(1, count + 1), count * 3 // 100)
        raw.executemany(
            "INSERT INTO flag (comment_id, rule_id, rule_set_version, severity, spans,"
            " explanation, created_at) VALUES (?, 'insults', 'bench', 'medium', '[[0, 7]]',"
            " 'a word on the list', ?)",
            [(cid, stamp) for cid in flagged],
        )
        raw.executemany("UPDATE comment SET urgency = 1 WHERE id = ?", [(cid,) for cid in flagged])
        _log_imports_and_flags(session, raw, articles)
    return list(range(1, count + 1))


def _log_imports_and_flags(session: Any, raw: sqlite3.Connection, articles: int) -> None:
    """The entries an import and a rule run would have left for the rows stored directly:
    each article's import with its record of every comment, and each flag."""
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    importer = history.Actor("importer", "moderator")
    for article in range(1, articles + 1):
        rows = raw.execute(
            "SELECT c.id, a.name, c.body FROM comment c JOIN author a ON a.id = c.author_id"
            " WHERE c.article_id = ? ORDER BY c.id",
            (article,),
        ).fetchall()
        record = comment_record(
            [(cid, comment_digest(cid, article, name, body)) for cid, name, body in rows]
        )
        said = {"source": f"a{article}.txt", "added": len(rows), COMMENT_RECORD: record}
        entry = history.NewEntry("import", article_id=article, evidence=evidence_text(said))
        history.append(session, importer, [entry], at=stamp)
    flagged = raw.execute(
        "SELECT f.comment_id, c.article_id, c.body FROM flag f JOIN comment c"
        " ON c.id = f.comment_id ORDER BY f.comment_id"
    ).fetchall()
    hit = ("insults", "medium", [[0, 7]], "a word on the list")
    history.append(
        session,
        history.Actor.rules("bench"),
        [
            history.NewEntry(
                "flag",
                comment_id=cid,
                article_id=article,
                from_status="pending",
                to_status="pending",
                escalated=False,
                evidence=history.evidence(body, [hit]),
            )
            for cid, article, body in flagged
        ],
    )


def build(path: Path, *, entries: int, seed: int) -> float:
    """The database with its log; the bulk append rate (entries/s) while deciding."""
    database = open_database(f"sqlite:///{path}")
    try:
        ids = _store_comments(database, entries // ROUNDS, seed)
        steps: list[Callable[..., Any]] = [
            moderation.approve,
            moderation.restore,
            lambda session, chunk, actor: moderation.hide(
                session, chunk, actor=actor, reason="spam"
            ),
            moderation.restore,
        ]
        started = time.perf_counter()
        for step in steps:
            for first in range(0, len(ids), BULK):
                with database.transaction() as session:
                    actor = moderation.ensure_profile(session, f"mod{first // BULK % 7}")
                    step(session, ids[first : first + BULK], actor=actor)
        elapsed = time.perf_counter() - started
    finally:
        database.close()
    return entries / elapsed


def cached(entries: int, seed: int) -> tuple[Path, float | None]:
    OUT.mkdir(exist_ok=True)
    # "imports": built with the imports' and flags' entries (earlier caches lack them).
    path = OUT / f"log-{entries}-seed{seed}-schema{HEAD}-imports.sqlite3"
    rate_file = path.with_suffix(".rate.json")
    if path.exists() and rate_file.exists():
        return path, json.loads(rate_file.read_text())["bulk_entries_per_s"]
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    print(f"building {path.name} (once) ...", file=sys.stderr, flush=True)
    rate = build(partial, entries=entries, seed=seed)
    partial.replace(path)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    rate_file.write_text(json.dumps({"bulk_entries_per_s": rate}))
    return path, rate


def single_decisions(path: Path) -> tuple[float, float]:
    """(decisions/s, share of the time spent appending) for one-comment decisions, each its
    own unit of work, on a copy of the database (the cached one stays as built)."""
    database = open_database(f"sqlite:///{path}")
    spent = [0.0]
    real_append = history.append

    def timed_append(*args: Any, **kwargs: Any) -> list[int]:
        started = time.perf_counter()
        try:
            return real_append(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    moderation.append = timed_append  # type: ignore[attr-defined]
    try:
        with database.session() as session:
            pending = list(
                session.scalars(
                    Comment.__table__.select()
                    .with_only_columns(Comment.id)
                    .where(Comment.status == "pending")
                    .limit(SINGLE_DECISIONS)
                )
            )
        started = time.perf_counter()
        for comment_id in pending:
            with database.transaction() as session:
                actor = moderation.ensure_profile(session, "single")
                moderation.approve(session, [comment_id], actor=actor)
        elapsed = time.perf_counter() - started
    finally:
        moderation.append = real_append  # type: ignore[attr-defined]
        database.close()
    return len(pending) / elapsed, spent[0] / elapsed


def _memory_kb(field: str) -> int:
    """VmRSS (resident now) or VmHWM (the peak) of this process, from /proc.

    Not ``getrusage``: its peak survives ``exec`` from the parent, so a child started by a
    large process would report the parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0])
    raise LookupError(field)


def child(mode: str, path: Path, out: Path) -> None:
    """One measurement in this (fresh) process; prints JSON with rows, seconds and RSS."""
    database = open_database(f"sqlite:///{path}")
    with database.session() as session:
        session.connection()  # opened before the baseline
        # What the process holds now (not its peak so far, which opening the database may
        # have set): the growth measured is then an upper bound.
        before = _memory_kb("VmRSS")
        started = time.perf_counter()
        if mode == "verify":
            found = verify_log(session)
            assert found.ok, found.summary()
            rows = found.entries
        elif mode == "content":
            checked = check_content(session)
            assert not checked.problems, checked.problems
            rows = checked.comments
        elif mode == "bare":
            raw = session.connection().connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            rows = sum(1 for _ in raw.execute("SELECT * FROM log_entry ORDER BY seq"))
        else:
            made = export_log(session, out, log_format=LogFormat(mode), log_filter=LogFilter())
            rows = made.entries
        elapsed = time.perf_counter() - started
        after = _memory_kb("VmHWM")
    database.close()
    print(json.dumps({"rows": rows, "seconds": elapsed, "rss_growth_kb": after - before}))


def measure(mode: str, path: Path) -> dict[str, float]:
    out = OUT / f"export.{mode}"
    done = subprocess.run(  # noqa: S603 - this very script, with paths it chose
        [sys.executable, __file__, "--child", mode, "--db", str(path), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    out.unlink(missing_ok=True)
    Path(str(out) + ".chain.json").unlink(missing_ok=True)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.db, args.out)
        return 0

    path, bulk_rate = cached(args.entries, args.seed)
    work = OUT / "log-single.sqlite3"
    shutil.copyfile(path, work)
    singles, share = single_decisions(work)
    work.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)

    bare = measure("bare", path)
    bare_rate = bare["rows"] / bare["seconds"]
    rows: list[tuple[str, ...]] = [
        ("measured", "figure", "reference (same run)", "target", "result")
    ]
    rows.append(
        (
            f"append inside bulk decisions ({BULK:,} per unit)",
            f"{bulk_rate:,.0f} entries/s",
            "(when the cached database was built)",
            "-",
            "-",
        )
    )
    rows.append(
        (
            "single-comment decisions, one unit each",
            f"{singles:,.0f} decisions/s",
            f"appending is {share:.0%} of it",
            "-",
            "-",
        )
    )
    for mode in ("csv", "jsonl", "json"):
        figures = measure(mode, path)
        rate = figures["rows"] / figures["seconds"]
        growth_mb = figures["rss_growth_kb"] / 1024
        ok = rate >= EXPORT_TARGET and growth_mb <= RSS_TARGET_MB
        rows.append(
            (
                f"export {figures['rows']:,.0f} entries to {mode.upper()}",
                f"{rate:,.0f} rows/s, RSS +{growth_mb:.1f} MB",
                f"bare sqlite3 read {bare_rate:,.0f} rows/s",
                f">= {EXPORT_TARGET:,}/s, <= {RSS_TARGET_MB} MB",
                verdict(ok),
            )
        )
    figures = measure("verify", path)
    rate = figures["rows"] / figures["seconds"]
    verified = figures["seconds"]
    rows.append(
        (
            f"verify {figures['rows']:,.0f} entries (chain, states, rows against the log)",
            f"{rate:,.0f} entries/s ({figures['seconds']:.1f} s)",
            f"bare sqlite3 read {bare_rate:,.0f} rows/s",
            f">= {VERIFY_TARGET:,}/s",
            verdict(rate >= VERIFY_TARGET),
        )
    )
    figures = measure("content", path)
    rows.append(
        (
            f"of which: {figures['rows']:,.0f} comments, roles, locks, notes, flags vs the log",
            f"{figures['rows'] / figures['seconds']:,.0f} comments/s ({figures['seconds']:.1f} s)",
            f"the whole verify {verified:.1f} s",
            "-",
            "-",
        )
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
