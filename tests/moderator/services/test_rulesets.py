"""Which rule set may run: the one an editor chose (pinned by its content's hash in the log),
the default before any choice; any other only as an editor's act, logged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from moderator.domain import Role
from moderator.rules.loader import read_rule_set
from moderator.rules.model import RuleSet
from moderator.services.moderation import ensure_profile
from moderator.services.roles import RoleError
from moderator.services.rulesets import (
    RUN,
    RuleSetNotChosenError,
    allow_run,
    check_active,
    choose_rule_set,
    default_rule_set,
)
from moderator.store.database import Database
from moderator.store.models import LogEntryRow

RULES = '[ruleset]\nname = "Desk"\n\n[[rule]]\nid = "insults"\nkind = "words"\nterms = ["idiot"]\n'


def load(path: Path, text: str) -> RuleSet:
    default_rule_set()  # registers the built-in rule kinds, as every caller has by then
    path.write_text(text, encoding="utf-8")
    return read_rule_set(path).rule_set


def test_before_any_choice_only_the_default_runs_as_the_active_set(
    database: Database, tmp_path: Path
) -> None:
    mine = load(tmp_path / "mine.toml", RULES)
    with database.session() as session:
        check_active(session, default_rule_set())
        with pytest.raises(RuleSetNotChosenError, match="no editor has chosen it"):
            check_active(session, mine)


def test_the_chosen_set_is_pinned_by_its_content(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    mine = load(path, RULES)
    with database.transaction() as session:
        choose_rule_set(session, mine, actor=ensure_profile(session, "ed", role=Role.EDITOR))
    with database.session() as session:
        check_active(session, mine)
        # The same file edited in place after the choice: not used until chosen again.
        edited = load(path, RULES + 'action = "hide"\n')
        with pytest.raises(RuleSetNotChosenError, match=r"its file\s+was edited since"):
            check_active(session, edited)
        with pytest.raises(RuleSetNotChosenError):
            check_active(session, default_rule_set())


def test_another_set_runs_only_as_an_editors_act_logged_under_their_name(
    database: Database, tmp_path: Path
) -> None:
    evil = load(tmp_path / "evil.toml", RULES + 'action = "hide"\n')
    with database.transaction() as session:
        mo = ensure_profile(session, "mo")
        # The chosen (here the default) set: anyone, nothing logged.
        assert allow_run(session, default_rule_set(), actor=mo) is None
        with pytest.raises(RoleError, match="needs the editor role; mo is a moderator"):
            allow_run(session, evil, actor=mo)
    with database.transaction() as session:
        seq = allow_run(session, evil, actor=ensure_profile(session, "ed", role=Role.EDITOR))
    assert seq is not None
    with database.session() as session:
        entry = session.scalars(select(LogEntryRow).where(LogEntryRow.seq == seq)).one()
    assert (entry.action, entry.actor, entry.role) == (RUN, "ed", "editor")
    assert entry.rule_set_version == evil.version
