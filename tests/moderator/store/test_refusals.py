"""A full disk, a read-only database, a lock held too long: the unit of work is refused as a
whole, the database stays sound, and the message says what happened in plain words."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from moderator.domain import Status
from moderator.imports.importer import ImportAborted, import_paths
from moderator.log.verify import verify_log
from moderator.services import moderation
from moderator.store.database import Database
from moderator.store.models import Article, Comment, LogEntryRow
from moderator.store.refusals import disk_trouble, explain_refusal
from tests.conftest import REPO, add_comments, failing_writes, full_disk, read_only

FULL = "The disk that holds the database is full. Nothing of it was saved."


def _big_article(folder: Path, comments: int) -> Path:
    lines = ["A long thread", "", "Body.", "", f"Comments {comments}"]
    for number in range(comments):
        lines += [f"Thumb reader{number} 3 March 2025, 10:{number % 60:02d}", ""]
        lines += [f"Comment number {number} says something at length. " * 5, ""]
    path = folder / "long-thread.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _sound(database: Database) -> None:
    with database.session() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert verify_log(session, workers=1).ok


def test_an_import_on_a_full_disk_stores_nothing_of_the_file(
    sqlite_database: Database, tmp_path: Path
) -> None:
    database = sqlite_database
    add_comments(database, 2, title="Before")
    path = _big_article(tmp_path, 3000)
    with full_disk(database), pytest.raises(ImportAborted) as refused:
        import_paths(database, [path], actor="ann")
    assert str(refused.value).startswith(f"{path}: {FULL} Free some space, then do it again.")
    with database.session() as session:
        assert session.scalars(select(Article.title)).all() == ["Before"]
        assert session.scalar(select(func.count(Comment.id))) == 2
    _sound(database)
    # Space again: the same file goes in whole.
    report = import_paths(database, [path], actor="ann")
    assert report.added == 3000
    _sound(database)


def test_a_decision_refused_while_writing_its_entry_leaves_nothing(
    sqlite_database: Database,
) -> None:
    database = sqlite_database
    ids = add_comments(database, 3)
    with database.session() as session:
        entries = session.scalar(select(func.count(LogEntryRow.seq)))
    with (
        failing_writes(database, "log_entry", "database or disk is full"),
        pytest.raises(OperationalError) as refused,
        database.transaction() as session,
    ):
        moderation.approve(session, ids, actor=moderation.ensure_profile(session, "ann"))
    assert explain_refusal(refused.value).startswith(FULL)
    with database.session() as session:
        assert session.scalar(select(func.count(LogEntryRow.seq))) == entries
        statuses = session.scalars(select(Comment.status).where(Comment.id.in_(ids))).all()
    assert set(statuses) == {Status.PENDING}
    _sound(database)


def test_a_read_only_database_is_read_and_refuses_writes(sqlite_database: Database) -> None:
    database = sqlite_database
    ids = add_comments(database, 2)
    with read_only(database):
        with database.session() as session:
            assert session.scalar(select(func.count(Comment.id))) == 2
        with pytest.raises(OperationalError) as refused, database.transaction() as session:
            moderation.approve(session, ids, actor=moderation.ensure_profile(session, "ann"))
    assert explain_refusal(refused.value) == (
        "The database can be read but not written (a read-only file, folder or server)."
        " Nothing of it was saved. Reading still works; to decide, open a database you may"
        " write to. (attempt to write a readonly database)"
    )
    _sound(database)


class _Refused(Exception):  # noqa: N818 - stands for a driver's error
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("driver", "opening"),
    [
        (_Refused("could not extend file: No space left on device", "53100"), FULL),
        (_Refused("cannot execute UPDATE in a read-only transaction", "25006"), "The database can"),
        (_Refused("canceling statement due to lock timeout", "55P03"), "Another program held"),
        (_Refused("terminating connection due to administrator command", "57P01"), "The connec"),
        (_Refused("database is locked"), "Another program held the database for too long."),
        (_Refused("malformed something"), "The database refused it: malformed something."),
    ],
)
def test_each_refusal_is_said_plainly(driver: _Refused, opening: str) -> None:
    error = OperationalError("UPDATE comment SET status = ?", {}, driver)
    explained = explain_refusal(error)
    assert explained.startswith(opening)
    assert "Nothing of it was saved." in explained
    # The driver's words close it, on one line, without SQLAlchemy's wrapping.
    assert str(driver) in explained
    assert "[SQL:" not in explained


# Real faults, not simulated ones: a child process makes a database, then meets a full disk
# (a small tmpfs filled up), a read-only filesystem (the tmpfs remounted read-only) or its own
# file-size limit (ulimit -f), and runs commands there; it prints what each one said.
_CHILD = r"""
import contextlib, io, json, os, resource, signal, subprocess, sys
from pathlib import Path
from moderator.log import verify as log_verify
from moderator.cli import main

# The log is checked by helper processes, which must read as the command does.
log_verify.PARALLEL_FROM = 1

folder, fault = Path(sys.argv[1]), sys.argv[2]
db = str(folder / "f.db")
article = folder / "a.txt"
article.write_text(
    "T\n\nBody.\n\nComments 3\n" + "".join(
        f"Thumb reader{n} 1 May 2020, 10:0{n}\n\nComment {n}.\n\n" for n in range(3)
    ),
    encoding="utf-8",
)

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", db, *args])
    return [code, out.getvalue(), err.getvalue()]

second = folder / "b.txt"
second.write_text(
    "U\n\nBody.\n\nComments 1\nThumb reader9 1 May 2020, 11:00\n\nLater.\n", encoding="utf-8"
)
assert run("import", str(article), "--no-rules")[0] == 0
assert run("approve", "1", "--as", "ann")[0] == 0
if fault == "full":
    # Unbuffered: what did not fit must not wait in a buffer to fail again at close.
    with open(folder / "filler", "wb", buffering=0) as filler:
        with contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 4096)
elif fault == "read-only":
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
else:
    # The shell's `ulimit -f 16`: less than the 32 KiB SQLite's -shm file takes.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, resource.RLIM_INFINITY))
said = {
    "queue": run("queue", "--status", "all"),
    "verify": run("log", "verify"),
    "stats": run("stats", "decisions", "--json"),
    "approve": run("approve", "2", "--as", "ann"),
    "import": run("import", str(second), "--no-rules"),
}
print(json.dumps(said))
"""


@functools.cache
def _mount_namespace() -> list[str] | str:
    """The command prefix that runs a program with mounts of its own, or why there is none."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no unshare(1) here"
    prefix = [unshare, "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    probe = subprocess.run(  # noqa: S603 - unshare(1) found on PATH, literal arguments
        [*prefix, "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", "/mnt"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"no mount namespace may be made here ({probe.stderr.strip()})"
    return prefix


def _faulty_child(folder: Path, fault: str) -> dict[str, list[Any]]:
    if fault == "file-size":
        command = [sys.executable, "-c", _CHILD, str(folder), fault]
    else:
        prefix = _mount_namespace()
        if isinstance(prefix, str):
            pytest.skip(f"needs a small filesystem of its own: {prefix}")
        mounting = 'mount -t tmpfs -o size=2m tmpfs "$1" && exec "$0" -c "$2" "$1" "$3"'
        command = [*prefix, "sh", "-c", mounting, sys.executable, str(folder), _CHILD, fault]
    done = subprocess.run(  # noqa: S603 - our own interpreter and a literal script
        command, capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr
    said: dict[str, list[Any]] = json.loads(done.stdout.splitlines()[-1])
    return said


@pytest.mark.parametrize("fault", ["full", "read-only", "file-size"])
def test_a_database_that_takes_no_writes_serves_every_read(tmp_path: Path, fault: str) -> None:
    """On a really full disk, a read-only filesystem, or under a file-size limit smaller than
    SQLite's -shm file, reading needs no write: the queue, the log's check and the stats
    answer (the roll-ups they would save are counted without saving)."""
    folder = tmp_path / "small"
    folder.mkdir()
    said = _faulty_child(folder, fault)
    code, out, err = said["queue"]
    assert code == 0, err
    assert "Comment 2." in out
    code, out, err = said["verify"]
    assert (code, out[:18]) == (0, "ok: the log holds:"), err
    code, out, err = said["stats"]
    assert code == 0, err
    assert json.loads(out)["decisions"][0]["approve"] == 1
    assert "not a SQLite database" not in "".join(text for _, _, text in said.values())


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("full", "The disk holding {db} is full (0 bytes free). Nothing of it was saved. Free"),
        ("file-size", "would exceed the file-size limit (ulimit -f: 16,384 bytes). Nothing of"),
        ("read-only", "The database can be read but not written"),
    ],
)
def test_a_refused_write_names_the_full_disk_or_the_size_limit(
    tmp_path: Path, fault: str, words: str
) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    said = _faulty_child(folder, fault)
    # An import said "a read-only file, folder or server" of a full disk.
    for command in ("approve", "import"):
        code, _, err = said[command]
        assert code == 1
        assert words.format(db=folder / "f.db") in err, (command, err)
        assert "Traceback" not in err


def test_disk_trouble_is_named_only_when_the_system_shows_it(tmp_path: Path) -> None:
    assert disk_trouble(tmp_path / "f.db") is None
    refused = OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))
    assert explain_refusal(refused, database=tmp_path / "f.db") == (
        "The database refused it: disk I/O error. Nothing of it was saved."
    )
