"""Claims left behind: a desk killed before it released its claim has it ended when the same
person starts a desk again on that machine; nobody else's claims are touched."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from moderator.services import claims
from moderator.store.database import Database, make_engine, open_database, upgrade
from moderator.store.models import Claim
from tests.conftest import add_comments

HERE = "desk-host"
THERE = "other-host"
DEAD, LIVE = 4_000_001, 4_000_002


def alive(pid: int) -> bool:
    return pid != DEAD


def held(database: Database) -> dict[int, tuple[str, str, str, int]]:
    """Every claim row: comment id -> (holder, desk, host, pid)."""
    with database.session() as session:
        rows = session.scalars(select(Claim)).all()
        return {row.comment_id: (row.holder, row.desk, row.host, row.pid) for row in rows}


@pytest.fixture
def ids(database: Database) -> list[int]:
    return add_comments(database, 6)


def test_a_claim_records_its_machine_and_process(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        claims.claim(session, ids[0], holder="ann", desk="a")
        claims.claim(session, ids[1], holder="bob", desk="b", host=THERE, pid=LIVE)
    assert held(database) == {
        ids[0]: ("ann", "a", claims.this_host(), os.getpid()),
        ids[1]: ("bob", "b", THERE, LIVE),
    }
    # Taken over once lapsed, the claim is the new desk's, machine and process too.
    with database.transaction() as session:
        now = claims.database_now(session) + claims.CLAIM_TTL * 2
        claims.claim(session, ids[1], holder="cy", desk="c", host=HERE, pid=DEAD, now=now)
    assert held(database)[ids[1]] == ("cy", "c", HERE, DEAD)


def test_the_same_persons_claim_from_a_dead_process_here_is_released_at_start(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        # Ann's desk on this machine was killed with comment 0 open.
        claims.claim(session, ids[0], holder="ann", desk="killed", host=HERE, pid=DEAD)
        # Her other desk here still runs; Bob's desk here was killed too; Ann's desk on another
        # machine (whose processes cannot be looked at from here) has the same number.
        claims.claim(session, ids[1], holder="ann", desk="running", host=HERE, pid=LIVE)
        claims.claim(session, ids[2], holder="bob", desk="bobs", host=HERE, pid=DEAD)
        claims.claim(session, ids[3], holder="ann", desk="laptop", host=THERE, pid=DEAD)
    with database.transaction() as session:
        ended = claims.release_left_behind(
            session, holder="ann", desk="new", host=HERE, pid=LIVE + 1, alive=alive
        )
    assert ended == 1
    assert set(held(database)) == {ids[1], ids[2], ids[3]}
    # Nothing more to end: a second start changes nothing.
    with database.transaction() as session:
        assert (
            claims.release_left_behind(
                session, holder="ann", desk="new", host=HERE, pid=LIVE + 1, alive=alive
            )
            == 0
        )


def test_a_claim_of_this_process_number_is_left_behind_unless_a_desk_here_has_it(
    database: Database, ids: list[int]
) -> None:
    """The number of a killed process may be this one's now (after a restart of the machine):
    its claims are ended, those of this process's open desks are not."""
    with database.transaction() as session:
        claims.claim(session, ids[0], holder="ann", desk="before", host=HERE, pid=LIVE)
        claims.claim(session, ids[1], holder="ann", desk="open", host=HERE, pid=LIVE)
        claims.claim(session, ids[2], holder="ann", desk="new", host=HERE, pid=LIVE)
    with database.transaction() as session:
        ended = claims.release_left_behind(
            session, holder="ann", desk="new", desks_here={"open", "new"}, host=HERE, pid=LIVE
        )
    assert ended == 1
    assert set(held(database)) == {ids[1], ids[2]}


def test_only_the_left_behind_desks_claim_ends_not_a_comment_taken_meanwhile(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        claims.claim(session, ids[0], holder="ann", desk="killed", host=HERE, pid=DEAD)
        later = claims.database_now(session) + claims.CLAIM_TTL * 2
        # The claim lapsed and Bob took the comment: his claim, though on Ann's old comment.
        claims.claim(session, ids[0], holder="bob", desk="bobs", host=HERE, pid=LIVE, now=later)
    with database.transaction() as session:
        assert claims.release_left_behind(session, holder="ann", desk="new", host=HERE) == 0
    assert held(database) == {ids[0]: ("bob", "bobs", HERE, LIVE)}


def test_process_alive_tells_an_ended_process_from_a_running_one() -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert claims.process_alive(os.getpid())
    # Ended and waited for: no process has its number (until one is given it again).
    assert not claims.process_alive(int(child.stdout))
    # Numbers that name no single process are taken as running: nothing is ended on them.
    assert claims.process_alive(0)
    assert claims.process_alive(-1)


def test_claims_from_before_the_machine_was_recorded_belong_to_none(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0012")
    stamp = datetime(2024, 5, 1, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO article (id, title, body, source, content_hash, imported_at, updated_at)"
            " VALUES (1, 'Old', 'Body', 'old.txt', 'h', :t, :t)",
            "INSERT INTO author (id, name, first_seen_at) VALUES (1, 'ann', :t)",
            "INSERT INTO comment (id, article_id, position, author_id, posted_at, body, status,"
            " escalated, fingerprint, imported_at) VALUES (1, 1, 1, 1, :t, 'hi', 'pending', 0,"
            " 'f', :t)",
            "INSERT INTO claim (comment_id, holder, desk, expires_at) VALUES (1, 'ann', 'old', :t)",
        ):
            connection.execute(text(statement), {"t": stamp})
    engine.dispose()
    database = open_database(f"sqlite:///{path}")
    try:
        assert held(database) == {1: ("ann", "old", "", 0)}
        with database.transaction() as session:
            assert claims.release_left_behind(session, holder="ann", desk="new") == 0
        assert held(database) == {1: ("ann", "old", "", 0)}
    finally:
        database.close()
