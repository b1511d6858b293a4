"""Team mode: several desks on one database. Each comment's version guards a decision against
one made elsewhere meanwhile, and claims keep teammates off the comment someone has open.
Runs on SQLite (two windows on one file) and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from moderator.domain import Role, Status
from moderator.domain.errors import ConflictError, ServiceError, TransitionError
from moderator.log.verify import verify_log
from moderator.services import claims, moderation, notes, review
from moderator.store.database import Database
from moderator.store.models import Claim, Comment, LogEntryRow
from tests.conftest import add_comments


@pytest.fixture
def ids(database: Database) -> list[int]:
    made = add_comments(database, 6)
    with database.transaction() as session:
        moderation.ensure_profile(session, "ed", role=Role.EDITOR)
    return made


def version_of(database: Database, comment_id: int) -> int:
    with database.session() as session:
        return session.scalars(select(Comment.version).where(Comment.id == comment_id)).one()


def test_a_new_comment_is_at_version_0_and_each_decision_moves_it_to_its_entry(
    database: Database, ids: list[int]
) -> None:
    assert version_of(database, ids[0]) == 0
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "ann")
        first = moderation.escalate(session, [ids[0]], actor=actor)
    assert version_of(database, ids[0]) == first.comments[0].entry_seq
    with database.transaction() as session:
        editor = moderation.ensure_profile(session, "ed")
        second = review.resolve(session, [ids[0]], actor=editor, outcome="return", note="fine")
    assert (
        version_of(database, ids[0]) == second.comments[0].entry_seq > first.comments[0].entry_seq
    )
    # A note is no change of state: the version stays.
    with database.transaction() as session:
        notes.note_comment(
            session, ids[0], "asked legal", actor=moderation.ensure_profile(session, "ed")
        )
    assert version_of(database, ids[0]) == second.comments[0].entry_seq
    # The rules hiding a comment move its version as a person's decision does.
    with database.transaction() as session:
        hidden = moderation.hide_each(
            session, {ids[1]: "spam link"}, actor=moderation.Actor.rules("v1"), reason="spam"
        )
    assert version_of(database, ids[1]) == hidden.comments[0].entry_seq


def test_a_decision_on_what_changed_since_it_was_seen_is_refused_saying_who(
    database: Database, other_desk: Database, ids: list[int]
) -> None:
    seen = {ids[0]: version_of(database, ids[0]), ids[1]: version_of(database, ids[1])}
    # Ann, at another desk, approves the first comment while Bob has both open.
    with other_desk.transaction() as session:
        moderation.approve(session, [ids[0]], actor=moderation.ensure_profile(session, "ann"))
    # Bob's editor hides both as he saw them: the whole decision is refused, nothing written.
    refused = pytest.raises(
        ConflictError,
        match=rf"comment {ids[0]} is already approved \(by ann at .* UTC\): it changed while you",
    )
    with refused, database.transaction() as session:
        moderation.hide(
            session,
            ids[:2],
            actor=moderation.ensure_profile(session, "ed"),
            reason="spam",
            seen=seen,
        )
    with database.session() as session:
        statuses = {row[0]: row[1] for row in session.execute(select(Comment.id, Comment.status))}
        hides = session.scalars(select(LogEntryRow.seq).where(LogEntryRow.action == "hide")).all()
    assert (statuses[ids[0]], statuses[ids[1]]) == (Status.APPROVED, Status.PENDING)
    assert hides == []
    # Seen afresh, the same decision goes through (an editor may overturn).
    seen = {ids[0]: version_of(database, ids[0]), ids[1]: version_of(database, ids[1])}
    with database.transaction() as session:
        change = moderation.hide(
            session,
            ids[:2],
            actor=moderation.ensure_profile(session, "ed"),
            reason="spam",
            seen=seen,
        )
    assert [step.to_status for step in change.comments] == [Status.HIDDEN, Status.HIDDEN]


def test_an_undo_is_refused_once_someone_else_decided_the_same_way_again(
    database: Database, other_desk: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        mine = moderation.approve(session, [ids[0]], actor=moderation.ensure_profile(session, "a"))
    with other_desk.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        moderation.restore(session, [ids[0]], actor=ed)
        moderation.approve(session, [ids[0]], actor=ed)
    # Approved, as the undo expects; but the standing decision is ed's, not this one.
    refused = pytest.raises(TransitionError, match=r"it is now approved \(by ed at .*: cannot undo")
    with refused, database.transaction() as session:
        moderation.undo(session, mine, actor=moderation.ensure_profile(session, "a"))
    assert version_of(database, ids[0]) > mine.comments[0].entry_seq


def test_an_editors_resolution_is_guarded_by_the_version_too(
    database: Database, other_desk: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        moderation.escalate(session, [ids[0]], actor=moderation.ensure_profile(session, "ann"))
    seen = {ids[0]: version_of(database, ids[0])}
    with other_desk.transaction() as session:
        editor = moderation.ensure_profile(session, "ed")
        review.resolve(session, [ids[0]], actor=editor, outcome="overturn", note="fine by me")
    with pytest.raises(ConflictError, match="already approved"), database.transaction() as s:
        editor = moderation.ensure_profile(s, "ed")
        review.resolve(
            s, [ids[0]], actor=editor, outcome="uphold", note="no", reason="spam", seen=seen
        )


def test_two_desks_deciding_the_same_comments_at_once_lose_nothing(
    database: Database, other_desk: Database, ids: list[int]
) -> None:
    """Ann approves and Bob (an editor) hides every comment, each as they saw it, at the same
    time, on separate connections: each comment gets exactly one decision, the other desk is
    told, every acknowledged decision is in the database and the log stays one chain."""
    with database.transaction() as session:
        moderation.ensure_profile(session, "bob", role=Role.EDITOR, granted_by="ed")
    seen = {comment_id: version_of(database, comment_id) for comment_id in ids}
    start = threading.Barrier(2)
    won: dict[str, list[int]] = {"ann": [], "bob": []}
    told: dict[str, list[str]] = {"ann": [], "bob": []}

    def desk(name: str, db: Database) -> None:
        start.wait()
        for comment_id in ids:
            try:
                with db.transaction() as session:
                    actor = moderation.ensure_profile(session, name)
                    mine = {comment_id: seen[comment_id]}
                    if name == "ann":
                        change = moderation.approve(session, [comment_id], actor=actor, seen=mine)
                    else:
                        change = moderation.hide(
                            session, [comment_id], actor=actor, reason="spam", seen=mine
                        )
                won[name].append(change.comments[0].entry_seq)
            except TransitionError as error:
                told[name].append(str(error))
            except ServiceError as error:  # pragma: no cover - reported if it ever happens
                told[name].append(f"unexpected: {error}")

    threads = [
        threading.Thread(target=desk, args=("ann", database)),
        threading.Thread(target=desk, args=("bob", other_desk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won["ann"]) + len(won["bob"]) == len(ids)
    assert all("changed while you had it open" in message for m in told.values() for message in m)
    with database.session() as session:
        decisions = session.execute(
            select(LogEntryRow.seq, LogEntryRow.comment_id).where(
                LogEntryRow.action.in_(["approve", "hide"])
            )
        ).all()
        versions = {row[0]: row[1] for row in session.execute(select(Comment.id, Comment.version))}
        found = verify_log(session)
    # One decision per comment, each acknowledged one present and the comment's version.
    assert sorted(seq for seq, _ in decisions) == sorted(won["ann"] + won["bob"])
    assert sorted(comment for _, comment in decisions) == sorted(ids)
    assert {versions[comment] for _, comment in decisions} == {seq for seq, _ in decisions}
    assert found.ok, found.summary()


def test_a_claim_keeps_others_off_until_it_lapses_or_is_released(
    database: Database, ids: list[int]
) -> None:
    now = datetime.now(UTC)
    with database.transaction() as session:
        mine = claims.claim(session, ids[0], holder="ann", desk="desk-a", now=now)
        theirs = claims.claim(session, ids[0], holder="bob", desk="desk-b", now=now)
    # Bob's desk is told Ann has it; the claim stays hers.
    assert (mine.holder, theirs.holder, theirs.desk) == ("ann", "ann", "desk-a")
    with database.session() as session:
        assert set(claims.claims_of_others(session, desk="desk-b", now=now)) == {ids[0]}
        assert claims.claims_of_others(session, desk="desk-a", now=now) == {}
    # Moving on moves the claim: one open comment per desk.
    with database.transaction() as session:
        claims.claim(session, ids[1], holder="ann", desk="desk-a", now=now)
        bob = claims.claim(session, ids[0], holder="bob", desk="desk-b", now=now)
    assert bob.holder == "bob"
    with database.session() as session:
        others = claims.claims_of_others(session, desk="desk-c", now=now)
    assert {c: row.holder for c, row in others.items()} == {ids[0]: "bob", ids[1]: "ann"}
    # A lapsed claim is nobody's: not listed, and anyone may take it.
    later = now + claims.CLAIM_TTL + timedelta(seconds=1)
    with database.transaction() as session:
        assert set(claims.claims_of_others(session, desk="desk-c", now=later)) == set()
        taken = claims.claim(session, ids[1], holder="cy", desk="desk-c", now=later)
        assert taken.holder == "cy"
        # Claiming clears the lapsed claims too (bob's, of a desk that went away).
        assert session.scalars(select(Claim.holder)).all() == ["cy"]
        assert claims.release(session, desk="desk-c") == 1
    with database.session() as session:
        assert claims.claims_of_others(session, desk="x", now=now) == {}


def test_a_claim_renewed_by_its_desk_lasts_longer(database: Database, ids: list[int]) -> None:
    now = datetime.now(UTC)
    with database.transaction() as session:
        claims.claim(session, ids[0], holder="ann", desk="a", now=now)
        renewed = claims.claim(
            session, ids[0], holder="ann", desk="a", now=now + timedelta(minutes=2)
        )
    assert renewed.expires_at == now + timedelta(minutes=2) + claims.CLAIM_TTL
