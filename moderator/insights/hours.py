"""People's decisions counted per hour, moderator and action (``decision_hour``), kept up
with the log: what charts over months read instead of a million log entries.

:func:`roll_up` counts the entries logged since it last ran (a write; the command line and
the window run it before showing insights). :func:`hourly_counts` reads the counts and adds
what the log holds past them, so a view is exact even when the roll-up is behind.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Label, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from moderator.services.live import log_head
from moderator.store.models import Base, DecisionHour, LogEntryRow, StatsRollup

ROLLUP_ID = 1
# Entries counted per unit of work: the first roll-up of a large log is done in steps.
ROLL_AT_MOST = 250_000
HOUR_FORMAT = "%Y-%m-%d %H"

# (day, hour or actor; action) -> decisions
Counts = Counter[tuple[str, str]]


def hour_of(session: Session) -> ColumnElement[Any]:
    """An entry's hour (UTC) as "YYYY-MM-DD HH", in the database's own terms."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", LogEntryRow.created_at), "YYYY-MM-DD HH24")
    # SQLite keeps UTC times as text, "YYYY-MM-DD HH:MM:SS.ffffff".
    return func.substr(LogEntryRow.created_at, 1, 13)


def hour_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(HOUR_FORMAT)


def on_the_hour(moment: datetime | None) -> bool:
    return moment is None or (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)


def rolled_upto(session: Session, rollup_id: int = ROLLUP_ID) -> int:
    """How far a roll-up has counted the log (1: the decisions' hourly counts)."""
    return session.scalar(select(StatsRollup.rolled_upto).where(StatsRollup.id == rollup_id)) or 0


def roll_up(
    session: Session, people: list[ColumnElement[bool]], *, at_most: int = ROLL_AT_MOST
) -> int:
    """Count the decisions (entries meeting ``people``) logged since the last roll-up, up to
    ``at_most`` entries; how many entries it went through (0: up to date)."""
    since, end = rolled_range(session, ROLLUP_ID, at_most)
    if end <= since:
        return 0
    hour = hour_of(session).label("hour")
    rows = session.execute(
        select(hour, LogEntryRow.actor, LogEntryRow.action, func.count())
        .where(LogEntryRow.seq > since, LogEntryRow.seq <= end, *people)
        .group_by(hour, LogEntryRow.actor, LogEntryRow.action)
    ).all()
    add_up(
        session,
        DecisionHour,
        [{"hour": h, "actor": a, "action": k, "count": n} for h, a, k, n in rows],
        keys=("hour", "actor", "action"),
        total="count",
    )
    mark_rolled(session, ROLLUP_ID, end)
    return end - since


def rolled_range(session: Session, rollup_id: int, at_most: int) -> tuple[int, int]:
    """The log entries a roll-up counts next: (after this one, up to that one). One desk at
    a time: the roll-up's row is made if there is none yet (two desks' first roll-ups would
    otherwise both start from nothing), then locked."""
    table = Base.metadata.tables[StatsRollup.__tablename__]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(table)
        .values(id=rollup_id, rolled_upto=0)
        .on_conflict_do_nothing(index_elements=[table.c.id])
    )
    since = (
        session.scalar(
            select(StatsRollup.rolled_upto).where(StatsRollup.id == rollup_id).with_for_update()
        )
        or 0
    )
    return since, min(log_head(session), since + at_most)


def mark_rolled(session: Session, rollup_id: int, end: int) -> None:
    state = session.get(StatsRollup, rollup_id)
    if state is None:
        session.add(StatsRollup(id=rollup_id, rolled_upto=end))
    else:
        state.rolled_upto = end
    session.flush()


def add_up(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    *,
    keys: tuple[str, ...],
    total: str,
) -> None:
    """Insert ``rows`` into ``model``'s table, adding ``total`` to the row already there for
    the same ``keys``."""
    if not rows:
        return
    table = Base.metadata.tables[model.__tablename__]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(table)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={total: table.c[total] + upsert.excluded[total]},
        ),
        rows,
    )


class Key(StrEnum):
    """What the counts are summed by, beside the action."""

    DAY = "day"
    HOUR = "hour"
    ACTOR = "actor"


def counts_by(
    session: Session,
    people: list[ColumnElement[bool]],
    key: Key,
    *,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    people_by_time: list[ColumnElement[bool]],
) -> Counts:
    """Decisions in [since, until) by ``key`` and action: for the whole hours, the counts
    rolled up (summed in the database) and the log's entries past the roll-up; for the parts
    of an hour at either end, the log's entries (``people_by_time``: ``people`` written so
    that the database reads them by time, not by action)."""
    upto = rolled_upto(session)
    first = since if on_the_hour(since) else _next_hour(since)
    last = until if on_the_hour(until) else _this_hour(until)
    counted: Counts = Counter()
    edges: list[tuple[datetime | None, datetime | None]] = []
    if first is None or last is None or first < last:
        # The whole hours: rolled up, and what was logged since the roll-up.
        _add_rolled(session, counted, key, since=first, until=last, actor=actor)
        _add_since_roll_up(
            session, counted, key, people, upto, since=first, until=last, actor=actor
        )
        if since != first:
            edges.append((since, first))
        if until != last:
            edges.append((last, until))
    else:  # both ends in one hour
        edges.append((since, until))
    # The parts of an hour at either end: from the log (its time index), rolled up or not.
    for start, end in edges:
        _add_logged(session, counted, key, people_by_time, since=start, until=end, actor=actor)
    return counted


def _next_hour(moment: datetime | None) -> datetime | None:
    hour = _this_hour(moment)
    return None if hour is None else hour + timedelta(hours=1)


def _this_hour(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _add_rolled(
    session: Session,
    counted: Counts,
    key: Key,
    *,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
) -> None:
    rolled: Label[Any] = {
        Key.DAY: func.substr(DecisionHour.hour, 1, 10),
        Key.HOUR: DecisionHour.hour,
        Key.ACTOR: DecisionHour.actor,
    }[key].label("key")
    query = select(rolled, DecisionHour.action, func.sum(DecisionHour.count))
    if since is not None:
        query = query.where(DecisionHour.hour >= hour_text(since))
    if until is not None:
        query = query.where(DecisionHour.hour < hour_text(until))
    if actor is not None:
        query = query.where(DecisionHour.actor == actor)
    for value, action, count in session.execute(query.group_by(rolled, DecisionHour.action)):
        counted[value, action] += int(count)


def _add_since_roll_up(
    session: Session,
    counted: Counts,
    key: Key,
    people: list[ColumnElement[bool]],
    upto: int,
    *,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
) -> None:
    """The decisions logged after the roll-up, read by number (a few, as a roll-up runs
    before each view) and sorted into hours here: a time condition in the query would lead
    the database to walk its time index instead."""
    query = select(LogEntryRow.created_at, LogEntryRow.actor, LogEntryRow.action).where(
        LogEntryRow.seq > upto, *people
    )
    if actor is not None:
        query = query.where(LogEntryRow.actor == actor)
    for created_at, who, action in session.execute(query):
        if (since is not None and created_at < since) or (
            until is not None and created_at >= until
        ):
            continue
        hour = hour_text(created_at)
        value = {Key.DAY: hour[:10], Key.HOUR: hour, Key.ACTOR: who}[key]
        counted[value, action] += 1


def _add_logged(
    session: Session,
    counted: Counts,
    key: Key,
    conditions: list[ColumnElement[bool]],
    *,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
) -> None:
    hour = hour_of(session)
    logged: Label[Any] = {
        Key.DAY: func.substr(hour, 1, 10),
        Key.HOUR: hour,
        Key.ACTOR: LogEntryRow.actor,
    }[key].label("key")
    query = select(logged, LogEntryRow.action, func.count()).where(*conditions)
    if since is not None:
        query = query.where(LogEntryRow.created_at >= since)
    if until is not None:
        query = query.where(LogEntryRow.created_at < until)
    if actor is not None:
        query = query.where(LogEntryRow.actor == actor)
    for value, action, count in session.execute(query.group_by(logged, LogEntryRow.action)):
        counted[value, action] += count
