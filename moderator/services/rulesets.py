"""Choosing the rule set new comments are checked with: an editor's decision, logged."""

from __future__ import annotations

from sqlalchemy.orm import Session

from moderator.models import Profile
from moderator.rules.model import RuleSet
from moderator.services.history import Actor, NewEntry, append
from moderator.services.roles import require_editor

CHOSEN = "rules-chosen"


def choose_rule_set(session: Session, rule_set: RuleSet, *, actor: Profile) -> int:
    """Record that ``actor`` (an editor: ``RoleError`` otherwise) chose ``rule_set``; the
    entry's number. The choice itself is a setting of this desk, written by the caller once
    this unit of work is committed."""
    acting = Actor(actor.name, str(actor.role), rule_set.version)
    require_editor(acting, "changing the rule set")
    (seq,) = append(
        session,
        acting,
        [NewEntry(CHOSEN, note=f"rule set {rule_set.name!r} chosen, from {rule_set.source}")],
    )
    return seq
