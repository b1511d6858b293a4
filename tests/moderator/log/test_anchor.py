"""The log's head kept outside the database: `log head`, `log verify --anchor`, the window's
copy at close, and exported files whose chain record must match their entries exactly."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import text, update

from moderator import settings
from moderator.formats.errors import FormatError
from moderator.formats.log_file import verify_export
from moderator.formats.modlog import GENESIS, entry_hash
from moderator.log.anchor import (
    AnchorError,
    current_anchor,
    read_anchor,
    save_head,
    save_head_if_chosen,
    write_anchor,
)
from moderator.log.queries import LogFilter, stream_entries
from moderator.log.verify import verify_log
from moderator.resources import DEMO_ARTICLE
from moderator.services import moderation
from moderator.store.database import Database, open_database
from moderator.store.models import LogEntryRow, LogHead
from tests.moderator.cli.test_main import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path / "db.sqlite3", capsys)
    assert run("import", str(DEMO_ARTICLE), "--as", "ann")[0] == 0
    assert run("hide", "3", "4", "--reason", "spam", "--as", "ann")[0] == 0
    assert run("approve", "1", "--as", "bob")[0] == 0
    return run


def _head_file(cli: Cli, path: Path) -> dict[str, object]:
    code, _, err = cli("log", "head", "--out", str(path))
    assert code == 0, err
    head: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return head


def test_head_writes_the_last_entry_and_its_time(cli: Cli, tmp_path: Path) -> None:
    head = _head_file(cli, tmp_path / "head.json")
    report = cli.json("log", "verify")
    assert (head["seq"], head["hash"]) == (report["head_seq"], report["head_hash"])
    assert str(head["time"]).endswith("Z")
    code, out, _ = cli("log", "head")
    assert code == 0
    assert json.loads(out)["hash"] == head["hash"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".head")] == []


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_head_never_replaces_the_database(cli: Cli, suffix: str) -> None:
    target = Path(f"{cli.db}{suffix}")
    before = target.read_bytes() if target.exists() else None
    code, _, err = cli("log", "head", "--out", str(target))
    assert code == 1
    assert "the database itself" in err
    assert (target.read_bytes() if target.exists() else None) == before


def test_head_refuses_what_is_not_a_regular_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    code, _, err = cli("log", "head", "--out", str(tmp_path / "folder"))
    assert code == 1
    assert "not a regular file" in err
    (tmp_path / "link.json").symlink_to(tmp_path / "elsewhere.json")
    assert cli("log", "head", "--out", str(tmp_path / "link.json"))[0] == 1
    assert not (tmp_path / "elsewhere.json").exists()


def test_verify_with_an_anchor_says_the_log_extends_it(cli: Cli, tmp_path: Path) -> None:
    _head_file(cli, tmp_path / "head.json")
    assert cli("approve", "2", "--as", "bob")[0] == 0
    code, out, _ = cli("log", "verify", "--anchor", str(tmp_path / "head.json"))
    assert code == 0, out
    assert "extending the anchored entry" in out


def _cut_tail(db: Path, keep: int) -> None:
    """Entries after ``keep`` deleted, and the head record moved back to fit."""
    database = open_database(f"sqlite:///{db}")
    try:
        with database.transaction() as session:
            kept = session.get(LogEntryRow, keep)
            assert kept is not None
            session.execute(text("DELETE FROM log_entry WHERE seq > :seq"), {"seq": keep})
            session.execute(update(LogHead).values(seq=keep, hash=kept.hash))
    finally:
        database.close()


def test_a_cut_tail_with_its_head_moved_back_needs_the_anchor(cli: Cli, tmp_path: Path) -> None:
    # A new profile, a moderator, leaves nothing behind but its entry: cutting that entry
    # off (and moving the head back) leaves a log that holds by itself.
    database = open_database(f"sqlite:///{cli.db}")
    try:
        with database.transaction() as session:
            moderation.ensure_profile(session, "zed")
    finally:
        database.close()
    head = _head_file(cli, tmp_path / "head.json")
    _cut_tail(Path(cli.db), int(str(head["seq"])) - 1)
    assert cli("log", "verify")[0] == 0
    code, _, err = cli("log", "verify", "--anchor", str(tmp_path / "head.json"))
    assert code == 1
    assert "entries were cut off the end" in err


def _rechain(database: Database, *, note_at: int) -> None:
    """Every entry written anew with one note changed, each hash and link taken again: a
    log that holds by itself, and that is not the one anchored."""
    with database.transaction() as session:
        entries = list(stream_entries(session, LogFilter()))
        prev = GENESIS
        for entry in entries:
            changed = dataclasses.replace(
                entry,
                prev=prev,
                note="rewritten" if entry.seq == note_at else entry.note,
                hash="",
            )
            digest = entry_hash(changed)
            session.execute(
                update(LogEntryRow)
                .where(LogEntryRow.seq == entry.seq)
                .values(prev_hash=prev, note=changed.note, hash=digest)
            )
            prev = digest
        session.execute(update(LogHead).values(hash=prev))


def test_a_truncated_log_passes_alone_and_fails_against_the_anchor(database: Database) -> None:
    with database.transaction() as session:
        moderation.ensure_profile(session, "ann")
        moderation.ensure_profile(session, "bob")
    with database.session() as session:
        anchor = current_anchor(session)
    with database.transaction() as session:
        session.execute(text("DELETE FROM log_entry WHERE seq = :seq"), {"seq": anchor.seq})
        kept = session.get(LogEntryRow, anchor.seq - 1)
        assert kept is not None
        session.execute(update(LogHead).values(seq=kept.seq, hash=kept.hash))
    with database.session() as session:
        # Without an anchor this cannot be told from a log that never had the entry.
        assert verify_log(session, workers=1).ok
        found = verify_log(session, workers=1, anchor=anchor)
    assert not found.ok
    assert f"shows it reached entry {anchor.seq}" in found.summary()


def test_a_log_chained_anew_passes_alone_and_fails_against_the_anchor(
    database: Database,
) -> None:
    with database.transaction() as session:
        moderation.ensure_profile(session, "ann")
        moderation.ensure_profile(session, "bob")
    with database.session() as session:
        anchor = current_anchor(session)
    _rechain(database, note_at=1)
    with database.session() as session:
        assert verify_log(session, workers=1).ok
        found = verify_log(session, workers=1, anchor=anchor)
    assert not found.ok
    assert f"entry {anchor.seq} is not the one" in found.summary()
    assert "chained anew" in found.summary()


def test_an_anchor_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "head.json"
    deep = "[" * 100_000  # json's recursion gave up with RecursionError
    for written in ("not json", "[]", '{"format": "moderator-log-head", "seq": 1}', deep):
        path.write_text(written, encoding="utf-8")
        with pytest.raises(AnchorError):
            read_anchor(path)


def test_the_window_keeps_the_head_in_the_chosen_folder(database: Database, tmp_path: Path) -> None:
    assert save_head_if_chosen(database) is None
    settings.use_anchor_folder(tmp_path / "anchors")
    with database.transaction() as session:
        moderation.ensure_profile(session, "ann")
    saved = save_head_if_chosen(database)
    assert saved is not None
    assert saved.parent == (tmp_path / "anchors").resolve()
    anchor = read_anchor(saved)
    with database.session() as session:
        assert anchor.seq == current_anchor(session).seq == 1
        assert verify_log(session, workers=1, anchor=anchor).ok
    assert save_head(database, tmp_path / "anchors").parent == saved.parent


def test_an_anchor_is_written_whole_or_not_at_all(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        anchor = current_anchor(session)
    folder = tmp_path / "anchors"
    folder.mkdir()
    path = folder / "head.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(AnchorError):
        write_anchor(anchor, folder / "missing" / "head.json")
    write_anchor(anchor, path)
    assert read_anchor(path) == anchor
    assert [p.name for p in folder.iterdir()] == ["head.json"]


# --- exported files ---------------------------------------------------------------------------


def _export(cli: Cli, path: Path, *filters: str) -> tuple[list[str], dict[str, object]]:
    code, _, err = cli("log", "export", "--format", "jsonl", "--out", str(path), *filters)
    assert code == 0, err
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[:-1], json.loads(lines[-1])


def _written(path: Path, entries: list[str], chain: dict[str, object]) -> Path:
    path.write_text("\n".join([*entries, json.dumps(chain)]) + "\n", encoding="utf-8")
    return path


def _fixed(chain: dict[str, object], entries: list[str], **more: object) -> dict[str, object]:
    """The chain record made to fit ``entries`` as far as a forger would."""
    record = dict(chain["chain"])  # type: ignore[call-overload]
    record.update(entries=len(entries), **more)
    return {"chain": record}


def test_an_export_records_its_last_entry_and_verifies(cli: Cli, tmp_path: Path) -> None:
    entries, chain = _export(cli, tmp_path / "all.jsonl")
    last = json.loads(entries[-1])
    assert chain["chain"]["last_hash"] == last["hash"]  # type: ignore[index]
    assert verify_export(tmp_path / "all.jsonl").entries == len(entries)


def test_a_filtered_export_cut_at_its_tail_is_refused(cli: Cli, tmp_path: Path) -> None:
    entries, chain = _export(cli, tmp_path / "bob.jsonl", "--actor", "bob")
    assert len(entries) >= 2
    cut = _written(tmp_path / "cut.jsonl", entries[:-1], _fixed(chain, entries[:-1]))
    with pytest.raises(FormatError, match="cut off or added"):
        verify_export(cut)


def test_an_export_with_an_entry_taken_out_is_refused(cli: Cli, tmp_path: Path) -> None:
    entries, chain = _export(cli, tmp_path / "all.jsonl")
    taken = entries[:-2] + entries[-1:]
    for record in (
        _fixed(chain, taken, complete=False),
        _fixed(chain, taken, complete=False, filters={"since": "2000-01-01T00:00:00+00:00"}),
    ):
        with pytest.raises(FormatError):
            verify_export(_written(tmp_path / "taken.jsonl", taken, record))
    taken = entries[:-1]  # the tail, with the record's last entry moved back but not its hash
    last = json.loads(taken[-1])["seq"]
    record = _fixed(chain, taken, complete=False, last_seq=last, filters={"actor": "x"})
    with pytest.raises(FormatError, match="another last entry"):
        verify_export(_written(tmp_path / "taken.jsonl", taken, record))


def test_a_cut_export_with_a_record_written_anew_needs_the_anchor(cli: Cli, tmp_path: Path) -> None:
    head = _head_file(cli, tmp_path / "head.json")
    entries, chain = _export(cli, tmp_path / "all.jsonl")
    cut = entries[:-2]
    last = json.loads(cut[-1])
    forged = _fixed(
        chain,
        cut,
        head_seq=last["seq"],
        head_hash=last["hash"],
        last_seq=last["seq"],
        last_hash=last["hash"],
    )
    path = _written(tmp_path / "cut.jsonl", cut, forged)
    # By itself the file cannot be told from an honest export made two entries earlier.
    assert verify_export(path).head_seq == last["seq"]
    code, _, err = cli(
        "log", "verify", "--file", str(path), "--anchor", str(tmp_path / "head.json")
    )
    assert code == 1
    assert f"reached entry {head['seq']}" in err
    code, _, _ = cli(
        "log",
        "verify",
        "--file",
        str(tmp_path / "all.jsonl"),
        "--anchor",
        str(tmp_path / "head.json"),
    )
    assert code == 0
