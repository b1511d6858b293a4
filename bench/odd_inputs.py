"""Odd things handed to the command line, each run as a user would run it (a process of its
own, under a timeout): a FIFO, /dev/zero, a file name that is not UTF-8, a file that vanishes,
a mistyped --db, another program's database, values past 64 bits or year 9999, text that is
not UTF-8, command lines that name their command oddly and a reader that goes away. Each must
end in its own plain message, with nothing created, changed or lost, and never a traceback or
a hang::

    .venv/bin/python bench/odd_inputs.py
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from report import print_table, verdict
from results import Result, record

REPO = Path(__file__).resolve().parents[1]
# Any command here ends in seconds; one still running after this has hung.
TIMEOUT_SECONDS = 60
ARTICLE = "Title {n}\n\nBody {n}.\n\nComments 1\nThumb ann 1 May 2020, 10:00\n\nHello {n}.\n"


@dataclass(frozen=True, slots=True)
class Ran:
    """What one command did: its exit status (None: it was stopped), and its output."""

    status: int | None
    out: str
    err: str

    @property
    def clean(self) -> bool:
        """Ended by itself, with no traceback and no raw Python error on either stream."""
        text = self.out + self.err
        return self.status is not None and "Traceback" not in text and "Errno" not in text


def moderator(folder: Path, *args: str | bytes, stdin: bytes = b"") -> Ran:
    """``moderator ARGS`` in a process of its own, its settings kept in ``folder``."""
    env = dict(os.environ, MODERATOR_CONFIG_DIR=str(folder / "config"), PYTHONPATH=str(REPO))
    command: list[str | bytes] = [sys.executable, "-m", "moderator", *args]
    try:
        done = subprocess.run(  # noqa: S603 - our own command, with the odd values on purpose
            command, check=False, input=stdin, capture_output=True, timeout=TIMEOUT_SECONDS, env=env
        )
    except subprocess.TimeoutExpired as stopped:
        return Ran(None, _text(stopped.stdout), _text(stopped.stderr))
    return Ran(done.returncode, _text(done.stdout), _text(done.stderr))


def _text(data: bytes | str | None) -> str:
    if isinstance(data, str):
        return data
    return (data or b"").decode("utf-8", "replace")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True, slots=True)
class Check:
    """One odd input: what was tried, what came of it, and whether that is what must."""

    what: str
    seen: str
    ok: bool


def fifo(folder: Path) -> Check:
    db = folder / "fifo.sqlite3"
    pipe = folder / "pipe.txt"
    os.mkfifo(pipe)
    good = folder / "after.txt"
    good.write_text(ARTICLE.format(n=1), encoding="utf-8")
    ran = moderator(folder, "--db", str(db), "import", str(pipe), str(good))
    ok = ran.clean and ran.status == 1 and "FIFO" in ran.err and "1 imported" in ran.err
    return Check("import of a FIFO, then a good file", _seen(ran), ok)


def dev_zero(folder: Path) -> Check:
    ran = moderator(folder, "--db", str(folder / "zero.sqlite3"), "import", "/dev/zero")
    ok = ran.clean and ran.status == 1 and "/dev/zero" in ran.err
    return Check("import /dev/zero", _seen(ran), ok)


def odd_name(folder: Path) -> Check:
    raw = os.fsencode(folder) + b"/caf\xe9-\xff.txt"
    Path(os.fsdecode(raw)).write_text(ARTICLE.format(n=2), encoding="utf-8")
    ran = moderator(folder, "--db", str(folder / "name.sqlite3"), "import", raw)
    ok = ran.clean and ran.status == 0 and "\\xff" in ran.out + ran.err
    return Check("import of a file named in Latin-1 (not UTF-8)", _seen(ran), ok)


def unreadable_folder(folder: Path) -> Check:
    tree = folder / "tree"
    (tree / "locked").mkdir(parents=True)
    (tree / "good.txt").write_text(ARTICLE.format(n=3), encoding="utf-8")
    (tree / "locked").chmod(0)
    try:
        ran = moderator(folder, "--db", str(folder / "tree.sqlite3"), "import", str(tree))
    finally:
        (tree / "locked").chmod(0o755)
    if os.geteuid() == 0:
        # The superuser reads any folder: all that can be asked is that the rest is imported.
        return Check(
            "import of a tree with an unsearchable folder (as root: searchable)",
            _seen(ran),
            ran.clean and "1 imported" in ran.err,
        )
    ok = ran.clean and ran.status == 1 and "locked" in ran.err and "1 imported" in ran.err
    return Check("import of a tree with an unsearchable folder", _seen(ran), ok)


def mistyped_db(folder: Path) -> Check:
    missing = folder / "no-such-folder" / "typo.sqlite3"
    ran = moderator(folder, "--db", str(missing), "log", "verify")
    ok = ran.clean and ran.status == 1 and not missing.parent.exists() and "no database" in ran.err
    return Check("log verify on a mistyped --db", _seen(ran), ok)


def foreign_database(folder: Path) -> Check:
    other = folder / "other-app.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0001')")
        connection.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL)")
    connection.close()
    before = _digest(other)
    ran = moderator(folder, "--db", str(other), "import", str(folder / "after.txt"))
    siblings = sorted(path.name for path in folder.glob("other-app.sqlite3*"))
    ok = (
        ran.clean
        and ran.status == 1
        and _digest(other) == before
        and siblings == ["other-app.sqlite3"]
    )
    return Check("import into another program's Alembic database", _seen(ran), ok)


def big_values(folder: Path) -> list[Check]:
    db = folder / "values.sqlite3"
    moderator(folder, "--db", str(db), "import", str(folder / "after.txt"))
    tries: list[tuple[str, tuple[str | bytes, ...]]] = [
        ("an id of 2^63", ("show", str(2**63))),
        ("a limit of 2^64", ("queue", "--limit", str(2**64))),
        ("--until 9999-12-31", ("log", "export", "--until", "9999-12-31", "--format", "csv")),
        ("--since 0001-01-01", ("stats", "decisions", "--since", "0001-01-01")),
        ("--as in Latin-1", ("approve", "1", "--as", b"\xe9ve")),
    ]
    checks = []
    for label, args in tries:
        ran = moderator(folder, "--db", str(db), *args)
        checks.append(Check(label, _seen(ran), ran.clean and ran.status == 2))
    return checks


def closed_pipe(folder: Path) -> Check:
    db = folder / "pipe.sqlite3"
    for n in range(40):
        path = folder / "many" / f"a{n}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(ARTICLE.format(n=n), encoding="utf-8")
    moderator(folder, "--db", str(db), "import", str(folder / "many"))
    env = dict(os.environ, MODERATOR_CONFIG_DIR=str(folder / "config"), PYTHONPATH=str(REPO))
    reader = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "moderator", "--db", str(db), "queue", "--limit", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert reader.stdout is not None
    assert reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()
    try:
        status: int | None = reader.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        reader.kill()
        status = None
    with reader.stderr:
        err = reader.stderr.read().decode("utf-8", "replace")
    ran = Ran(status, "", err)
    return Check("queue | head -1 (the reader goes away)", _seen(ran), ran.clean and not err)


def command_lines(folder: Path) -> list[Check]:
    """Command lines that name their command oddly. A run builds only the command it names
    (``moderator.cli.choosing``): whatever the shape, each must end with the status and the
    words it ended with when every command was built."""
    db = str(folder / "commands.sqlite3")
    moderator(folder, "--db", db, "import", str(folder / "after.txt"))
    tries: list[tuple[str, tuple[str, ...], int, str]] = [
        ("--db given twice, then a command", ("--db", "x", "--db", db, "articles"), 0, "Title"),
        ("--db named like a command", ("--db", "queue", "articles"), 1, "no database"),
        ("--db=PATH, then a command", (f"--db={db}", "articles", "--limit", "1"), 0, "Title"),
        ("an abbreviated --db", ("--d", db, "articles"), 0, "Title"),
        ("a mistyped command", ("--db", db, "quue"), 2, "invalid choice: 'quue'"),
        ("a command's own --help", ("queue", "--help"), 0, "--flagged"),
        ("a group without its subcommand", ("--db", db, "log"), 2, "required"),
        ("a negative --limit", ("--db", db, "articles", "--limit", "-1"), 2, "--limit"),
    ]
    checks = []
    for label, args, status, said in tries:
        ran = moderator(folder, *args)
        ok = ran.clean and ran.status == status and said in ran.out + ran.err
        # The database named "queue" is looked for where the command runs: none is made.
        checks.append(Check(label, _seen(ran), ok and not (Path.cwd() / "queue").exists()))
    return checks


def _seen(ran: Ran) -> str:
    if ran.status is None:
        return f"still running after {TIMEOUT_SECONDS} s"
    last = (ran.err.strip().splitlines() or [""])[-1]
    return f"exit {ran.status}: {last[:90]}"


CHECKS: tuple[Callable[[Path], Check | list[Check]], ...] = (
    fifo,
    dev_zero,
    odd_name,
    unreadable_folder,
    mistyped_db,
    foreign_database,
    big_values,
    command_lines,
    closed_pipe,
)


def run_all(folder: Path) -> list[Check]:
    """Every check, in order (some use what an earlier one left in ``folder``)."""
    found: list[Check] = []
    for check in CHECKS:
        result = check(folder)
        found += result if isinstance(result, list) else [result]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="odd-inputs-") as scratch:
        checks = run_all(Path(scratch))
    rows = [["odd input", "what came of it", "verdict"]]
    rows += [[check.what, check.seen, verdict(check.ok)] for check in checks]
    print_table(rows)
    failed = sum(not check.ok for check in checks)
    print(f"{len(checks)} odd inputs, {failed} failed, in {time.perf_counter() - started:.0f} s")
    record(
        Result(
            "odd inputs: FIFO, /dev/zero, names, folders, --db, another's database, values,"
            " command lines, pipes",
            f"{len(checks)} odd inputs to the command line ({len(checks) - failed} refused or"
            " handled cleanly)",
            "\N{EN DASH}",
            failed,
            ".venv/bin/python bench/odd_inputs.py",
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
