"""What an insight counts: people's decisions, in a time range, by one moderator, on one
article; and by day or by hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, literal

from moderator.domain import ActionKind
from moderator.formats.modlog import SYSTEM
from moderator.models import LogEntryRow

# What a person decides on a comment; the stacks of the decisions chart.
PERSON_ACTIONS: tuple[str, ...] = tuple(str(kind) for kind in ActionKind)


class Bucket(StrEnum):
    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True, slots=True)
class Period:
    """Which decisions a view counts: a time range (UTC, ``until`` excluded), one moderator,
    one article; None means any."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    article_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """People's decisions in the period (by this moderator, on this article)."""
        return people() + self.bounds(LogEntryRow, by_actor=True)

    def bounds(self, entry: Any, *, by_actor: bool) -> list[ColumnElement[bool]]:
        """The period's time range and article (and moderator) on ``entry``: the log's
        entries, or an alias of them."""
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(entry.created_at >= self.since)
        if self.until is not None:
            found.append(entry.created_at < self.until)
        if by_actor and self.actor is not None:
            found.append(entry.actor == self.actor)
        if self.article_id is not None:
            found.append(entry.article_id == self.article_id)
        return found


def people(*, by_time: bool = False) -> list[ColumnElement[bool]]:
    """People's decisions. ``by_time``: written so that the database reads them from its time
    index (with the action's index open to it, it may walk every decision of the log to
    find an hour's; "action || ''" closes that index to it)."""
    action = (LogEntryRow.action + literal("")) if by_time else LogEntryRow.action
    return [LogEntryRow.actor != SYSTEM, action.in_(PERSON_ACTIONS)]


# Every decision ever made: the views' default period.
ALL_TIME = Period()
