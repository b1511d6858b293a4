"""Faults: a write refused part-way through a unit of work (a full disk, say) leaves nothing.

Each trial picks an operation a desk does (import a file, approve or hide comments, revert
a decision, add a note, run the rules over an article) and makes the database refuse one of
its writes, the k-th, at random: SQLite's own "database or disk is full", raised where the
statement would have run. Then:

- the operation fails as a whole, with the plain-words message the user would see (a full
  disk, nothing of it saved);
- the database is exactly as before: the same articles, comments and their states, flags,
  and the log's head; ``PRAGMA integrity_check`` ok; the log's chain verifies;
- done again without the fault, the operation succeeds.

Run it (from the repository root)::

    .venv/bin/python bench/fault_test.py                # 300 trials
    .venv/bin/python bench/fault_test.py --trials 1000 --seed 4
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from results import Result, record
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain import ReasonCode, Status
from moderator.formats.scraped import ScrapedArticle, ScrapedComment, format_scraped
from moderator.imports.importer import ImportAborted, import_paths
from moderator.log.verify import verify_log
from moderator.rules import kinds as _kinds  # noqa: F401 - registers the built-in rule kinds
from moderator.rules.loader import load_rule_set
from moderator.runs.rules import run_rules
from moderator.services import moderation, notes, staging
from moderator.settings import DEFAULT_RULE_SET
from moderator.store.database import Database, open_database
from moderator.store.models import Article, Comment, LogEntryRow
from moderator.store.refusals import explain_refusal

FULL = "The disk that holds the database is full. Nothing of it was saved."
FULL_WHILE_SHOWN = "The disk that holds the database is full. The parts shown so far stay"
WRITES = ("INSERT", "UPDATE", "DELETE")
WORDS = ("idiot", "the", "council", "vote", "shut", "up", "budget", "http://spam.example")


class Injected(sqlite3.OperationalError):
    """The refusal this script injects (SQLite's own words for a full disk)."""


@dataclass
class Injection:
    """Which write is to be refused, how many were seen, and whether it was."""

    number: int
    writes: int = 0
    fired: bool = False


@contextmanager
def refuse_write(database: Database, number: int) -> Iterator[Injection]:
    """The ``number``-th write statement from now fails as on a full disk."""
    injection = Injection(number)

    def before(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith(WRITES):
            injection.writes += 1
            if injection.writes == number:
                injection.fired = True
                raise Injected("database or disk is full")

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        yield injection
    finally:
        event.remove(database.engine, "before_cursor_execute", before)


def state(database: Database) -> str:
    """Every row of every table, hashed: what a refused unit of work must leave as it was."""
    digest = hashlib.sha256()
    with database.session() as session:
        tables = session.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ).scalars()
        for table in list(tables):
            digest.update(table.encode())
            for row in session.execute(text(f'SELECT * FROM "{table}" ORDER BY rowid')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _left_to_show(database: Database) -> bool:
    with database.session() as session:
        return staging.state(session) == staging.PUBLISHING


def sound(database: Database) -> list[str]:
    problems = []
    with database.session() as session:
        integrity = session.execute(text("PRAGMA integrity_check")).scalars().all()
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:3]}")
        verification = verify_log(session, workers=1)
        if not verification.ok:
            problems.append(f"the log: {verification.summary()}")
    return problems


class Desk:
    """The operations a trial picks from, each one unit of work (a rule run: one per page,
    over one small article here)."""

    def __init__(self, database: Database, folder: Path, rng: random.Random) -> None:
        self.database = database
        self.folder = folder
        self.rng = rng
        self.files = 0
        self.rules = load_rule_set(DEFAULT_RULE_SET)

    def operations(self) -> list[tuple[str, Callable[[], object]]]:
        return [
            ("import a file", self.import_file()),
            ("approve or hide", self.decide()),
            ("revert a decision", self.revert()),
            ("note on a comment", self.note()),
            ("run the rules", self.run_rules()),
        ]

    def import_file(self) -> Callable[[], object]:
        self.files += 1
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=self.files)
        article = ScrapedArticle(
            f"Fault article {self.files}",
            ("A body.",),
            tuple(
                ScrapedComment(
                    f"reader{self.rng.randrange(50)}",
                    start + timedelta(minutes=n),
                    (" ".join(self.rng.choices(WORDS, k=self.rng.randint(2, 12))),),
                )
                for n in range(self.rng.randint(1, 60))
            ),
        )
        path = self.folder / f"fault-{self.files:05d}.txt"
        path.write_text(format_scraped(article), encoding="utf-8")
        return lambda: import_paths(self.database, [path], rules=self.rules, actor="ann")

    def _pending(self, count: int) -> list[int]:
        with self.database.session() as session:
            return list(
                session.scalars(
                    select(Comment.id)
                    .where(Comment.status == Status.PENDING)
                    .order_by(func.random())
                    .limit(count)
                )
            )

    def decide(self) -> Callable[[], object]:
        ids = self._pending(self.rng.choice((1, 5, 30)))
        hide = self.rng.random() < 0.5

        def run() -> None:
            if not ids:
                return  # nothing pending just now: nothing to do
            with self.database.transaction() as session:
                actor = moderation.ensure_profile(session, "ann")
                if hide:
                    moderation.hide(session, ids, actor=actor, reason=ReasonCode.ABUSE)
                else:
                    moderation.approve(session, ids, actor=actor)

        return run

    def revert(self) -> Callable[[], object]:
        with self.database.session() as session:
            # The newest decision still in effect (its comment's version is that entry).
            seq = session.scalar(
                select(LogEntryRow.seq)
                .join(Comment, Comment.id == LogEntryRow.comment_id)
                .where(
                    LogEntryRow.action.in_(("approve", "hide")),
                    LogEntryRow.actor == "ann",
                    Comment.version == LogEntryRow.seq,
                )
                .order_by(LogEntryRow.seq.desc())
                .limit(1)
            )

        def run() -> None:
            if seq is None:
                return
            with self.database.transaction() as session:
                moderation.revert(session, seq, actor=moderation.ensure_profile(session, "ann"))

        return run

    def note(self) -> Callable[[], object]:
        ids = self._pending(1)

        def run() -> None:
            if not ids:
                return
            with self.database.transaction() as session:
                actor = moderation.ensure_profile(session, "ann")
                notes.note_comment(session, ids[0], "Seen this one before.", actor=actor)

        return run

    def run_rules(self) -> Callable[[], object]:
        with self.database.session() as session:
            article = session.scalar(select(func.max(Article.id)))
        return lambda: run_rules(self.database, self.rules, article_id=article)


def trial(desk: Desk, rng: random.Random) -> tuple[str, bool, list[str]]:
    """One operation with one write refused; (its name, whether the fault fired, problems)."""
    name, operation = rng.choice(desk.operations())
    before = state(desk.database)
    problems: list[str] = []
    # An operation makes a handful of write statements (a batch is one): refuse one of them.
    with refuse_write(desk.database, rng.randint(1, 6)) as injection:
        try:
            operation()
        except (SQLAlchemyError, ImportAborted) as error:
            explained = str(error) if isinstance(error, ImportAborted) else explain_refusal(error)
            if not injection.fired:
                problems.append(f"{name}: refused for another reason: {error}")
            elif FULL not in explained and not (
                _left_to_show(desk.database) and FULL_WHILE_SHOWN in explained
            ):
                problems.append(f"{name}: the message does not say the disk is full: {explained}")
        else:
            if injection.fired:
                problems.append(f"{name}: the refusal was swallowed; it reported success")
    # An import refused while its parts were being shown is past its point of no return:
    # the parts shown stay, each whole, and the next import (the "again" below) shows the rest.
    if injection.fired and state(desk.database) != before and not _left_to_show(desk.database):
        problems.append(f"{name}: refused part-way, yet the database changed")
    problems += sound(desk.database)
    if injection.fired:
        # Again, with room: it must go through, and change what it is for.
        try:
            operation()
        except (SQLAlchemyError, ImportAborted) as error:
            problems.append(f"{name} (again): refused: {error}")
        if state(desk.database) == before:
            problems.append(f"{name} (again): went through, yet changed nothing")
        problems += [f"{name} (again): {problem}" for problem in sound(desk.database)]
    return name, injection.fired, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="fault-test-") as scratch:
        folder = Path(scratch)
        database = open_database(f"sqlite:///{folder / 'faults.sqlite3'}")
        desk = Desk(database, folder, rng)
        for _ in range(3):
            desk.import_file()()
        fired: Counter[str] = Counter()
        tried: Counter[str] = Counter()
        failures: list[str] = []
        started = time.perf_counter()
        for _ in range(args.trials):
            name, fault_fired, problems = trial(desk, rng)
            tried[name] += 1
            fired[name] += fault_fired
            failures += problems
        database.close()
    for problem in failures[:20]:
        print(f"FAILED {problem}")
    for name in sorted(tried):
        print(f"{name:<20} {tried[name]:>5} trials, {fired[name]:>5} with the write refused")
    total = sum(fired.values())
    print(
        f"{args.trials} trials in {time.perf_counter() - started:.0f} s, {total} faults"
        f" injected; failures: {len(failures)}"
    )
    record(
        Result(
            "faults: one write refused part-way (disk full)",
            f"{args.trials:,} operations",
            f"{total:,}",
            len(failures),
            f".venv/bin/python bench/fault_test.py --trials {args.trials} --seed {args.seed}",
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
