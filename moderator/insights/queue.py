"""Insights on the queue's health: how many comments were pending over time and how long the
oldest of them had waited; how long comments waited from their import to a person's first
decision (median and 90th percentile), per article.

Both are kept up with the log (a roll-up, like the hourly decision counts in
``stats_hours``): the queue's flow per hour in ``queue_flow`` (comments arriving with an
import, leaving the pending state, put back into it), the waits as counts per span of time in
``decision_wait``. The views read those and add what the log holds past them, so they are
exact (to the hour for the queue, to a few percent for the waits) even when the roll-up is
behind.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from moderator.domain import SYSTEM, Status
from moderator.insights.hours import (
    HOUR_FORMAT,
    ROLL_AT_MOST,
    add_up,
    hour_of,
    hour_text,
    mark_rolled,
    rolled_range,
    rolled_upto,
)
from moderator.insights.period import ALL_TIME, Bucket, Period
from moderator.queries.snapshots import article_titles
from moderator.services.importing import IMPORT_ACTION
from moderator.services.live import log_head
from moderator.store.batching import chunked
from moderator.store.models import (
    Base,
    Comment,
    DecisionWait,
    LogEntryRow,
    QueueFlow,
    QueueImport,
    QueueSpell,
)

ROLLUP_ID = 2
PENDING = str(Status.PENDING)
DECIDED = (str(Status.APPROVED), str(Status.HIDDEN))
# The waits are counted in spans growing by 2^(1/8) (9%) from one second: the median and
# 90th percentile read from them are within a few percent of the exact ones.
STEPS_PER_DOUBLING = 8

# (hour, article id, arrived at) -> change in pending comments
Flows = Counter[tuple[str, int, datetime]]
# (article id, span of time) -> decisions
Waits = Counter[tuple[int, int]]


def wait_bucket(seconds: float) -> int:
    """The span of time a wait of ``seconds`` is counted in: 0 under a second, then
    [2^((k-1)/8), 2^(k/8)) seconds for k = 1, 2, ..."""
    if seconds < 1:
        return 0
    return math.floor(math.log2(seconds) * STEPS_PER_DOUBLING) + 1


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """The seconds a span of time starts and ends at (``wait_bucket``'s inverse)."""
    if bucket <= 0:
        return 0.0, 1.0
    return 2 ** ((bucket - 1) / STEPS_PER_DOUBLING), 2 ** (bucket / STEPS_PER_DOUBLING)


def span_text(seconds: float) -> str:
    """A wait as people say it: "45 s", "12 min", "3 h 20 min", "2 d 4 h"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


# --- keeping up with the log -----------------------------------------------------------------


def roll_up(session: Session, *, at_most: int = ROLL_AT_MOST) -> int:
    """Add the queue's flow and the waits of the entries logged since the last roll-up, up to
    ``at_most`` entries; how many entries it went through (0: up to date)."""
    since, end = rolled_range(session, ROLLUP_ID, at_most)
    if end <= since:
        return 0
    flows, counts = _flows(session, since, end)
    add_up(
        session,
        QueueFlow,
        [
            {"hour": hour, "article_id": article, "arrived_at": arrived, "change": change}
            # An hour whose comments came and went still shows the queue was open then.
            for (hour, article, arrived), change in flows.items()
        ],
        keys=("hour", "article_id", "arrived_at"),
        total="change",
    )
    _carry_spells(session, flows, counts)
    add_up(
        session,
        DecisionWait,
        [
            {"article_id": article, "bucket": bucket, "count": count}
            for (article, bucket), count in _waits(session, since, end).items()
        ],
        keys=("article_id", "bucket"),
        total="count",
    )
    mark_rolled(session, ROLLUP_ID, end)
    return end - since


def _flows(
    session: Session, since: int, end: int, *, article_id: int | None = None
) -> tuple[Flows, dict[tuple[int, datetime], int]]:
    """How the entries (since, end] changed the queue, per hour, article and import; and the
    pending count, as of the roll-up, of each import they touch (none for a new one)."""
    in_range = [LogEntryRow.seq > since, LogEntryRow.seq <= end]
    if article_id is not None:
        in_range.append(LogEntryRow.article_id == article_id)
    flows: Flows = Counter()
    # An import's comments arrive with it: they carry its moment as theirs.
    arrivals = session.execute(
        select(LogEntryRow.created_at, LogEntryRow.article_id, func.count(Comment.id))
        .join(
            Comment,
            and_(
                Comment.article_id == LogEntryRow.article_id,
                Comment.imported_at == LogEntryRow.created_at,
            ),
        )
        .where(*in_range, LogEntryRow.action == IMPORT_ACTION)
        .group_by(LogEntryRow.seq, LogEntryRow.created_at, LogEntryRow.article_id)
    )
    for at, article, count in arrivals:
        if article is not None:
            flows[hour_text(at), article, at] += count
    leaves = and_(LogEntryRow.from_status == PENDING, LogEntryRow.to_status != PENDING)
    returns = and_(LogEntryRow.from_status != PENDING, LogEntryRow.to_status == PENDING)
    hour = hour_of(session).label("hour")
    moves = session.execute(
        select(
            hour,
            Comment.article_id,
            Comment.imported_at,
            func.sum(case((LogEntryRow.to_status == PENDING, 1), else_=-1)),
        )
        .join(Comment, Comment.id == LogEntryRow.comment_id)
        .where(*in_range, or_(leaves, returns))
        .group_by(hour, Comment.article_id, Comment.imported_at)
    ).all()
    # Only comments whose import the log holds: ones stored before the log began (carried
    # into it by migration 0005 without their imports) never arrived, so they cannot leave.
    arrived = {(article, at) for _, article, at in flows}
    counts = _pending_counts(session, {(a, at) for _, a, at, _ in moves} - arrived)
    for hour_key, article, imported_at, change in moves:
        if (article, imported_at) in arrived or (article, imported_at) in counts:
            flows[hour_key, article, imported_at] += int(change)
    return flows, counts


def _waits(session: Session, since: int, end: int) -> Waits:
    """The waits of the entries (since, end] that were a person's first decision on a
    pending comment (the rules' hides and a platform's states are not a wait)."""
    earlier = aliased(LogEntryRow)
    decided_before = exists().where(
        earlier.comment_id == LogEntryRow.comment_id,
        earlier.seq < LogEntryRow.seq,
        earlier.from_status == PENDING,
        earlier.to_status.in_(DECIDED),
        earlier.actor != SYSTEM,
    )
    rows = session.execute(
        select(Comment.article_id, LogEntryRow.created_at, Comment.imported_at)
        .join(Comment, Comment.id == LogEntryRow.comment_id)
        .where(
            LogEntryRow.seq > since,
            LogEntryRow.seq <= end,
            LogEntryRow.from_status == PENDING,
            LogEntryRow.to_status.in_(DECIDED),
            LogEntryRow.actor != SYSTEM,
            ~decided_before,
        )
    )
    waits: Waits = Counter()
    for article, decided_at, imported_at in rows:
        waits[article, wait_bucket((decided_at - imported_at).total_seconds())] += 1
    return waits


# --- the queue over time -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueAt:
    """The queue at the end of an hour or a day (``start`` is its start; ``at`` the moment
    measured: its end, or now for the current one): how many comments were pending, and
    since when the oldest of them had waited (None: none pending)."""

    start: datetime
    at: datetime
    pending: int
    oldest_since: datetime | None

    @property
    def oldest_wait(self) -> timedelta | None:
        return None if self.oldest_since is None else self.at - self.oldest_since


def queue_over_time(
    session: Session,
    period: Period = ALL_TIME,
    by: Bucket = Bucket.DAY,
    *,
    now: datetime | None = None,
) -> list[QueueAt]:
    """The queue at the end of each day (or hour) of the period (one article's, if it names
    one), from the first with any comment up to now. Counted to the hour: a moment inside an
    hour sees all of that hour's changes."""
    now = now or datetime.now(UTC)
    totals, spells = _queue_history(session, period.article_id)
    if not totals:
        return []
    step = timedelta(days=1) if by is Bucket.DAY else timedelta(hours=1)
    first = _parse_hour(min(totals))
    start = _bucket_start(max(first, period.since) if period.since else first, by)
    stop = min(now, period.until) if period.until else now
    hours = sorted((_parse_hour(hour), change) for hour, change in totals.items())
    opening = sorted(spells, key=lambda spell: (spell[0], spell[1]))
    # (arrived at, its place in ``opening``, until): one import may have several spells.
    open_now: list[tuple[datetime, int, datetime | None]] = []
    pending = taken = opened = 0
    found = []
    while start < stop:
        at = min(start + step, stop)
        # Every hour that began before the moment measured.
        while taken < len(hours) and hours[taken][0] < at:
            pending += hours[taken][1]
            taken += 1
        while opened < len(opening) and opening[opened][0] < at:
            _, arrived, until = opening[opened]
            heapq.heappush(open_now, (arrived, opened, until))
            opened += 1
        # A spell that ended before this moment has ended for every later one too.
        while open_now and (until := open_now[0][2]) is not None and until < at:
            heapq.heappop(open_now)
        oldest = open_now[0][0] if open_now else None
        # Comments older than the log's imports can make the sum dip below zero: none.
        found.append(QueueAt(start, at, max(pending, 0), oldest))
        start += step
    return found


# An import's spell with pending comments: (since the end of this hour, arrived at, until
# the end of the hour before this one, or None)
Spell = tuple[datetime, datetime, datetime | None]


def _queue_history(session: Session, article_id: int | None) -> tuple[Counter[str], list[Spell]]:
    """The queue's change per hour, and every import's spells with pending comments: as
    rolled up, with the log's entries past the roll-up."""
    total = select(QueueFlow.hour, func.sum(QueueFlow.change)).group_by(QueueFlow.hour)
    spells = select(
        QueueSpell.article_id, QueueSpell.arrived_at, QueueSpell.since_hour, QueueSpell.until_hour
    )
    if article_id is not None:
        total = total.where(QueueFlow.article_id == article_id)
        spells = spells.where(QueueSpell.article_id == article_id)
    totals: Counter[str] = Counter()
    for hour, change in session.execute(total):
        totals[hour] += int(change)
    found: dict[tuple[int, datetime], list[tuple[str, str | None]]] = defaultdict(list)
    for article, arrived, since, until in session.execute(spells):
        found[article, arrived].append((since, until))
    tail, counts = _flows(
        session, rolled_upto(session, ROLLUP_ID), log_head(session), article_id=article_id
    )
    if tail:
        for (hour, _, _), change in tail.items():
            totals[hour] += change
        for key, steps in _by_import(tail).items():
            found[key].sort()  # the open spell last
            _spell_steps(counts.get(key, 0), steps, found[key])
    return totals, [
        (_parse_hour(since), arrived, None if until is None else _parse_hour(until))
        for (_, arrived), runs in found.items()
        for since, until in runs
    ]


def _by_import(flows: Flows) -> dict[tuple[int, datetime], list[tuple[str, int]]]:
    """Each import's changes, hour by hour in order."""
    steps: dict[tuple[int, datetime], list[tuple[str, int]]] = defaultdict(list)
    for (hour, article, arrived), change in sorted(flows.items()):
        steps[article, arrived].append((hour, change))
    return steps


def _spell_steps(
    pending: int, steps: list[tuple[str, int]], runs: list[tuple[str, str | None]]
) -> int:
    """Walk one import's hourly changes from ``pending`` comments, opening a spell where
    the import comes to have pending comments and ending the open one where it has none
    left (in ``runs``, its spells, the open one last); the count at the end."""
    for hour, change in steps:
        after = pending + change
        if pending <= 0 < after and runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], None)  # ended in this very hour: the same spell goes on
        elif pending <= 0 < after:
            runs.append((hour, None))
        elif after <= 0 < pending and runs and runs[-1][1] is None:
            runs[-1] = (runs[-1][0], hour)
        pending = after
    return pending


def _pending_counts(
    session: Session, keys: set[tuple[int, datetime]]
) -> dict[tuple[int, datetime], int]:
    """The pending count of these imports as of the roll-up (the ones it has seen)."""
    found: dict[tuple[int, datetime], int] = {}
    for articles in chunked(sorted({article for article, _ in keys})):
        rows = session.execute(
            select(QueueImport.article_id, QueueImport.arrived_at, QueueImport.pending).where(
                QueueImport.article_id.in_(articles)
            )
        )
        found.update(((article, arrived), pending) for article, arrived, pending in rows)
    return found


def _carry_spells(session: Session, flows: Flows, counts: dict[tuple[int, datetime], int]) -> None:
    """Bring each import's pending count (``counts``, as the roll-up left them) and spells up
    to ``flows`` (a roll-up's step)."""
    steps = _by_import(flows)
    if not steps:
        return
    opened: list[dict[str, object]] = []
    ended: list[dict[str, object]] = []
    for (article, arrived), changes in steps.items():
        runs: list[tuple[str, str | None]] = [("", None)]  # the open spell, if there is one
        before = counts.get((article, arrived), 0)
        _spell_steps(before, changes, runs)
        still_open = before > 0
        for since, until in runs:
            key = {"article_id": article, "arrived_at": arrived}
            if since == "":  # the spell open before this step
                if still_open and until is not None:
                    ended.append({"b_article": article, "b_arrived": arrived, "ending": until})
                continue
            opened.append({**key, "since_hour": since, "until_hour": until})
    add_up(
        session,
        QueueImport,
        [
            {"article_id": article, "arrived_at": arrived, "pending": sum(c for _, c in changes)}
            for (article, arrived), changes in steps.items()
        ],
        keys=("article_id", "arrived_at"),
        total="pending",
    )
    # Ends first: the spells opened below are open too, and not the ones that ended.
    if ended:
        table = Base.metadata.tables[QueueSpell.__tablename__]
        session.execute(
            update(table)
            .where(
                table.c.article_id == bindparam("b_article"),
                table.c.arrived_at == bindparam("b_arrived", type_=QueueSpell.arrived_at.type),
                table.c.until_hour.is_(None),
            )
            .values(until_hour=bindparam("ending")),
            ended,
        )
    if opened:
        # A spell that ended in the hour it began (a roll-up between its comments' arrival
        # and their decision) opens again from that hour: it is the same spell.
        table = Base.metadata.tables[QueueSpell.__tablename__]
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(table)
        session.execute(
            upsert.on_conflict_do_update(
                index_elements=[table.c.article_id, table.c.arrived_at, table.c.since_hour],
                set_={"until_hour": upsert.excluded.until_hour},
            ),
            opened,
        )


def _parse_hour(hour: str) -> datetime:
    return datetime.strptime(hour, HOUR_FORMAT).replace(tzinfo=UTC)


def _bucket_start(moment: datetime, by: Bucket) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if by is Bucket.DAY else moment


# --- waits for a decision ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaitStats:
    """How long an article's comments (or every article's: ``article_id`` None) waited from
    their import to a person's first decision."""

    article_id: int | None
    title: str
    decided: int
    median: timedelta
    p90: timedelta


def decision_waits(session: Session) -> list[WaitStats]:
    """Each article with a comment a person decided, the slowest (90th percentile) first."""
    by_article: dict[int, Counter[int]] = defaultdict(Counter)
    for (article, bucket), count in _all_waits(session).items():
        by_article[article][bucket] += count
    titles = dict(article_titles(session))
    found = [
        _wait_stats(article, titles.get(article, f"article {article}"), counts)
        for article, counts in by_article.items()
    ]
    found.sort(key=lambda s: (-s.p90, -s.median, s.article_id or 0))
    return found


def desk_waits(session: Session) -> WaitStats | None:
    """Every article's waits together (None before any decision)."""
    counts: Counter[int] = Counter()
    for (_, bucket), count in _all_waits(session).items():
        counts[bucket] += count
    return _wait_stats(None, "All articles", counts) if counts else None


def _all_waits(session: Session) -> Waits:
    waits: Waits = Counter()
    rows = session.execute(select(DecisionWait.article_id, DecisionWait.bucket, DecisionWait.count))
    for article, bucket, count in rows:
        waits[article, bucket] += count
    waits.update(_waits(session, rolled_upto(session, ROLLUP_ID), log_head(session)))
    return waits


def _wait_stats(article_id: int | None, title: str, counts: Mapping[int, int]) -> WaitStats:
    return WaitStats(
        article_id,
        title,
        sum(counts.values()),
        timedelta(seconds=percentile(counts, 0.5)),
        timedelta(seconds=percentile(counts, 0.9)),
    )


def percentile(counts: Mapping[int, int], share: float) -> float:
    """The wait (seconds) that ``share`` of the counted waits did not exceed, read from their
    spans of time as if each span's waits were spread evenly across it."""
    total = sum(counts.values())
    if not total:
        return 0.0
    wanted = share * total
    below = 0
    for bucket, count in _in_order(counts):
        if below + count >= wanted:
            low, high = bucket_bounds(bucket)
            return low + (high - low) * (wanted - below) / count
        below += count
    return bucket_bounds(max(counts))[1]


def _in_order(counts: Mapping[int, int]) -> Iterable[tuple[int, int]]:
    return ((bucket, counts[bucket]) for bucket in sorted(counts) if counts[bucket] > 0)
