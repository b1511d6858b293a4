"""Measures team mode: 8 desks (processes) deciding on the same comments at once.

Each worker process is a desk: it opens the database itself and makes 1,000 decisions, each
one as a moderator makes it: read a comment of a shared pool (its status and version, as the
window shows it), pick a decision that fits what it saw (pending: approve or hide; decided:
the other one, or back to pending), and make it in one unit of work with the version seen.
A comment changed by another desk in between is refused with who changed it (a conflict);
nothing else may fail.

Then it checks, against the database: every acknowledged decision's log entry is there with
its comment and action, nothing unacknowledged was logged, each comment's state is that of
its last acknowledged decision, and the log verifies as one hash chain.

It runs against SQLite (one file, as several windows on one machine share it) and against
PostgreSQL (a throwaway server with fsync on, started here; or --postgres URL).

It prints decisions/s (acknowledged; and attempts/s), conflicts, the latency of a decision
(p50/p95), and the checks. Targets: nothing lost (every check passes), and at least 100
decisions/s on either database: a moderator decides about one comment every two seconds, so
8 busy desks make 4 a second, and 100 leaves 25 times that. (Appends to the log's hash chain
are one at a time by design, each holding the head until its commit: that, not the disk,
bounds the rate.)

Run it (from the repository root)::

    .venv/bin/python bench/bench_concurrency.py
    .venv/bin/python bench/bench_concurrency.py --decisions 200 --only sqlite   # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from report import print_table, verdict
from sqlalchemy import select
from throwaway_postgres import NoServerError, start

from moderator.domain import Role, Status
from moderator.domain.errors import ConflictError, TransitionError
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.log.verify import verify_log
from moderator.services import moderation
from moderator.services.importing import import_article
from moderator.store.database import open_database
from moderator.store.models import Comment, LogEntryRow

WORKERS = 8
DECISIONS = 1_000
POOL = 400
# How long a desk may take to open its database, or to make all its decisions.
WAIT_SECONDS = 600
TARGETS = {"postgresql": 100.0, "sqlite": 100.0}
DECIDING = ("approve", "hide", "restore")
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    """What one worker did: its acknowledged decisions (entry, comment, action), conflicts,
    other refusals, and each attempt's latency in seconds."""

    acknowledged: list[tuple[int, int, str]]
    conflicts: int
    refused: list[str]
    latencies: list[float]


def prepare(url: str, pool: int) -> list[int]:
    """A migrated database with ``pool`` pending comments and the desks' profiles."""
    database = open_database(url)
    try:
        comments = tuple(
            IncomingComment(f"reader{i % 97}", T0 + timedelta(seconds=i), f"Comment number {i}.")
            for i in range(pool)
        )
        with database.transaction() as session:
            import_article(session, IncomingArticle("Busy thread", "Text.", "bench", comments))
            first = moderation.ensure_profile(session, "desk0", role=Role.EDITOR)
            for worker in range(1, WORKERS):
                # Editors, so that any decision fits any state: conflicts come from timing only.
                moderation.ensure_profile(
                    session, f"desk{worker}", role=Role.EDITOR, granted_by=first.name
                )
        with database.session() as session:
            return list(session.scalars(select(Comment.id).order_by(Comment.id)))
    finally:
        database.close()


def _choose(status: Status, chance: random.Random) -> str:
    if status is Status.PENDING:
        return chance.choice(("approve", "hide"))
    other = "hide" if status is Status.APPROVED else "approve"
    return chance.choice((other, "restore"))


@dataclass(frozen=True)
class Plan:
    """What every desk is to do: where, on which comments, how many decisions each."""

    url: str
    ids: Sequence[int]
    decisions: int


def work(plan: Plan, worker: int, go: Event, ready: Any) -> Outcome:
    """One desk's run (in its own process): says it is ready once open, starts on ``go``."""
    url, ids, decisions = plan.url, plan.ids, plan.decisions
    database = open_database(url)
    with database.session() as session:
        session.execute(select(Comment.id).limit(1)).all()
    ready.put(worker)
    chance = random.Random(worker)
    name = f"desk{worker}"
    acknowledged: list[tuple[int, int, str]] = []
    refused: list[str] = []
    latencies: list[float] = []
    conflicts = 0
    go.wait()
    try:
        for _ in range(decisions):
            comment_id = chance.choice(ids)
            started = time.perf_counter()
            with database.session() as session:
                status, version = session.execute(
                    select(Comment.status, Comment.version).where(Comment.id == comment_id)
                ).one()
            action = _choose(status, chance)
            try:
                with database.transaction() as session:
                    actor = moderation.ensure_profile(session, name)
                    seen = {comment_id: version}
                    if action == "approve":
                        change = moderation.approve(session, [comment_id], actor=actor, seen=seen)
                    elif action == "hide":
                        change = moderation.hide(
                            session, [comment_id], actor=actor, reason="spam", seen=seen
                        )
                    else:
                        change = moderation.restore(session, [comment_id], actor=actor, seen=seen)
                acknowledged.append((change.comments[0].entry_seq, comment_id, action))
            except ConflictError:
                conflicts += 1
            except TransitionError as error:
                refused.append(str(error))
            latencies.append(time.perf_counter() - started)
    finally:
        database.close()
    return Outcome(acknowledged, conflicts, refused, latencies)


def _work_into(plan: Plan, worker: int, go: Event, queues: Any) -> None:
    ready, results = queues
    results.put((worker, work(plan, worker, go, ready)))


def run(url: str, decisions: int, pool: int) -> tuple[float, list[Outcome]]:
    ids = prepare(url, pool)
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    ready, results = context.Queue(), context.Queue()
    plan = Plan(url, ids, decisions)
    processes = [
        context.Process(target=_work_into, args=(plan, worker, go, (ready, results)))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    # Every desk opens its database first; the clock starts when all may begin.
    try:
        for _ in processes:
            ready.get(timeout=WAIT_SECONDS)
        started = time.perf_counter()
        go.set()
        outcomes = [results.get(timeout=WAIT_SECONDS)[1] for _ in processes]
    except queue.Empty:
        for process in processes:
            process.kill()
        raise SystemExit("a desk stopped answering (see its traceback above)") from None
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a worker failed (exit {process.exitcode})")
    return elapsed, outcomes


def check(url: str, outcomes: list[Outcome]) -> dict[str, bool]:
    """Whether nothing was lost: each check by name."""
    acknowledged = sorted(entry for outcome in outcomes for entry in outcome.acknowledged)
    database = open_database(url)
    try:
        with database.session() as session:
            logged = sorted(
                (seq, comment, action)
                for seq, comment, action in session.execute(
                    select(LogEntryRow.seq, LogEntryRow.comment_id, LogEntryRow.action).where(
                        LogEntryRow.action.in_(DECIDING)
                    )
                )
            )
            states = {
                comment_id: (status, version)
                for comment_id, status, version in session.execute(
                    select(Comment.id, Comment.status, Comment.version)
                )
            }
            verified = verify_log(session)
    finally:
        database.close()
    last: dict[int, tuple[int, str]] = {}
    for seq, comment, action in acknowledged:
        last[comment] = (seq, action)
    ends = {"approve": Status.APPROVED, "hide": Status.HIDDEN, "restore": Status.PENDING}
    return {
        "every acknowledged decision is logged, nothing else": logged == acknowledged,
        "each comment is as its last decision left it": all(
            states[comment] == (ends[action], seq) for comment, (seq, action) in last.items()
        ),
        "the log verifies as one chain": verified.ok,
        "nothing refused but conflicts": not any(outcome.refused for outcome in outcomes),
    }


def report(
    kind: str, elapsed: float, outcomes: list[Outcome], checks: dict[str, bool], pool: int
) -> bool:
    done = sum(len(outcome.acknowledged) for outcome in outcomes)
    attempts = sum(len(outcome.latencies) for outcome in outcomes)
    conflicts = sum(outcome.conflicts for outcome in outcomes)
    latencies = sorted(latency for outcome in outcomes for latency in outcome.latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    rate = done / elapsed
    target = TARGETS[kind]
    rows = [
        ["measure", "figure", "target", "verdict"],
        ["decisions acknowledged", f"{done:,} of {attempts:,} attempts", "", ""],
        ["decisions/s", f"{rate:,.0f}", f">= {target:,.0f}", verdict(rate >= target)],
        ["attempts/s", f"{attempts / elapsed:,.0f}", "", ""],
        ["conflicts reported", f"{conflicts:,} ({conflicts / attempts:.1%})", "", ""],
        [
            "decision latency p50 / p95",
            f"{statistics.median(latencies) * 1000:.1f} / {p95 * 1000:.1f} ms",
            "",
            "",
        ],
    ]
    rows += [[name, "yes" if ok else "NO", "yes", verdict(ok)] for name, ok in checks.items()]
    for outcome in outcomes:
        for message in outcome.refused[:3]:
            print(f"  refused: {message}", file=sys.stderr)
    print(
        f"\n{kind}: {WORKERS} desks x {attempts // WORKERS:,} decisions on {pool:,} shared comments"
    )
    print_table(rows)
    return rate >= target and all(checks.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=DECISIONS, help="per desk")
    parser.add_argument("--pool", type=int, default=POOL, help="comments the desks share")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres", metavar="URL", help="a server to use (default: start one)")
    args = parser.parse_args(argv)
    passed = True
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as folder:
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{Path(folder) / 'team.sqlite3'}"
            elapsed, outcomes = run(url, args.decisions, args.pool)
            passed &= report("sqlite", elapsed, outcomes, check(url, outcomes), args.pool)
        if args.only in (None, "postgresql"):
            passed &= _postgres(args)
    return 0 if passed else 1


def _postgres(args: argparse.Namespace) -> bool:
    server = None
    base = args.postgres
    if base is None:
        try:
            server = start(Path(tempfile.mkdtemp(prefix="bench-pg-")), durable=True)
        except NoServerError as error:
            print(f"\npostgresql: skipped ({error})")
            return True
        base = server.url
    try:
        import psycopg  # noqa: PLC0415 - PostgreSQL only

        name = f"bench_{int(time.time())}"
        admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        url = f"{base}/{name}"
        elapsed, outcomes = run(url, args.decisions, args.pool)
        return report("postgresql", elapsed, outcomes, check(url, outcomes), args.pool)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
