"""Everything the insights window shows, read at once: the counts brought up to the log (a
write, its own unit of work), then every view for the chosen period (one read)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from moderator.domain import SYSTEM
from moderator.insights.period import Bucket, Period
from moderator.insights.queue import (
    QueueAt,
    WaitStats,
    decision_waits,
    desk_waits,
    queue_over_time,
)
from moderator.insights.stats import (
    ArticleStats,
    DecisionsAt,
    ModeratorStats,
    RuleStats,
    article_stats,
    decisions_over_time,
    moderator_stats,
    roll_up_all,
    rule_stats,
)
from moderator.log.queries import distinct_values
from moderator.queries.snapshots import article_titles
from moderator.store.database import Database


@dataclass(frozen=True, slots=True)
class Insights:
    """The views for one period (and moderator, and article), as plain values."""

    period: Period
    by: Bucket
    decisions: list[DecisionsAt]
    queue: list[QueueAt]
    waits: list[WaitStats]
    desk_wait: WaitStats | None
    moderators: list[ModeratorStats]
    rules: list[RuleStats]
    articles: list[ArticleStats]
    # What the filters offer: the people who decided anything, every article.
    actors: list[str]
    titles: list[tuple[int, str]]
    read_at: datetime


def read_insights(
    database: Database,
    period: Period,
    by: Bucket,
    *,
    now: datetime,
    stop_requested: Callable[[], bool] = lambda: False,
) -> Insights | None:
    """Roll the counts up, then read every view (None: stopped while rolling up). The queue
    follows the period's article (not its moderator: the queue is everyone's); the waits,
    the rules' and the articles' views are of all time."""
    roll_up_all(database, stop_requested)
    if stop_requested():
        return None
    with database.session() as session:
        return Insights(
            period=period,
            by=by,
            decisions=decisions_over_time(session, period, by),
            queue=queue_over_time(
                session, Period(period.since, period.until, None, period.article_id), by, now=now
            ),
            waits=decision_waits(session),
            desk_wait=desk_waits(session),
            moderators=moderator_stats(session, period),
            rules=rule_stats(session),
            articles=article_stats(session),
            actors=[name for name in distinct_values(session, "actor") if name != SYSTEM],
            titles=article_titles(session),
            read_at=now,
        )
