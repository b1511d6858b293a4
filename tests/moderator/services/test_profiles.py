"""Profiles: who may change whose role, what the role entry says, and which names a person may
take (one spelling, nothing invisible, nothing reserved, no look-alike of a profile)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from moderator.domain import Role
from moderator.domain.errors import MissingInputError
from moderator.domain.names import ProfileNameError, look_alike_key, skeleton
from moderator.log.verify import verify_log
from moderator.services.moderation import ensure_profile
from moderator.services.roles import RoleError
from moderator.store.database import Database
from moderator.store.models import LogEntryRow, Profile


def role_of(database: Database, name: str) -> Role | None:
    with database.session() as session:
        return session.scalar(select(Profile.role).where(Profile.name == name))


def profile_entries(database: Database) -> list[tuple[str, str, str | None, dict[str, str]]]:
    with database.session() as session:
        rows = session.execute(
            select(LogEntryRow.actor, LogEntryRow.role, LogEntryRow.note, LogEntryRow.evidence)
            .where(LogEntryRow.action == "profile")
            .order_by(LogEntryRow.seq)
        )
        return [(a, r, n, json.loads(e or "{}")) for a, r, n, e in rows]


@pytest.fixture
def team(database: Database) -> Database:
    """Editor "ed" (the first, naming themselves), moderators "mo" and "mo2"."""
    with database.transaction() as session:
        ensure_profile(session, "ed", role=Role.EDITOR)
        ensure_profile(session, "mo")
        ensure_profile(session, "mo2")
    return database


# --- roles -----------------------------------------------------------------------------------


def test_a_moderator_cannot_demote_an_editor(team: Database) -> None:
    with (
        pytest.raises(RoleError, match="making ed a moderator needs the editor role; mo is a"),
        team.transaction() as session,
    ):
        ensure_profile(session, "ed", role=Role.MODERATOR, granted_by="mo")
    assert role_of(team, "ed") is Role.EDITOR


def test_a_moderator_cannot_promote_anyone_nor_themselves(team: Database) -> None:
    for name in ("mo", "mo2", "newcomer"):
        with pytest.raises(RoleError, match="needs the editor role"), team.transaction() as s:
            ensure_profile(s, name, role=Role.EDITOR, granted_by="mo")
    assert (role_of(team, "mo"), role_of(team, "mo2"), role_of(team, "newcomer")) == (
        Role.MODERATOR,
        Role.MODERATOR,
        None,
    )


def test_an_editor_changes_anyones_role_and_may_step_down(team: Database) -> None:
    with team.transaction() as session:
        ensure_profile(session, "mo", role=Role.EDITOR, granted_by="ed")
        ensure_profile(session, "mo2", role=Role.EDITOR, granted_by="ed")
        ensure_profile(session, "mo2", role=Role.MODERATOR, granted_by="mo")
        ensure_profile(session, "ed", role=Role.MODERATOR, granted_by="ed")
    assert [role_of(team, name) for name in ("ed", "mo", "mo2")] == [
        Role.MODERATOR,
        Role.EDITOR,
        Role.MODERATOR,
    ]


def test_with_no_editor_left_nobody_names_themselves_the_first(team: Database) -> None:
    with team.transaction() as session:
        ensure_profile(session, "ed", role=Role.MODERATOR)  # the only editor steps down
    with (
        pytest.raises(RoleError, match="this database has had an editor"),
        team.transaction() as session,
    ):
        ensure_profile(session, "mo", role=Role.EDITOR, granted_by="mo")
    assert role_of(team, "mo") is Role.MODERATOR


def test_the_log_alone_remembers_a_past_editor(database: Database) -> None:
    # A first editor named, then the profile table emptied of editors behind the desk's back:
    # the role entry in the log still counts.
    with database.transaction() as session:
        ensure_profile(session, "ed", role=Role.EDITOR)
    with database.transaction() as session:
        session.execute(Profile.__table__.update().values(role=Role.MODERATOR))
    with pytest.raises(RoleError), database.transaction() as session:
        ensure_profile(session, "mo", role=Role.EDITOR)


def test_on_a_database_that_never_had_an_editor_the_first_is_named(database: Database) -> None:
    with database.transaction() as session:
        ensure_profile(session, "mo")
        ensure_profile(session, "mo", role=Role.EDITOR, granted_by="mo")
    assert role_of(database, "mo") is Role.EDITOR


def test_the_role_entry_names_who_changed_whose_role(team: Database) -> None:
    with team.transaction() as session:
        ensure_profile(session, "mo", role=Role.EDITOR, granted_by="ed")
        ensure_profile(session, "newcomer", role=Role.MODERATOR, granted_by="mo")
    *_, promoted, created = profile_entries(team)
    assert promoted == (
        "ed",
        "editor",
        "mo: role changed from moderator to editor",
        {"profile": "mo", "role": "editor", "previous_role": "moderator"},
    )
    assert created == (
        "mo",
        "editor",
        "newcomer: new moderator",
        {"profile": "newcomer", "role": "moderator"},
    )
    # The first editor named themselves, while still a moderator.
    assert profile_entries(team)[0] == (
        "ed",
        "moderator",
        "ed: new editor",
        {"profile": "ed", "role": "editor"},
    )
    with team.session() as session:
        assert verify_log(session).ok


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("ed\u200b", "invisible character (U+200B ZERO WIDTH SPACE)"),
        ("ed\u202e", "bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("e\x07d", "control character (U+0007)"),
        ("e\u00a0d", "other than the plain space (U+00A0 NO-BREAK SPACE)"),
        ("ed\u3164", "invisible character (U+3164 HANGUL FILLER)"),
        ("system", "the name 'system' is reserved"),
        ("System ", "the name 'System' is reserved"),
        ("\u0455ystem", "is reserved"),  # Cyrillic dze for the s
        ("rules", "is reserved"),
    ],
)
def test_names_that_do_not_print_as_they_read_or_are_reserved_are_refused(
    database: Database, name: str, said: str
) -> None:
    with (
        pytest.raises(ProfileNameError, match=re.escape(said)),
        database.transaction() as session,
    ):
        ensure_profile(session, name)
    with database.session() as session:
        assert session.scalars(select(Profile.name)).all() == []


def test_a_refused_name_is_shown_with_its_hidden_character_visible(database: Database) -> None:
    with pytest.raises(ProfileNameError) as refused, database.transaction() as session:
        ensure_profile(session, "ed\u200b")
    assert "'ed<U+200B>'" in str(refused.value)
    assert "\u200b" not in str(refused.value)


@pytest.mark.parametrize(
    ("existing", "name"),
    [
        ("ed", "\u0435d"),  # Cyrillic ie
        ("ed", "ED"),
        ("ed", "\u0395D"),  # Greek capital epsilon
        ("paypal", "\u0440aypal"),  # Cyrillic er
        ("bill", "bi11"),
        ("Maria Lopez", "rnaria lopez"),
    ],
)
def test_a_name_that_looks_like_a_profile_is_refused_naming_both(
    database: Database, existing: str, name: str
) -> None:
    with database.transaction() as session:
        ensure_profile(session, existing)
    with (
        pytest.raises(ProfileNameError, match="looks like the existing profile") as refused,
        database.transaction() as session,
    ):
        ensure_profile(session, name, role=Role.EDITOR)
    assert f"'{existing}'" in str(refused.value)
    with database.session() as session:
        assert session.scalars(select(Profile.name)).all() == [existing]


def test_a_look_alike_names_the_character_that_differs(database: Database) -> None:
    with database.transaction() as session:
        ensure_profile(session, "ed")
    with pytest.raises(ProfileNameError) as refused, database.transaction() as session:
        ensure_profile(session, "\u0435d")
    assert "U+0435 CYRILLIC SMALL LETTER IE" in str(refused.value)


def test_a_look_alike_cannot_grant_in_a_profiles_place(team: Database) -> None:
    with pytest.raises(ProfileNameError), team.transaction() as session:
        ensure_profile(session, "newcomer", granted_by="\u0435d")


def test_names_are_stored_composed_and_found_either_way(database: Database) -> None:
    with database.transaction() as session:
        made = ensure_profile(session, "Jos\u0065\u0301  Lopez ")
        assert made.name == "Jos\u00e9 Lopez"
        again = ensure_profile(session, "Jos\u00e9 Lopez")
        assert again.id == made.id
    with database.session() as session:
        assert session.scalars(select(Profile.name)).all() == ["Jos\u00e9 Lopez"]


def test_names_that_differ_only_in_letters_people_tell_apart_are_fine(database: Database) -> None:
    with database.transaction() as session:
        for name in ("ed", "eb", "Ann", "Anna", "O'Brien", "Zoë", "Маша"):
            ensure_profile(session, name)
    with pytest.raises(MissingInputError), database.transaction() as session:
        ensure_profile(session, "   ")


def test_the_skeleton_follows_tr39() -> None:
    # TR39's own examples: NFD, then each character's prototype.
    assert skeleton("\u0440aypal") == skeleton("paypal")
    assert skeleton("\u2160") == skeleton("l")  # ROMAN NUMERAL ONE
    assert look_alike_key("SCOPE") == look_alike_key("\u0455\u0441\u043e\u0440\u0435")
    assert look_alike_key("ed") != look_alike_key("eb")
