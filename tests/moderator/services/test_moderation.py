"""Moderation decisions: the allowed steps, the history they leave, and what they refuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, ReasonCode, Role, Status
from moderator.domain.errors import MissingInputError, NotFoundError, TransitionError
from moderator.services import moderation
from moderator.services.changes import ModerationChange
from moderator.services.history import Actor
from moderator.store.database import Database
from moderator.store.models import Comment, LogEntryRow, Profile
from tests.conftest import add_comments, logged_decisions


@pytest.fixture
def ids(database: Database) -> list[int]:
    return add_comments(database, 3)


def set_status(database: Database, comment_id: int, status: Status) -> None:
    with database.transaction() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        comment.status = status


def status_of(database: Database, comment_id: int) -> Status:
    with database.session() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.status


Decide = Callable[[Session, list[int], Profile], ModerationChange]
DECISIONS: dict[str, Decide] = {
    "approve": lambda s, ids, actor: moderation.approve(s, ids, actor=actor),
    "hide": lambda s, ids, actor: moderation.hide(s, ids, actor=actor, reason="spam"),
    "restore": lambda s, ids, actor: moderation.restore(s, ids, actor=actor),
}


@pytest.mark.parametrize(
    ("decision", "start", "end"),
    [
        ("approve", Status.PENDING, Status.APPROVED),
        ("approve", Status.HIDDEN, Status.APPROVED),
        ("hide", Status.PENDING, Status.HIDDEN),
        ("hide", Status.APPROVED, Status.HIDDEN),
        ("restore", Status.APPROVED, Status.PENDING),
        ("restore", Status.HIDDEN, Status.PENDING),
    ],
)
def test_allowed_steps_change_the_comment_and_append_history(
    database: Database, ids: list[int], decision: str, start: Status, end: Status
) -> None:
    set_status(database, ids[0], start)
    # Overturning (a hidden comment approved, a published one hidden) is an editor's step.
    overturn = start is not Status.PENDING and decision in {"approve", "hide"}
    role = Role.EDITOR if overturn else Role.MODERATOR
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "maria", role=role)
        change = DECISIONS[decision](session, [ids[0]], actor)

    assert change.action == ActionKind(decision)
    assert change.comment_ids == (ids[0],)
    (step,) = change.comments
    assert (step.from_status, step.to_status) == (start, end)
    assert status_of(database, ids[0]) == end
    (record,) = logged_decisions(database)
    assert record.seq == step.entry_seq
    assert (record.comment_id, record.action, record.from_status, record.to_status) == (
        ids[0],
        decision,
        start,
        end,
    )
    assert record.role == role
    assert record.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("decision", "start"),
    [
        ("approve", Status.APPROVED),
        ("hide", Status.HIDDEN),
        ("restore", Status.PENDING),
    ],
)
def test_impossible_steps_are_refused(
    database: Database, ids: list[int], decision: str, start: Status
) -> None:
    set_status(database, ids[0], start)
    refused = pytest.raises(TransitionError, match=f"comment {ids[0]} is already {start}")
    with refused, database.transaction() as session:
        DECISIONS[decision](session, [ids[0]], moderation.ensure_profile(session, "m"))
    assert status_of(database, ids[0]) == start


def test_a_batch_is_all_or_nothing(database: Database, ids: list[int]) -> None:
    set_status(database, ids[2], Status.HIDDEN)
    with pytest.raises(TransitionError), database.transaction() as session:
        moderation.hide(session, ids, actor=moderation.ensure_profile(session, "m"), reason="spam")

    assert [status_of(database, i) for i in ids] == [Status.PENDING, Status.PENDING, Status.HIDDEN]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(LogEntryRow)) == 1  # the import
        assert session.scalar(select(func.count(Profile.id))) == 0


def test_unknown_ids_are_named(database: Database, ids: list[int]) -> None:
    refused = pytest.raises(NotFoundError, match="no comment with id 998, 999")
    with refused, database.transaction() as session:
        actor = moderation.ensure_profile(session, "m")
        moderation.approve(session, [ids[0], 998, 999], actor=actor)
    assert status_of(database, ids[0]) == Status.PENDING


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        (None, None, "hiding needs a reason"),
        ("", None, "hiding needs a reason"),
        ("rude", None, "unknown reason 'rude'"),
        ("other", None, "'other' needs a note"),
        ("other", "   ", "'other' needs a note"),
        ("spam", "x" * 2001, "the limit is 2000"),
    ],
)
def test_hiding_needs_a_valid_reason(
    database: Database, ids: list[int], reason: str | None, note: str | None, message: str
) -> None:
    with pytest.raises(MissingInputError, match=message), database.transaction() as session:
        actor = moderation.ensure_profile(session, "m")
        moderation.hide(session, [ids[0]], actor=actor, reason=reason, note=note)
    assert status_of(database, ids[0]) == Status.PENDING


def test_hide_records_reason_and_note(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "m")
        change = moderation.hide(
            session, ids[:2], actor=actor, reason=ReasonCode.OTHER, note="  doxxing a neighbour "
        )
    assert change.reason is ReasonCode.OTHER
    assert change.note == "doxxing a neighbour"
    records = logged_decisions(database)
    assert [(r.comment_id, r.reason, r.note) for r in records] == [
        (ids[0], ReasonCode.OTHER, "doxxing a neighbour"),
        (ids[1], ReasonCode.OTHER, "doxxing a neighbour"),
    ]


def test_hide_each_gives_every_comment_its_own_note(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        actor = Actor.rules("v1")
        change = moderation.hide_each(
            session,
            {ids[2]: "rule a: spam ", ids[0]: "rule b: slur"},
            actor=actor,
            reason=ReasonCode.OTHER,
        )
    assert [c.comment_id for c in change.comments] == [ids[2], ids[0]]
    records = logged_decisions(database)
    assert [(r.comment_id, r.note) for r in records] == [
        (ids[2], "rule a: spam"),
        (ids[0], "rule b: slur"),
    ]
    assert status_of(database, ids[1]) is Status.PENDING


@pytest.mark.parametrize(
    ("note", "said"), [(" ", "the note for comment .* is empty"), ("x" * 2001, "2001 characters")]
)
def test_hide_each_refuses_bad_notes_before_anything(
    database: Database, ids: list[int], note: str, said: str
) -> None:
    with database.transaction() as session, pytest.raises(MissingInputError, match=said):
        actor = Actor.rules("v1")
        moderation.hide_each(
            session, {ids[0]: "fine", ids[1]: note}, actor=actor, reason=ReasonCode.OTHER
        )
    assert [status_of(database, i) for i in ids[:2]] == [Status.PENDING, Status.PENDING]


@pytest.mark.parametrize(
    ("decision", "start"),
    [
        ("approve", Status.PENDING),
        ("approve", Status.HIDDEN),
        ("hide", Status.PENDING),
        ("hide", Status.APPROVED),
        ("restore", Status.APPROVED),
        ("restore", Status.HIDDEN),
        *(("escalate", status) for status in Status),
    ],
)
def test_undo_puts_comments_back_and_keeps_both_entries(
    database: Database, ids: list[int], decision: str, start: Status
) -> None:
    for comment_id in ids[:2]:
        set_status(database, comment_id, start)
    decide = {
        **DECISIONS,
        "escalate": lambda s, ids, actor: moderation.escalate(s, ids, actor=actor, note="look"),
    }[decision]
    with database.transaction() as session:
        change = decide(session, ids[:2], moderation.ensure_profile(session, "m", role=Role.EDITOR))
    with database.transaction() as session:
        undone = moderation.undo(session, change, actor=moderation.ensure_profile(session, "m"))

    assert undone.action is ActionKind.UNDO
    assert [(c.from_status, c.to_status) for c in undone.comments] == [
        (step.to_status, step.from_status) for step in change.comments
    ]
    with database.session() as session:
        for comment_id in ids[:2]:
            comment = session.get(Comment, comment_id)
            assert comment is not None
            assert (comment.status, comment.escalated) == (start, False)
    history = logged_decisions(database)
    assert [(r.comment_id, r.action) for r in history] == [
        (ids[0], decision),
        (ids[1], decision),
        (ids[0], ActionKind.UNDO),
        (ids[1], ActionKind.UNDO),
    ]
    assert (history[2].reverts, history[3].reverts) == (history[0].seq, history[1].seq)


def test_undo_is_refused_once_a_comment_moved_on(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "m")
        change = moderation.approve(session, ids[:2], actor=actor)
    with database.transaction() as session:
        editor = moderation.ensure_profile(session, "other", role=Role.EDITOR)
        moderation.hide(session, [ids[1]], actor=editor, reason="spam")
    with (
        database.transaction() as session,
        pytest.raises(
            TransitionError,
            match=(
                rf"comment {ids[1]} changed since \(approve\); it is now hidden"
                r" \(by other at .* UTC\): cannot undo"
            ),
        ),
    ):
        moderation.undo(session, change, actor=moderation.ensure_profile(session, "m"))
    # All or nothing: the first comment stayed approved too.
    assert status_of(database, ids[0]) is Status.APPROVED
    assert status_of(database, ids[1]) is Status.HIDDEN


def test_escalation_keeps_the_status_and_happens_once(database: Database, ids: list[int]) -> None:
    set_status(database, ids[0], Status.APPROVED)
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "m")
        change = moderation.escalate(session, [ids[0]], actor=actor, note="legal?")
    (step,) = change.comments
    assert (step.from_status, step.to_status) == (Status.APPROVED, Status.APPROVED)
    assert (step.was_escalated, step.escalated) == (False, True)
    with database.session() as session:
        comment = session.get(Comment, ids[0])
        assert comment is not None
        assert comment.escalated

    refused = pytest.raises(TransitionError, match="already escalated")
    with refused, database.transaction() as session:
        moderation.escalate(session, [ids[0]], actor=moderation.ensure_profile(session, "m"))


def test_the_actors_role_is_recorded_as_it_was(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        editor = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        moderation.approve(session, [ids[0]], actor=editor)
    with database.transaction() as session:
        moderation.ensure_profile(session, "ed", role=Role.MODERATOR)
    (record,) = logged_decisions(database)
    assert record.role == Role.EDITOR
    assert record.actor == "ed"


def test_no_ids_and_blank_names_are_refused(database: Database) -> None:
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "m")
        with pytest.raises(MissingInputError, match="at least one comment"):
            moderation.approve(session, [], actor=actor)
        with pytest.raises(MissingInputError, match="needs a name"):
            moderation.ensure_profile(session, "  ")


def test_a_duplicated_id_is_decided_once(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        change = moderation.approve(
            session, [ids[0], ids[0]], actor=moderation.ensure_profile(session, "m")
        )
    assert change.comment_ids == (ids[0],)


def test_the_default_actor_comes_from_the_environment_or_the_login(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert moderation.default_actor_name({"MODERATOR_USER": "  Ana "}) == "Ana"
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    assert moderation.default_actor_name({"MODERATOR_USER": " "}) == "login-name"
    assert moderation.default_actor_name({}) == "login-name"
