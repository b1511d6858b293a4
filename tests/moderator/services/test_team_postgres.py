"""Team mode on PostgreSQL, proven with two logins: a moderator's and an editor's raw SQL
against what the server enforces, and the desk's own services still working."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from moderator.cli import main
from moderator.domain import Role, Status
from moderator.imports.importer import import_paths
from moderator.log.verify import verify_log
from moderator.resources import DEMO_ARTICLE
from moderator.services import moderation, staging
from moderator.services.review import set_locked
from moderator.services.team import TeamError, add_member, desk_login, set_up
from moderator.store.database import Database, open_database
from moderator.store.models import Comment, Profile
from tests.conftest import fresh_pg_database

pytestmark = pytest.mark.postgresql

INSUFFICIENT_PRIVILEGE = "42501"


@dataclass
class Team:
    owner: Database
    ann: Database  # a moderator's login
    ed: Database  # an editor's login
    ann_name: str
    ed_name: str
    pending: list[int]
    hidden_by_ed: int


@pytest.fixture
def team(postgres_server: str) -> Iterator[Team]:
    suffix = uuid.uuid4().hex[:8]
    ann, ed = f"ann_{suffix}", f"ed_{suffix}"
    with fresh_pg_database(postgres_server) as owner:
        with owner.engine.begin() as connection:
            set_up(connection)
            set_up(connection)  # again: setting up is safe to repeat
        with owner.transaction() as session:
            add_member(session, ann, role=Role.MODERATOR, owner="moderator")
            add_member(session, ed, role=Role.EDITOR, owner="moderator")
        import_paths(owner, [DEMO_ARTICLE], actor=ed)
        with owner.session() as session:
            ids = list(session.scalars(select(Comment.id).order_by(Comment.id)))
        url = make_url(owner.engine.url.render_as_string(hide_password=False))
        as_ann = open_database(url.set(username=ann).render_as_string(hide_password=False))
        as_ed = open_database(url.set(username=ed).render_as_string(hide_password=False))
        try:
            with as_ed.transaction() as session:
                editor = moderation.ensure_profile(session, ed)
                moderation.hide(session, [ids[0]], actor=editor, reason="spam")
            yield Team(owner, as_ann, as_ed, ann, ed, ids[1:], ids[0])
        finally:
            as_ann.close()
            as_ed.close()
            owner.engine.dispose()
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                for name in (ann, ed):
                    # Logins are the server's, not the database's: they outlive it otherwise.
                    connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
            admin.dispose()


def _state(database: Database) -> tuple[object, ...]:
    """Everything the attacks aim at, as the owner reads it."""
    with database.engine.connect() as connection:
        return tuple(
            tuple(tuple(row) for row in connection.execute(text(query)))
            for query in (
                "SELECT * FROM log_entry ORDER BY seq",
                "SELECT * FROM log_head",
                "SELECT id, status, escalated, version, body, article_id FROM comment ORDER BY id",
                "SELECT name, role FROM profile ORDER BY name",
                "SELECT id, locked, title FROM article ORDER BY id",
            )
        )


def _refused(team: Team, login: Database, *statements: str, **values: object) -> str:
    """Run the statements as one transaction as ``login``; the server's refusal message,
    once the owner has seen that nothing changed."""
    before = _state(team.owner)
    with pytest.raises(DBAPIError) as refused, login.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), values)
    assert getattr(refused.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE
    assert _state(team.owner) == before
    return str(refused.value.orig)


# A log entry that looks like the desk's own, appended after the head; the attack then makes
# the comment follow it (the hash is not the chain's, which verify would catch; the server
# refuses before that matters).
_ENTRY = (
    "INSERT INTO log_entry (seq, prev_hash, created_at, actor, role, action, comment_id,"
    " article_id, from_status, to_status, escalated, hash)"
    " SELECT h.seq + 1, h.hash, now(), :actor, :role, :action, c.id, c.article_id, c.status,"
    " :to, c.escalated, md5(random()::text) FROM log_head h, comment c WHERE c.id = :id"
)
_HEAD = (
    "UPDATE log_head SET seq = e.seq, hash = e.hash"
    " FROM (SELECT seq, hash FROM log_entry ORDER BY seq DESC LIMIT 1) e"
)
_FOLLOW = "UPDATE comment SET status = :to, version = (SELECT seq FROM log_head) WHERE id = :id"


def test_a_moderator_cannot_change_or_remove_log_entries(team: Team) -> None:
    assert "permission denied" in _refused(team, team.ann, "UPDATE log_entry SET note = 'x'")
    assert "permission denied" in _refused(
        team, team.ann, "DELETE FROM log_entry WHERE seq = (SELECT max(seq) FROM log_entry)"
    )
    assert "permission denied" in _refused(team, team.ann, "TRUNCATE log_entry CASCADE")
    # Nor move the head back over entries (cutting the tail off the chain).
    assert "head" in _refused(team, team.ann, "UPDATE log_head SET seq = seq - 1")
    # The editor neither: the log is append-only for every member.
    assert "permission denied" in _refused(team, team.ed, "DELETE FROM log_entry")


def test_a_comment_changes_state_only_with_its_own_fresh_entry(team: Team) -> None:
    target = team.pending[0]
    message = _refused(
        team, team.ann, "UPDATE comment SET status = 'hidden' WHERE id = :id", id=target
    )
    assert "needs its own log entry" in message
    # Pointing it at an entry that already exists (another comment's, an older one) neither.
    assert "needs its own log entry" in _refused(
        team,
        team.ann,
        "UPDATE comment SET status = 'hidden', version = 1 WHERE id = :id",
        id=target,
    )
    # An entry saying something else than the move (approve logged, hide done) neither.
    assert "needs its own log entry" in _refused(
        team,
        team.ann,
        _ENTRY,
        _HEAD,
        "UPDATE comment SET status = 'hidden', version = (SELECT seq FROM log_head) WHERE id = :id",
        actor=team.ann_name,
        role="moderator",
        action="approve",
        to="approved",
        id=target,
    )
    assert "permission denied" in _refused(
        team, team.ann, "UPDATE comment SET body = 'edited' WHERE id = :id", id=target
    )
    assert "needs its own log entry" in _refused(
        team, team.ann, "UPDATE comment SET escalated = true WHERE id = :id", id=target
    )
    # Stored already decided, behind the log's back.
    assert "stored pending" in _refused(
        team,
        team.ann,
        "INSERT INTO comment (article_id, position, author_id, posted_at, body, status,"
        " escalated, fingerprint, imported_at) SELECT article_id, 99, author_id, posted_at,"
        " 'planted', 'hidden', false, 'x', now() FROM comment WHERE id = :id",
        id=target,
    )


def test_a_moderator_cannot_log_in_someone_elses_name(team: Team) -> None:
    for actor, role in ((team.ed_name, "editor"), (team.ann_name, "editor"), ("system", "system")):
        message = _refused(
            team,
            team.ann,
            _ENTRY,
            actor=actor,
            role=role,
            action="hide",
            to="hidden",
            id=team.pending[0],
        )
        assert "own name and role" in message
    assert "own name" in _refused(
        team,
        team.ann,
        "INSERT INTO note (comment_id, text, actor, role, created_at, entry_seq)"
        " VALUES (:id, 'x', :who, 'editor', now(), 1)",
        id=team.pending[0],
        who=team.ed_name,
    )


def test_a_moderator_cannot_overturn_or_restore_someone_elses_decision(team: Team) -> None:
    for action, to in (("approve", "approved"), ("restore", "pending")):
        message = _refused(
            team,
            team.ann,
            _ENTRY,
            _HEAD,
            _FOLLOW,
            actor=team.ann_name,
            role="moderator",
            action=action,
            to=to,
            id=team.hidden_by_ed,
        )
        assert "needs an editor" in message
    escalated = team.pending[-1]
    with team.ed.transaction() as session:
        ed = moderation.ensure_profile(session, team.ed_name)
        moderation.escalate(session, [escalated], actor=ed, note="mine to decide")
    message = _refused(
        team,
        team.ann,
        _ENTRY,
        _HEAD,
        _FOLLOW,
        actor=team.ann_name,
        role="moderator",
        action="approve",
        to="approved",
        id=escalated,
    )
    assert "deciding an escalated comment needs an editor" in message


def test_a_moderator_cannot_change_roles_or_locks(team: Team) -> None:
    assert "needs an editor" in _refused(
        team, team.ann, "UPDATE profile SET role = 'editor' WHERE name = :n", n=team.ann_name
    )
    assert "needs an editor" in _refused(
        team, team.ann, "UPDATE profile SET role = 'moderator' WHERE name = :n", n=team.ed_name
    )
    assert "needs an editor" in _refused(
        team,
        team.ann,
        "INSERT INTO profile (name, role, created_at) VALUES ('mallory', 'editor', now())",
    )
    assert "permission denied" in _refused(
        team, team.ann, "UPDATE profile SET name = 'x' WHERE name = :n", n=team.ed_name
    )
    assert "needs an editor" in _refused(team, team.ann, "UPDATE article SET locked = true")
    assert "permission denied" in _refused(team, team.ann, "UPDATE article SET title = 'x'")


def test_the_desk_acts_as_the_login_and_refuses_other_names(team: Team) -> None:
    with team.ann.session() as session:
        assert desk_login(session) == team.ann_name
    with team.owner.session() as session:
        assert desk_login(session) is None  # the owner is not held to a login's name
    for name, granted_by in ((team.ed_name, None), (team.ann_name, team.ed_name)):
        role = Role.EDITOR if granted_by else None
        with (
            pytest.raises(TeamError, match=f"your own login, {team.ann_name}"),
            team.ann.transaction() as session,
        ):
            moderation.ensure_profile(session, name, role=role, granted_by=granted_by)


def test_the_desk_still_works_for_each_login_in_their_role(team: Team) -> None:
    first, second = team.pending[:2]
    with team.ann.transaction() as session:
        ann = moderation.ensure_profile(session, team.ann_name)
        approved = moderation.approve(session, [first], actor=ann)
        moderation.hide(session, [second], actor=ann, reason="spam")
        moderation.escalate(session, [team.hidden_by_ed], actor=ann, note="look again")
    with team.ann.transaction() as session:
        ann = moderation.ensure_profile(session, team.ann_name)
        # Her own decision she may take back.
        moderation.undo(session, approved, actor=ann)
    with team.ed.transaction() as session:
        ed = moderation.ensure_profile(session, team.ed_name)
        moderation.approve(session, [team.hidden_by_ed], actor=ed)
        article = session.scalar(select(Comment.article_id).where(Comment.id == first))
        assert article is not None
        assert set_locked(session, article, locked=True, actor=ed)
        moderation.ensure_profile(session, team.ann_name, role=Role.EDITOR, granted_by=team.ed_name)
    with team.owner.session() as session:
        states = {row.id: row.status for row in session.execute(select(Comment.id, Comment.status))}
        assert states[first] is Status.PENDING
        assert states[second] is Status.HIDDEN
        assert states[team.hidden_by_ed] is Status.APPROVED
        role = session.scalar(select(Profile.role).where(Profile.name == team.ann_name))
        assert role is Role.EDITOR
        assert verify_log(session).ok
    # Locked now: not even the editor's raw SQL changes a comment of it, or adds one.
    assert "locked" in _refused(
        team, team.ed, "UPDATE comment SET status = 'hidden' WHERE id = :id", id=first
    )
    assert "locked" in _refused(
        team,
        team.ed,
        "INSERT INTO comment (article_id, position, author_id, posted_at, body, status,"
        " escalated, fingerprint, imported_at) SELECT article_id, 99, author_id, posted_at,"
        " 'planted', 'pending', false, 'x', now() FROM comment WHERE id = :id",
        id=first,
    )


def test_the_team_commands_set_up_and_add_members(team: Team) -> None:
    url = team.owner.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "team", "setup"]) == 0  # again, on a team's database
    name = f"mo_{uuid.uuid4().hex[:8]}"
    try:
        assert main(["--db", url, "team", "add", name, "--role", "moderator"]) == 0
        with team.owner.session() as session:
            role = session.scalar(select(Profile.role).where(Profile.name == name))
        assert role is Role.MODERATOR
        # Only the owner (who may create logins) adds members; a member's login cannot.
        login = make_url(url).set(username=team.ann_name).render_as_string(hide_password=False)
        assert main(["--db", login, "team", "add", "x" + name, "--role", "editor"]) == 1
    finally:
        with team.owner.engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{name}"'))
            connection.execute(text(f'DROP ROLE "{name}"'))


def test_a_member_imports_in_parts_and_nobody_deletes_what_is_shown(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "PART_SIZE", 1)
    scraped = tmp_path / "parts.txt"
    scraped.write_text(
        "Parts\n\nBody.\n\nComments 3\n"
        + "".join(f"reader{n} 1 May 2020, 10:0{n}\n\nComment {n}.\n\n" for n in range(3)),
        encoding="utf-8",
    )
    refusals: list[str] = []

    def after_part(stage: str, index: int) -> None:
        if (stage, index) == ("stored", 1):
            # A moderator may not take back someone else's import while it is stored...
            refusals.append(_refused(team, team.ann, "DELETE FROM comment WHERE id > 0"))

    report = import_paths(team.ed, [scraped], actor=team.ed_name, after_part=after_part)
    assert report.added == 3
    assert "only an import still being stored" in refusals[0]
    # ... nor anyone delete a comment that is shown, or move its import time.
    with team.owner.session() as session:
        shown = session.scalar(select(Comment.id).where(Comment.body == "Comment 0."))
    for login in (team.ann, team.ed):
        assert "only an import" in _refused(
            team, login, "DELETE FROM comment WHERE id = :id", id=shown
        )
        assert "import time" in _refused(
            team, login, "UPDATE comment SET imported_at = now() WHERE id = :id", id=shown
        )
    with team.owner.session() as session:
        assert verify_log(session).ok
