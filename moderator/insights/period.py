"""What an insight counts: people's decisions, in a time range, by one moderator, on one
article; and by day or by hour."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import ColumnElement, literal

from moderator.domain import SYSTEM, ActionKind
from moderator.store.models import LogEntryRow

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


@dataclass(frozen=True, slots=True)
class Recent:
    """The last ``count`` calendar days (or months) up to now, today included; days are UTC
    days, as the charts' steps are."""

    count: int
    unit: Literal["days", "months"] = "days"

    def since(self, now: datetime) -> datetime:
        """The first moment counted: midnight (UTC) of the range's first day."""
        today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if self.unit == "days":
            return today - timedelta(days=self.count - 1)
        # The day after the same date ``count`` months back (the month's last day when it is
        # shorter): 12 months to 10 May 2025 are 11 May 2024 to 10 May 2025.
        months = today.year * 12 + today.month - 1 - self.count
        year, month = divmod(months, 12)
        day = min(today.day, calendar.monthrange(year, month + 1)[1])
        return today.replace(year=year, month=month + 1, day=day) + timedelta(days=1)

    def period(self, now: datetime, *, actor: str | None, article_id: int | None) -> Period:
        return Period(since=self.since(now), actor=actor, article_id=article_id)


def span(period: Period, now: datetime, by: Bucket) -> tuple[datetime, datetime] | None:
    """The stretch of time a chart of the period covers, whole steps, whether or not anything
    happened in them: from its start to the end of the step ``now`` is in (or to its end).
    None for a period without a start (a chart then spans what it has)."""
    if period.since is None:
        return None
    if period.until is not None:
        return period.since, period.until
    step = timedelta(days=1) if by is Bucket.DAY else timedelta(hours=1)
    moment = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if by is Bucket.DAY:
        moment = moment.replace(hour=0)
    return period.since, moment + step


def people(*, by_time: bool = False) -> list[ColumnElement[bool]]:
    """People's decisions. ``by_time``: written so that the database reads them from its time
    index (with the action's index open to it, it may walk every decision of the log to
    find an hour's; "action || ''" closes that index to it)."""
    action = (LogEntryRow.action + literal("")) if by_time else LogEntryRow.action
    return [LogEntryRow.actor != SYSTEM, action.in_(PERSON_ACTIONS)]


# Every decision ever made: the views' default period.
ALL_TIME = Period()
