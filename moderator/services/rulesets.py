"""Which rule set may run: the one an editor chose, pinned by its content's hash in the log;
any other is an editor's act, logged under their name."""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderator import settings
from moderator.domain.errors import ServiceError
from moderator.rules.loader import LoadedRuleSet, read_rule_set
from moderator.rules.model import RuleSet
from moderator.services.history import Actor, NewEntry, append
from moderator.services.roles import require_editor
from moderator.store.models import LogEntryRow, Profile

CHOSEN = "rules-chosen"
# A run of a rule set other than the chosen one (``rules run --rules``, ``import --rules``).
RUN = "rules-run"


class RuleSetNotChosenError(ServiceError):
    """The active rule set is not the one an editor chose for this database (its file was
    edited since, or the settings point at another): it is not used until one chooses it."""


def choose_rule_set(session: Session, rule_set: RuleSet, *, actor: Profile) -> int:
    """Record that ``actor`` (an editor: ``RoleError`` otherwise) chose ``rule_set``; the
    entry's number. The entry holds the set's version (the hash of its file and every list
    it reads): from now on only that content runs as the active set. The choice itself is a
    setting of this desk, written by the caller once this unit of work is committed."""
    acting = Actor(actor.name, str(actor.role), rule_set.version)
    require_editor(acting, "changing the rule set")
    (seq,) = append(
        session,
        acting,
        [NewEntry(CHOSEN, note=f"rule set {rule_set.name!r} chosen, from {rule_set.source}")],
    )
    return seq


def chosen_version(session: Session) -> str | None:
    """The version of the rule set an editor chose last (None: none was ever chosen)."""
    return session.scalar(
        select(LogEntryRow.rule_set_version)
        .where(LogEntryRow.action == CHOSEN)
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    )


def read_rules(path: Path) -> LoadedRuleSet:
    """The rule set in ``path`` with its warnings; ``LoadError`` lists every problem."""
    importlib.import_module("moderator.rules.kinds")  # registers the built-in rule kinds
    return read_rule_set(path)


@functools.cache
def default_rule_set() -> RuleSet:
    """The rule set shipped with the program (read once: it does not change while it runs)."""
    return read_rules(settings.DEFAULT_RULE_SET).rule_set


def pinned_version(session: Session) -> str:
    """The version the active rule set must have: the chosen one's, else the default's."""
    return chosen_version(session) or default_rule_set().version


def check_active(session: Session, rule_set: RuleSet) -> None:
    """Refuse (``RuleSetNotChosenError``) an active rule set whose content is not the one an
    editor chose (or, before any choice, the default)."""
    pinned = pinned_version(session)
    if rule_set.version == pinned:
        return
    chosen = chosen_version(session) is not None
    raise RuleSetNotChosenError(
        f"the active rule set {rule_set.name!r} ({rule_set.source}, version {rule_set.version})"
        + (
            f" is not the one an editor chose for this database (version {pinned}): its file"
            " was edited since, or the settings point at another file"
            if chosen
            else f" is not the default set (version {pinned}) and no editor has chosen it"
        )
        + "; it is not used until an editor chooses it (moderator rules use FILE, or Rules →"
        " Use Rule Set… in the window)"
    )


def allow_run(session: Session, rule_set: RuleSet, *, actor: Profile) -> int | None:
    """May ``actor`` run ``rule_set`` over comments (an import or a rule run can hide)? The
    chosen set (or the default, before any choice): anyone, nothing logged (None). Any other:
    an editor (``RoleError`` otherwise), logged under their name; the entry's number."""
    if rule_set.version == pinned_version(session):
        return None
    acting = Actor(actor.name, str(actor.role), rule_set.version)
    require_editor(acting, f"running the rule set {rule_set.name!r}, which is not the chosen one,")
    (seq,) = append(
        session,
        acting,
        [NewEntry(RUN, note=f"rule set {rule_set.name!r} run, from {rule_set.source}")],
    )
    return seq
