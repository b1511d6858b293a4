"""Crash safety: a desk killed with SIGKILL at random moments loses nothing it acknowledged.

A child process imports article files and makes decisions in a loop on one SQLite database,
printing a line after each unit of work commits ("imported FILE", "ack SEQ COMMENT STATUS").
The parent kills it with SIGKILL (no cleanup, no flush, no chance to finish a write: as a
crash looks to the program; what the system had been handed stays, as it would not in a
power cut, which synchronous=FULL is for) at a random moment, then checks the database the
way the next start would find it:

- it opens (the schema as it should be), ``PRAGMA integrity_check`` says ok and no foreign
  key points nowhere;
- no file is half imported: an article is there with every comment of its file, or not at
  all; each file the child said it imported is there;
- every decision the child acknowledged is in the log, as acknowledged;
- the log's chain verifies and every comment is in the state its last entry says.

The next trial carries on with the same database (and its files), so later trials start from
whatever the earlier kills left.

Run it (from the repository root)::

    .venv/bin/python bench/crash_test.py                 # 100 trials
    .venv/bin/python bench/crash_test.py --trials 300 --seed 7
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from results import Result, record
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from moderator.domain import ReasonCode, Status
from moderator.formats.scraped import ScrapedArticle, ScrapedComment, format_scraped, parse_scraped
from moderator.imports.importer import import_paths
from moderator.log.verify import verify_log
from moderator.services import moderation
from moderator.store.database import Database, open_database
from moderator.store.models import Article, Comment, LogEntryRow

CHILD_ACTOR = "crash-desk"
WORDS = (
    *("the", "council", "vote", "was", "close", "and", "mayor", "said", "little", "about"),
    *("budget", "roads", "readers", "asked", "why", "report", "took", "so", "long", "while"),
    *("others", "praised", "reporting"),
)


# --- the child: a desk that works until it is killed ------------------------------------------


def write_article(folder: Path, number: int, rng: random.Random) -> Path:
    """An article file of 1 to 300 comments, written whole (then renamed into place)."""
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=number)
    comments = tuple(
        ScrapedComment(
            f"reader{rng.randrange(500)}",
            start + timedelta(minutes=index),
            (" ".join(rng.choices(WORDS, k=rng.randint(3, 40))).capitalize() + ".",),
        )
        for index in range(rng.randint(1, 300))
    )
    article = ScrapedArticle(
        f"Crash article {number}", ("A body paragraph about the town.",), comments
    )
    path = folder / f"article-{number:05d}.txt"
    partial = path.with_suffix(".partial")
    partial.write_text(format_scraped(article), encoding="utf-8")
    partial.replace(path)
    return path


def child(db_path: Path, folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    database = open_database(str(db_path))
    profile_name = CHILD_ACTOR
    with database.transaction() as session:
        moderation.ensure_profile(session, profile_name)
    say("ready")
    number = len(list(folder.glob("article-*.txt")))
    while True:
        number += 1
        path = write_article(folder, number, rng)
        report = import_paths(database, [path], actor=profile_name)
        if report.failed:
            raise SystemExit(f"import failed: {report.failed[0]}")
        say(f"imported {path.name}")
        for _ in range(rng.randint(1, 12)):
            decide(database, rng, profile_name)


def decide(database: Database, rng: random.Random, name: str) -> None:
    """One unit of work: approve or hide a few pending comments, or restore decided ones."""
    restoring = rng.random() < 0.15
    wanted = Status.HIDDEN if restoring else Status.PENDING
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, name)
        ids = list(
            session.scalars(
                select(Comment.id)
                .where(Comment.status == wanted)
                .order_by(func.random())
                .limit(rng.choice((1, 1, 1, 5, 40)))
            )
        )
        if not ids:
            return
        if restoring:
            change = moderation.restore(session, ids, actor=actor)
        elif rng.random() < 0.6:
            change = moderation.approve(session, ids, actor=actor)
        else:
            change = moderation.hide(session, ids, actor=actor, reason=ReasonCode.SPAM)
    # Committed: only now is the decision acknowledged.
    for step in change.comments:
        say(f"ack {step.entry_seq} {step.comment_id} {step.to_status}")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --- the parent: kill, then check ---------------------------------------------------------------


@dataclass
class Acknowledged:
    """What the child said it had done, over all trials."""

    files: set[str] = field(default_factory=set)
    decisions: list[tuple[int, int, str]] = field(default_factory=list)

    def take(self, line: str) -> None:
        kind, _, rest = line.partition(" ")
        if kind == "imported":
            self.files.add(rest)
        elif kind == "ack":
            seq, comment, status = rest.split()
            self.decisions.append((int(seq), int(comment), status))


@dataclass(frozen=True, slots=True)
class Trial:
    lines: int
    killed_after: float
    problems: tuple[str, ...]


def run_trial(
    db_path: Path,
    folder: Path,
    acknowledged: Acknowledged,
    rng: random.Random,
    *,
    kill_after_lines: int | None = None,
    max_delay: float = 1.2,
) -> Trial:
    """Start the child, kill it with SIGKILL (after a random delay once it is ready, or
    right after its ``kill_after_lines``-th line), then check the database."""
    here = Path(__file__).resolve()
    process = subprocess.Popen(  # noqa: S603 - this script, with arguments made here
        [
            sys.executable,
            "-P",
            str(Path(__file__).resolve()),
            "--child",
            str(db_path),
            str(folder),
            str(rng.randrange(2**31)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(map(str, (here.parent, here.parents[1])))},
    )
    assert process.stdout is not None
    lines: list[str] = []
    ready = threading.Event()
    enough = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("ready"):
                ready.set()
            if kill_after_lines is not None and len(lines) >= kill_after_lines + 1:
                enough.set()
        ready.set()
        enough.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(timeout=120)
    started = time.perf_counter()
    if kill_after_lines is None:
        enough.wait(timeout=rng.uniform(0.0, max_delay))
    else:
        enough.wait(timeout=120)
    process.send_signal(signal.SIGKILL)
    killed_after = time.perf_counter() - started
    process.wait()
    reader.join()
    error = process.stderr.read() if process.stderr is not None else ""
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    for line in lines:
        acknowledged.take(line)
    problems = check(db_path, folder, acknowledged)
    if not lines or lines[0] != "ready":
        problems = (*problems, f"the child never started: {error.strip()[-400:]}")
    elif process.returncode != -signal.SIGKILL:
        # Killed, it ends with -9; anything else means it ended by itself (a fault, a crash).
        problems = (
            *problems,
            f"the child ended by itself (exit {process.returncode}): {error.strip()[-400:]}",
        )
    return Trial(len(lines), killed_after, problems)


def check(db_path: Path, folder: Path, acknowledged: Acknowledged) -> tuple[str, ...]:
    """What is wrong with the database now (nothing, if it kept its promises)."""
    problems: list[str] = []
    try:
        database = open_database(str(db_path))
    except Exception as error:  # the point is to report it, whatever it is
        return (f"the database does not open: {error}",)
    try:
        with database.session() as session:
            integrity = session.execute(text("PRAGMA integrity_check")).scalars().all()
            if integrity != ["ok"]:
                problems.append(f"integrity_check: {integrity[:3]}")
            dangling = session.execute(text("PRAGMA foreign_key_check")).all()
            if dangling:
                problems.append(f"{len(dangling)} foreign keys point nowhere")
            stored = dict(
                session.execute(
                    select(Article.title, func.count(Comment.id))
                    .outerjoin(Comment, Comment.article_id == Article.id)
                    .group_by(Article.title)
                ).all()
            )
            problems += _files_whole(folder, stored, acknowledged)
            problems += _decisions_kept(session, acknowledged)
            verification = verify_log(session, workers=1)
            if not verification.ok:
                problems.append(f"the log: {verification.summary()}")
    finally:
        database.close()
    return tuple(problems)


def _files_whole(folder: Path, stored: dict[str, int], acknowledged: Acknowledged) -> list[str]:
    problems = []
    for path in sorted(folder.glob("article-*.txt")):
        article = parse_scraped(path.read_text(encoding="utf-8"), source=path.name)
        count = stored.get(article.title)
        if count is None:
            if path.name in acknowledged.files:
                problems.append(f"{path.name} was acknowledged as imported but is not there")
        elif count != len(article.comments):
            problems.append(
                f"{path.name} is half imported: {count} of {len(article.comments)} comments"
            )
    return problems


def _decisions_kept(session: Session, acknowledged: Acknowledged) -> list[str]:
    problems = []
    seqs = [seq for seq, _, _ in acknowledged.decisions]
    logged: dict[int, tuple[int | None, str | None]] = {}
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        rows = session.execute(
            select(LogEntryRow.seq, LogEntryRow.comment_id, LogEntryRow.to_status).where(
                LogEntryRow.seq.in_(chunk)
            )
        )
        logged.update((seq, (comment, status)) for seq, comment, status in rows)
    for seq, comment, status in acknowledged.decisions:
        if logged.get(seq) != (comment, status):
            problems.append(
                f"acknowledged decision lost: entry {seq} (comment {comment} {status});"
                f" the log has {logged.get(seq)}"
            )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["--child"]:
        child(Path(args[1]), Path(args[2]), int(args[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    options = parser.parse_args(args)
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="crash-test-") as scratch:
        root = options.keep or Path(scratch)
        folder = root / "files"
        folder.mkdir(parents=True, exist_ok=True)
        db_path = root / "crash.sqlite3"
        acknowledged = Acknowledged()
        failures = 0
        started = time.perf_counter()
        for number in range(1, options.trials + 1):
            trial = run_trial(db_path, folder, acknowledged, rng)
            failures += bool(trial.problems)
            for problem in trial.problems:
                print(f"trial {number}: {problem}")
        elapsed = time.perf_counter() - started
        database = open_database(str(db_path))
        with database.session() as session:
            comments = session.scalar(select(func.count(Comment.id))) or 0
            entries = session.scalar(select(func.count(LogEntryRow.seq))) or 0
        database.close()
        print(
            f"{options.trials} trials, {options.trials} kills (SIGKILL) in {elapsed:.0f} s:"
            f" {len(acknowledged.files)} files and {len(acknowledged.decisions):,} decisions"
            f" acknowledged, {comments:,} comments and {entries:,} log entries at the end;"
            f" trials with a problem: {failures}"
        )
    record(
        Result(
            "crash: SIGKILL while importing and deciding",
            f"{options.trials:,} trials ({len(acknowledged.decisions):,} decisions and"
            f" {len(acknowledged.files):,} files acknowledged)",
            f"{options.trials:,} kills",
            failures,
            f".venv/bin/python bench/crash_test.py --trials {options.trials} --seed {options.seed}",
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
