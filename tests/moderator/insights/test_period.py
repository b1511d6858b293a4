"""The insights' periods: "last N days" is N whole calendar days up to today, "last 12 months"
a year to today, and a chart of a period spans all of its steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from moderator.insights.period import Bucket, Period, Recent, span

# An afternoon, so that a range counted from "now" rather than from midnight shows.
NOW = datetime(2025, 3, 10, 15, 42, tzinfo=UTC)


@pytest.mark.parametrize("days", [1, 7, 30, 90])
def test_the_last_n_days_are_n_calendar_days_ending_today(days: int) -> None:
    since = Recent(days).since(NOW)
    assert since.time() == datetime.min.time()
    assert since.tzinfo == UTC
    counted = {(since + timedelta(days=offset)).date() for offset in range((NOW - since).days + 1)}
    assert len(counted) == days
    assert max(counted) == NOW.date()


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (date(2025, 5, 10), date(2024, 5, 11)),
        (date(2025, 1, 1), date(2024, 1, 2)),
        (date(2024, 12, 31), date(2024, 1, 1)),
        # A year back from 29 February has no 29 February: it starts the day after the 28th.
        (date(2024, 2, 29), date(2023, 3, 1)),
        (date(2025, 2, 28), date(2024, 2, 29)),
    ],
)
def test_the_last_12_months_are_a_year_ending_today(today: date, first: date) -> None:
    now = datetime(today.year, today.month, today.day, 23, 59, tzinfo=UTC)
    assert Recent(12, "months").since(now) == datetime(
        first.year, first.month, first.day, tzinfo=UTC
    )


def test_days_are_utc_days_whatever_the_clock_says() -> None:
    # 00:30 on 11 March in Berlin is still 10 March in UTC, the charts' days.
    late = datetime(2025, 3, 11, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert Recent(1).since(late) == datetime(2025, 3, 10, tzinfo=UTC)


def test_a_chart_spans_the_whole_period_to_the_end_of_its_step() -> None:
    since = Recent(30).since(NOW)
    period = Recent(30).period(NOW, actor="ann", article_id=None)
    assert period == Period(since=since, actor="ann")
    end = datetime(2025, 3, 11, tzinfo=UTC)
    assert span(period, NOW, Bucket.DAY) == (since, end)
    assert (end - since).days == 30
    assert span(period, NOW, Bucket.HOUR) == (since, datetime(2025, 3, 10, 16, tzinfo=UTC))
    until = NOW - timedelta(days=2)
    assert span(Period(since=since, until=until), NOW, Bucket.DAY) == (since, until)
    # All time: the chart spans what it has.
    assert span(Period(), NOW, Bucket.DAY) is None
