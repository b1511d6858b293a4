"""Exports never destroy: what ``--out`` may name, how a file is put in place, leftovers."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from moderator.formats import log_export as log_format_module
from moderator.formats.log_export import DecisionFormat, LogFormat, side_file
from moderator.log.export import export_decisions, export_log
from moderator.log.queries import LogFilter
from moderator.output.files import (
    STALE_SECONDS,
    OutputRefusedError,
    check_output,
    remove_leftovers,
    written,
)
from moderator.services import moderation
from moderator.store.database import Database, open_database
from tests.moderator.cli.test_main import Cli


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Database]:
    """A SQLite database with a few entries in its log, open as the desk has it."""
    database = open_database(str(tmp_path / "self.db"))
    with database.transaction() as session:
        moderation.ensure_profile(session, "ann")
        moderation.ensure_profile(session, "bob")
    yield database
    database.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export(database: Database, out: Path | str, log_format: LogFormat = LogFormat.CSV) -> None:
    with database.session() as session:
        export_log(session, out, log_format=log_format, log_filter=LogFilter())


def _intact(database: Database, before: str, path: Path) -> None:
    assert _digest(path) == before
    with database.session() as session:  # and it still reads as the database
        assert moderation.ensure_profile(session, "ann").name == "ann"


def _hard_link(tmp_path: Path, db: Path) -> Path:
    other = tmp_path / "elsewhere"
    other.mkdir()
    os.link(db, other / "copy.db")
    return other / "copy.db"


def _through_linked_folder(tmp_path: Path, db: Path) -> Path:
    (tmp_path / "linked").symlink_to(tmp_path, target_is_directory=True)
    return tmp_path / "linked" / db.name


@pytest.mark.parametrize(
    "spelling",
    [
        lambda tmp_path, db: db,
        lambda tmp_path, db: tmp_path / "." / ".." / tmp_path.name / db.name,
        _through_linked_folder,
        _hard_link,
        lambda tmp_path, db: db.with_name(db.name + "-wal"),
        lambda tmp_path, db: db.with_name(db.name + "-shm"),
        lambda tmp_path, db: db.with_name(db.name + ".backup-0007-20260101T000000Z"),
    ],
    ids=[
        "its path",
        "another spelling",
        "a linked folder",
        "a hard link",
        "-wal",
        "-shm",
        "backup",
    ],
)
@pytest.mark.parametrize("kind", ["log", "decisions"])
def test_an_export_onto_the_open_database_is_refused(
    desk: Database, tmp_path: Path, spelling: Callable[[Path, Path], Path], kind: str
) -> None:
    db = tmp_path / "self.db"
    out = spelling(tmp_path, db)
    before = _digest(db)
    with desk.session() as session, pytest.raises(OutputRefusedError, match="open database"):
        if kind == "log":
            export_log(session, out, log_format=LogFormat.JSONL, log_filter=LogFilter())
        else:
            export_decisions(session, out, decision_format=DecisionFormat.CSV)
    _intact(desk, before, db)


def test_a_file_the_window_saves_never_lands_on_an_open_database(
    desk: Database, tmp_path: Path
) -> None:
    # The insights' CSV has no session to ask: the databases open in the process are kept.
    before = _digest(tmp_path / "self.db")
    with pytest.raises(OutputRefusedError, match="open database"), written(tmp_path / "self.db"):
        pass
    _intact(desk, before, tmp_path / "self.db")
    desk.close()
    with written(tmp_path / "self.db") as out:  # closed, it is a file like any other
        out.write("x")


def test_the_open_database_is_refused_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path / "self.db", capsys)
    assert cli("profile", "ann", "--role", "moderator")[0] == 0
    before = _digest(tmp_path / "self.db")
    for args in (
        ("log", "export", "--format", "jsonl", "--out", str(tmp_path / "self.db")),
        ("decisions", "export", "--format", "csv", "--out", str(tmp_path / "self.db")),
    ):
        code, _, err = cli(*args)
        assert code == 1
        assert "is the open database" in err
        assert "nothing written" in err
    assert _digest(tmp_path / "self.db") == before
    assert cli("log", "verify")[0] == 0


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda path: path.mkdir(), "a folder"),
        (os.mkfifo, "a pipe"),
    ],
    ids=["folder", "fifo"],
)
def test_what_is_not_a_regular_file_is_refused(
    desk: Database, tmp_path: Path, make: Callable[[Path], None], said: str
) -> None:
    out = tmp_path / "out.csv"
    make(out)
    with pytest.raises(OutputRefusedError, match=said):
        _export(desk, out)
    assert not stat.S_ISREG(out.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("self.db")) == [
        "out.csv"
    ]


def test_a_device_is_refused_before_anything_is_written(
    desk: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /dev/null is only looked at. Should the refusal ever go, the guards stop the export at
    # its first step into /dev (run as root, it would replace the system's device).
    def guarded(real: Callable[..., object]) -> Callable[..., object]:
        def call(path: object, *args: object, **kwargs: object) -> object:
            for named in (path, *args[:1]):
                if str(named).startswith("/dev"):
                    raise AssertionError(f"an export went on to write {named}")
            return real(path, *args, **kwargs)

        return call

    null = Path("/dev/null")
    before = null.stat()
    with monkeypatch.context() as guards:
        for name in ("open", "replace", "rename"):
            guards.setattr(os, name, guarded(getattr(os, name)))
        with pytest.raises(OutputRefusedError, match="a device"):
            _export(desk, null)
        with pytest.raises(OutputRefusedError, match="a device"), desk.session() as session:
            export_decisions(session, null, decision_format=DecisionFormat.CSV)
    after = null.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    with pytest.raises(OutputRefusedError, match="symbolic link"):
        check_output(Path("/dev/stdout"))


def test_a_symbolic_link_at_out_is_refused_and_what_it_points_to_kept(
    desk: Database, tmp_path: Path
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "log.csv"
    link.symlink_to(precious)
    with pytest.raises(OutputRefusedError, match="symbolic link"):
        _export(desk, link)
    assert link.is_symlink()
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    # The chain record's file is refused the same way, before the sheet is written.
    side_file(tmp_path / "other.csv").symlink_to(precious)
    with pytest.raises(OutputRefusedError, match="symbolic link"):
        _export(desk, tmp_path / "other.csv")
    assert not (tmp_path / "other.csv").exists()


def test_a_dash_writes_to_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path / "self.db", capsys)
    assert cli("profile", "ann", "--role", "moderator", "--as", "ann")[0] == 0
    code, out, err = cli("log", "export", "--format", "jsonl", "--out", "-")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    # The entry is made by whoever made the profile (here ann herself) and names it.
    assert (records[0]["actor"], records[0]["evidence"]["profile"]) == ("ann", "ann")
    assert "chain" in records[-1]
    assert not (tmp_path / "-").exists()


class DiskFullError(OSError):
    pass


@pytest.mark.parametrize("failing_sync", [1, 2])
def test_a_failed_csv_export_keeps_the_old_sheet_and_its_chain_record(
    desk: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_sync: int
) -> None:
    out = tmp_path / "log.csv"
    out.write_text("the old sheet\n", encoding="utf-8")
    side_file(out).write_text('{"chain": "the old record"}\n', encoding="utf-8")
    real_fsync = os.fsync
    calls = 0

    def fsync(handle: int) -> None:
        # The disk fills up while the files are saved (the sheet's, or its record's).
        nonlocal calls
        calls += 1
        if calls == failing_sync:
            raise DiskFullError(28, "No space left on device")
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(DiskFullError):
        _export(desk, out)
    assert out.read_text(encoding="utf-8") == "the old sheet\n"
    assert side_file(out).read_text(encoding="utf-8") == '{"chain": "the old record"}\n'
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("self.db")) == [
        "log.csv",
        "log.csv.chain.json",
    ]


def test_a_csv_export_failing_midway_keeps_both_old_files(
    desk: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "log.csv"
    out.write_text("the old sheet\n", encoding="utf-8")
    side_file(out).write_text("the old record\n", encoding="utf-8")

    def half_then_fail(stream: object, entries: object) -> None:
        assert hasattr(stream, "write")
        stream.write("seq,time\r\n1,")
        raise DiskFullError(28, "No space left on device")

    monkeypatch.setattr(log_format_module, "_write_csv", half_then_fail)
    with pytest.raises(DiskFullError):
        _export(desk, out)
    assert out.read_text(encoding="utf-8") == "the old sheet\n"
    assert side_file(out).read_text(encoding="utf-8") == "the old record\n"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_an_export_takes_the_users_umask(
    desk: Database, tmp_path: Path, umask: int, mode: int
) -> None:
    before = os.umask(umask)
    try:
        _export(desk, tmp_path / "log.csv")
        with desk.session() as session:
            export_decisions(session, tmp_path / "d.jsonl", decision_format=DecisionFormat.JSONL)
    finally:
        os.umask(before)
    for name in ("log.csv", "log.csv.chain.json", "d.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


def _aged(path: Path, seconds: float) -> Path:
    path.write_text("half an export", encoding="utf-8")
    moment = path.stat().st_mtime - seconds
    os.utime(path, (moment, moment))
    return path


def test_the_leftovers_of_a_killed_export_go_with_the_next_one(
    desk: Database, tmp_path: Path
) -> None:
    stale = _aged(tmp_path / ".log.csv.moderator-tmp-0123abcd", STALE_SECONDS * 10)
    other_stale = _aged(tmp_path / ".other.json.moderator-tmp-89abcdef", STALE_SECONDS * 10)
    fresh = _aged(tmp_path / ".log.csv.moderator-tmp-fedcba98", 0)
    # Not ours by name: an older Moderator's, an editor's swap file, a lookalike.
    foreign = [
        _aged(tmp_path / ".log.csv.x1y2z3ab", STALE_SECONDS * 10),
        _aged(tmp_path / ".log.csv.swp", STALE_SECONDS * 10),
        _aged(tmp_path / ".log.csv.moderator-tmp-0123abcd.keep", STALE_SECONDS * 10),
        _aged(tmp_path / "log.csv.moderator-tmp-0123abcd", STALE_SECONDS * 10),
    ]
    _export(desk, tmp_path / "log.csv")
    assert not stale.exists()
    assert not other_stale.exists()
    assert fresh.exists()
    assert all(path.exists() for path in foreign)
    names = [p.name for p in tmp_path.iterdir() if ".moderator-tmp-" in p.name]
    assert sorted(names) == sorted(
        [fresh.name, foreign[2].name, foreign[3].name]
    )  # and none of the export's own


def test_a_leftover_locked_by_an_export_under_way_is_kept(tmp_path: Path) -> None:
    busy = _aged(tmp_path / ".log.csv.moderator-tmp-0123abcd", STALE_SECONDS * 10)
    handle = os.open(busy, os.O_WRONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert remove_leftovers(tmp_path) == []
        assert busy.exists()
    finally:
        os.close(handle)
    assert remove_leftovers(tmp_path) == [busy]


def test_a_leftover_that_is_a_link_or_a_folder_is_left_alone(tmp_path: Path) -> None:
    target = _aged(tmp_path / "target.txt", STALE_SECONDS * 10)
    (tmp_path / ".a.moderator-tmp-0123abcd").symlink_to(target)
    (tmp_path / ".b.moderator-tmp-0123abcd").mkdir()
    assert remove_leftovers(tmp_path, now=time.time() + STALE_SECONDS * 10) == []
    assert target.exists()
