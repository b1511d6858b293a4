"""The moderation log in the database: what is appended, the chain, verification, tampering."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

import moderator.rules.kinds  # noqa: F401 - registers the built-in kinds
from moderator.domain import SYSTEM, ActionKind, ReasonCode, Role, Status
from moderator.domain.errors import NotFoundError, TransitionError
from moderator.formats.modlog import GENESIS, entry_hash, text_digest
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.log import verify as log_verify
from moderator.log.queries import LogFilter, read_head, stream_entries
from moderator.log.verify import CheckStopped, LogVerification, verify_log
from moderator.rules.loader import load_rule_set
from moderator.rules.model import RuleSet
from moderator.runs.rules import run_rules
from moderator.services import moderation
from moderator.services.flagging import added_comment_ids, flag_comments
from moderator.services.history import Actor, LogIntegrityError, NewEntry, append, evidence
from moderator.services.importing import import_article
from moderator.store.database import Database, open_database
from moderator.store.models import LogEntryRow, LogHead

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
RULES = """
[ruleset]
name = "Log test"

[[rule]]
id = "insults"
kind = "words"
terms = ["idiot"]
severity = "medium"

[[rule]]
id = "slurs"
kind = "words"
terms = ["scumbag"]
severity = "high"
action = "hide"
"""
BODIES = ("Fair point.", "You idiot.", "What a scumbag.", "Agreed.")


@pytest.fixture
def rule_set(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_rule_set(path)


def _import(database: Database, rule_set: RuleSet | None, *, title: str = "T") -> list[int]:
    article = IncomingArticle(
        title=title,
        body="Body",
        source=f"{title}.txt",
        comments=tuple(IncomingComment(f"a{i}", T0, body) for i, body in enumerate(BODIES)),
    )
    with database.transaction() as session:
        actor = Actor.of(moderation.ensure_profile(session, "ann"))
        change = import_article(session, article, actor=actor)
        ids = added_comment_ids(session, change.article_id, change.added_fingerprints)
        if rule_set is not None:
            flag_comments(session, rule_set, ids)
    return sorted(ids)


def _entries(database: Database) -> list[tuple[str, str, str, int | None]]:
    with database.session() as session:
        return [
            (entry.actor, entry.role, entry.action, entry.comment)
            for entry in stream_entries(session, LogFilter())
        ]


def test_every_change_appends_an_entry_in_order(database: Database, rule_set: RuleSet) -> None:
    ids = _import(database, rule_set)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        moderation.approve(session, [ids[0]], actor=ann)
        moderation.hide(session, [ids[1]], actor=ann, reason=ReasonCode.ABUSE, note="rude")
        moderation.escalate(session, [ids[3]], actor=ann, note="check")
        restored = moderation.restore(session, [ids[0]], actor=ann)
        moderation.undo(session, restored, actor=ann)
        moderation.ensure_profile(session, "ann", role=Role.EDITOR)
    assert _entries(database) == [
        ("ann", "moderator", "profile", None),
        ("ann", "moderator", "import", None),
        (SYSTEM, SYSTEM, "rule-set", None),
        (SYSTEM, SYSTEM, "flag", ids[1]),
        (SYSTEM, SYSTEM, "flag", ids[2]),
        (SYSTEM, SYSTEM, "hide", ids[2]),
        ("ann", "moderator", "approve", ids[0]),
        ("ann", "moderator", "hide", ids[1]),
        ("ann", "moderator", "escalate", ids[3]),
        ("ann", "moderator", "restore", ids[0]),
        ("ann", "moderator", "undo", ids[0]),
        # Who changed the role, in the role they acted in: the first editor names themselves.
        ("ann", "moderator", "profile", None),
    ]
    with database.session() as session:
        assert verify_log(session).ok
        head = read_head(session)
        assert head is not None
        assert head.seq == 12


def test_a_decision_keeps_its_evidence(database: Database, rule_set: RuleSet) -> None:
    ids = _import(database, rule_set)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        change = moderation.hide(session, [ids[1]], actor=ann, reason="abuse")
    with database.session() as session:
        (entry,) = stream_entries(session, LogFilter(action="hide", actor="ann"))
    assert entry.seq == change.comments[0].entry_seq
    assert (entry.from_status, entry.to_status, entry.reason) == ("pending", "hidden", "abuse")
    evidence = entry.evidence_object()
    assert evidence is not None
    assert evidence["text_sha256"] == text_digest("You idiot.")
    (hit,) = evidence["hits"]
    assert (hit["rule"], hit["severity"], hit["spans"], hit["matched"]) == (
        "insults",
        "medium",
        [[4, 9]],
        ["idiot"],
    )


def test_evidence_of_a_huge_comment_stays_small() -> None:
    """A measured rule's span is the whole comment: the evidence keeps its spans and the
    text's hash, and a short excerpt of the words, not a megabyte of them."""
    body = "word " * 200_000
    text = evidence(body, [("length", "low", [[0, len(body)]], "1,000,000 characters")])
    assert len(text) < 1000
    (hit,) = json.loads(text)["hits"]
    assert hit["spans"] == [[0, 1_000_000]]
    assert hit["matched"] == [body[:200] + "… (1,000,000 characters)"]
    assert json.loads(text)["text_sha256"] == text_digest(body)


def test_the_rules_hide_as_system_with_their_version(database: Database, rule_set: RuleSet) -> None:
    ids = _import(database, rule_set)
    with database.session() as session:
        (hide,) = stream_entries(session, LogFilter(action="hide"))
        (rules,) = stream_entries(session, LogFilter(action="rule-set"))
    assert (hide.actor, hide.role, hide.rule_set, hide.comment) == (
        SYSTEM,
        SYSTEM,
        rule_set.version,
        ids[2],
    )
    assert rules.rule_set == rule_set.version
    assert rules.note is not None
    assert "'Log test'" in rules.note


def test_a_rule_run_logs_only_what_changed(
    database: Database, rule_set: RuleSet, tmp_path: Path
) -> None:
    _import(database, rule_set)
    before = len(_entries(database))
    run_rules(database, rule_set)
    assert len(_entries(database)) == before  # same rule set, same hits: nothing new
    quieter = tmp_path / "quieter.toml"
    quieter.write_text(RULES.replace('"idiot"', '"nincompoop"'), encoding="utf-8")
    run_rules(database, load_rule_set(quieter))
    added = _entries(database)[before:]
    assert [action for _, _, action, _ in added] == ["rule-set", "unflag"]
    with database.session() as session:
        assert verify_log(session).ok


def test_reverting_an_entry_puts_the_comment_back_and_says_so(
    database: Database, rule_set: RuleSet
) -> None:
    ids = _import(database, rule_set)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann", role=Role.EDITOR)
        escalated = moderation.escalate(session, [ids[0]], actor=ann)
        approved = moderation.approve(session, [ids[0]], actor=ann)
    with database.transaction() as session:
        # Reverting someone else's decision is an editor's step too.
        bob = moderation.ensure_profile(session, "bob", role=Role.EDITOR, granted_by="ann")
        with pytest.raises(TransitionError, match="changed since"):
            moderation.revert(session, escalated.comments[0].entry_seq, actor=bob)
        change = moderation.revert(session, approved.comments[0].entry_seq, actor=bob)
    (step,) = change.comments
    assert (step.from_status, step.to_status, step.escalated) == (
        Status.APPROVED,
        Status.PENDING,
        True,
    )
    with database.session() as session:
        entries = list(stream_entries(session, LogFilter(comment_id=ids[0])))
        assert verify_log(session).ok
    assert entries[-1].action == ActionKind.REVERT
    assert entries[-1].reverts == approved.comments[0].entry_seq
    assert entries[-1].actor == "bob"


@pytest.mark.parametrize(("seq", "said"), [(999, "no log entry 999"), (1, "not a decision")])
def test_what_cannot_be_reverted_is_refused(
    database: Database, rule_set: RuleSet, seq: int, said: str
) -> None:
    _import(database, rule_set)
    error = NotFoundError if seq == 999 else TransitionError
    with pytest.raises(error, match=said), database.transaction() as session:
        moderation.revert(session, seq, actor=moderation.ensure_profile(session, "m"))


def test_entries_are_numbered_without_gaps_and_chained(
    database: Database, rule_set: RuleSet
) -> None:
    _import(database, rule_set)
    _import(database, rule_set, title="Other")
    with database.session() as session:
        entries = list(stream_entries(session, LogFilter()))
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev == before.hash == entry_hash(before)


def test_a_failed_unit_of_work_appends_nothing(database: Database, rule_set: RuleSet) -> None:
    ids = _import(database, rule_set)
    with pytest.raises(TransitionError), database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        moderation.approve(session, [ids[0]], actor=ann)
        moderation.approve(session, [ids[0]], actor=ann)  # already approved: all rolled back
    with database.session() as session:
        assert verify_log(session).ok
        assert not list(stream_entries(session, LogFilter(action="approve")))


def test_a_log_without_its_head_takes_no_entry(database: Database) -> None:
    with database.transaction() as session:
        session.execute(delete(LogHead))
    with pytest.raises(LogIntegrityError, match="head"), database.transaction() as session:
        append(session, Actor("ann", "moderator"), [NewEntry("profile")])
    with database.session() as session:
        assert session.scalars(select(LogEntryRow)).first() is None
        assert "head record is missing" in verify_log(session).summary()


# --- tampering ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a varied log (imports, flags, rule hides, decisions, undo, revert)."""
    folder = tmp_path_factory.mktemp("busy")
    rules = folder / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    rule_set = load_rule_set(rules)
    database = open_database(f"sqlite:///{folder / 'busy.sqlite3'}")
    try:
        ids = _import(database, rule_set) + _import(database, rule_set, title="Two")
        with database.transaction() as session:
            ann = moderation.ensure_profile(session, "ann")
            moderation.approve(session, [ids[0], ids[4]], actor=ann)
            hidden = moderation.hide(session, [ids[1], ids[5]], actor=ann, reason="abuse")
            moderation.escalate(session, [ids[3]], actor=ann, note="legal")
            moderation.undo(session, hidden, actor=ann)
            moderation.hide(session, [ids[7]], actor=ann, reason="other", note="=cmd|' /C calc")
            moderation.revert(session, hidden.comments[0].entry_seq + 4, actor=ann)
        with database.session() as session:
            assert verify_log(session).ok
    finally:
        database.close()
    return folder / "busy.sqlite3"


def _copy(busy_log: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(busy_log, copy)
    return copy


Tamper = Callable[[sqlite3.Connection, random.Random], None]
_COLUMNS = {
    "prev_hash": lambda r: f"{r.getrandbits(256):064x}",
    "created_at": lambda r: r.choice(
        [
            f"2025-0{r.randint(1, 9)}-1{r.randint(0, 9)} 10:00:00.000000",
            "2025-01-10T10:00:00.000000",
            20250101,
            None,
        ]
    ),
    "actor": lambda r: r.choice(["mallory", "ann ", "Ann", "", 7, b"ann"]),
    "role": lambda r: r.choice(["editor", "system", "admin"]),
    "action": lambda r: r.choice(["approve", "hide", "restore", "note"]),
    "comment_id": lambda r: r.choice([None, 1, 2, 3, 4, 5, 6, 7, 8, 1.5, "3"]),
    "article_id": lambda r: r.choice([None, 1, 2]),
    "from_status": lambda r: r.choice([None, "pending", "approved", "hidden"]),
    "to_status": lambda r: r.choice([None, "pending", "approved", "hidden"]),
    "escalated": lambda r: r.choice([None, 0, 1, "yes", 2]),
    "reason": lambda r: r.choice([None, "spam", "abuse", "other"]),
    "rule_set_version": lambda r: r.choice([None, "0" * 16, "forged"]),
    "reverts": lambda r: r.choice([None, 1, 7, 12]),
    "note": lambda r: r.choice([None, "", "edited", "legal "]),
    "evidence": lambda r: r.choice([None, '{"hits":[]}', '{"text_sha256":"00"}', "null"]),
    "hash": lambda r: f"{r.getrandbits(256):064x}",
}


def _seqs(raw: sqlite3.Connection) -> list[int]:
    return [seq for (seq,) in raw.execute("SELECT seq FROM log_entry ORDER BY seq")]


def _edit_entry(raw: sqlite3.Connection, chance: random.Random) -> None:
    seq = chance.choice(_seqs(raw))
    while True:
        column = chance.choice(list(_COLUMNS))
        value = _COLUMNS[column](chance)
        (old,) = raw.execute(f"SELECT {column} FROM log_entry WHERE seq = ?", (seq,)).fetchone()
        if value != old:
            break
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute(f"UPDATE log_entry SET {column} = ? WHERE seq = ?", (value, seq))


def _delete_entry(raw: sqlite3.Connection, chance: random.Random) -> None:
    raw.execute("DELETE FROM log_entry WHERE seq = ?", (chance.choice(_seqs(raw)),))


def _delete_tail(raw: sqlite3.Connection, chance: random.Random) -> None:
    count = chance.randint(1, 3)
    raw.execute("DELETE FROM log_entry WHERE seq > (SELECT MAX(seq) FROM log_entry) - ?", (count,))


def _swap_entries(raw: sqlite3.Connection, chance: random.Random) -> None:
    a, b = chance.sample(_seqs(raw), 2)
    raw.execute("UPDATE log_entry SET seq = -1 WHERE seq = ?", (a,))
    raw.execute("UPDATE log_entry SET seq = ? WHERE seq = ?", (a, b))
    raw.execute("UPDATE log_entry SET seq = ? WHERE seq = -1", (b,))


def _renumber(raw: sqlite3.Connection, chance: random.Random) -> None:
    # Close the gap a deletion leaves: every later entry moved down by one.
    seq = chance.choice(_seqs(raw)[:-1])
    raw.execute("DELETE FROM log_entry WHERE seq = ?", (seq,))
    raw.execute("UPDATE log_entry SET seq = seq - 1 WHERE seq > ?", (seq,))
    raw.execute("UPDATE log_head SET seq = seq - 1")


def _change_status(raw: sqlite3.Connection, chance: random.Random) -> None:
    comment_id, status = chance.choice(raw.execute("SELECT id, status FROM comment").fetchall())
    other = chance.choice([s for s in ("pending", "approved", "hidden") if s != status])
    raw.execute("UPDATE comment SET status = ? WHERE id = ?", (other, comment_id))


def _toggle_escalation(raw: sqlite3.Connection, chance: random.Random) -> None:
    comment_id = chance.choice([cid for (cid,) in raw.execute("SELECT id FROM comment")])
    raw.execute("UPDATE comment SET escalated = NOT escalated WHERE id = ?", (comment_id,))


def _delete_comment(raw: sqlite3.Connection, chance: random.Random) -> None:
    # A decided comment removed with its flags (plain sqlite3 does not enforce the log's keys).
    (comment_id,) = chance.choice(
        raw.execute(
            "SELECT DISTINCT comment_id FROM log_entry WHERE comment_id IS NOT NULL"
        ).fetchall()
    )
    raw.execute("DELETE FROM flag WHERE comment_id = ?", (comment_id,))
    raw.execute("DELETE FROM comment WHERE id = ?", (comment_id,))


def _escalation_as_two(raw: sqlite3.Connection, _chance: random.Random) -> None:
    # The same truth to Python, not to SQL: the review list would lose the comment.
    raw.execute("UPDATE log_entry SET escalated = 2 WHERE escalated = 1")
    raw.execute("UPDATE comment SET escalated = 2 WHERE escalated = 1")


def _forge_tail(raw: sqlite3.Connection, chance: random.Random) -> None:
    # A new entry at the end, linked to the real last one, without moving the head.
    row = raw.execute("SELECT * FROM log_entry ORDER BY seq DESC LIMIT 1").fetchone()
    columns = [d[0] for d in raw.execute("SELECT * FROM log_entry LIMIT 0").description]
    forged = dict(zip(columns, row, strict=True))
    forged.update(seq=row[0] + 1, prev_hash=forged["hash"], note="forged")
    forged["hash"] = f"{chance.getrandbits(256):064x}"
    marks = ", ".join("?" * len(columns))
    raw.execute(f"INSERT INTO log_entry VALUES ({marks})", list(forged.values()))


def _move_head(raw: sqlite3.Connection, chance: random.Random) -> None:
    if chance.random() < 0.5:
        raw.execute("UPDATE log_head SET seq = seq - 1")
    else:
        raw.execute("UPDATE log_head SET hash = ?", (f"{chance.getrandbits(256):064x}",))


def _delete_head(raw: sqlite3.Connection, _chance: random.Random) -> None:
    raw.execute("DELETE FROM log_head")


TAMPERING: dict[str, Tamper] = {
    "edit an entry": _edit_entry,
    "delete an entry": _delete_entry,
    "delete the last entries": _delete_tail,
    "swap two entries": _swap_entries,
    "delete and renumber": _renumber,
    "change a status": _change_status,
    "toggle an escalation": _toggle_escalation,
    "delete a logged comment": _delete_comment,
    "rewrite escalations as 2": _escalation_as_two,
    "forge an entry at the end": _forge_tail,
    "move the head": _move_head,
    "delete the head": _delete_head,
}


@pytest.fixture(params=[1, 2], ids=["walked here", "walked by 2 helper processes"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many processes walk the chain; with 2, even this small log is split in two."""
    monkeypatch.setattr(log_verify, "PARALLEL_FROM", 1)
    return int(request.param)


def _verified(path: Path, workers: int) -> LogVerification:
    database = open_database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            return verify_log(session, workers=workers)
    finally:
        database.close()


@pytest.mark.parametrize("seed", range(40))
def test_random_tampering_through_sql_is_always_caught(
    busy_log: Path, tmp_path: Path, seed: int, workers: int
) -> None:
    chance = random.Random(seed)
    path = _copy(busy_log, tmp_path)
    kinds = chance.sample(sorted(TAMPERING), chance.choice([1, 1, 1, 2, 3]))
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys = OFF")
    for kind in kinds:
        TAMPERING[kind](raw, chance)
    raw.commit()
    raw.close()
    found = _verified(path, workers if seed % 4 == 0 else 1)
    assert not found.ok, kinds
    assert found.problems


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_each_kind_of_tampering_is_named(
    busy_log: Path, tmp_path: Path, kind: str, workers: int
) -> None:
    path = _copy(busy_log, tmp_path)
    raw = sqlite3.connect(path)
    TAMPERING[kind](raw, random.Random(kind))
    raw.commit()
    raw.close()
    found = _verified(path, workers)
    expected = {
        "edit an entry": "entry",
        "delete an entry": "entry",
        # Walked in stretches up to the head, the end is where an entry goes missing.
        "delete the last entries": "removed from the end" if workers == 1 else "is missing",
        "swap two entries": "entry",
        "delete and renumber": "does not follow",
        "change a status": "changed without a log entry",
        "toggle an escalation": "changed without a log entry",
        "delete a logged comment": "no longer stored",
        "rewrite escalations as 2": "its escalated holds 2, not 0, 1 or nothing",
        "forge an entry at the end": "entry",
        "move the head": "head",
        "delete the head": "head record is missing",
    }[kind]
    assert expected in found.summary()


def test_a_check_asked_to_stop_stops(
    busy_log: Path, tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log_verify, "STREAM_BATCH", 2)  # asked every two entries
    database = open_database(f"sqlite:///{_copy(busy_log, tmp_path)}")
    try:
        with database.session() as session, pytest.raises(CheckStopped, match="stopped"):
            verify_log(session, workers=workers, stop=lambda: True)
    finally:
        database.close()


def test_an_untouched_copy_verifies(
    busy_log: Path, tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    helped = []
    real = log_verify._walk_in_helpers

    def recorded(*args: Any, **kwargs: Any) -> Any:
        helped.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(log_verify, "_walk_in_helpers", recorded)
    found = _verified(_copy(busy_log, tmp_path), workers)
    assert helped == ([] if workers == 1 else [2])
    assert found.ok, found.summary()
    assert found.entries == found.head_seq
    assert json.loads(json.dumps(found.problems)) == []
