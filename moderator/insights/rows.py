"""The insights as rows of plain values (dicts, keys in column order): what ``moderator stats
--json`` prints, what its tables show and what the window's "Export Data" writes as CSV.
Times are ISO 8601 (UTC), waits whole seconds, shares fractions of one."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from moderator.formats.inert import neutralised
from moderator.insights.period import PERSON_ACTIONS
from moderator.insights.queue import QueueAt, WaitStats
from moderator.insights.stats import ArticleStats, DecisionsAt, ModeratorStats, RuleStats
from moderator.output.files import written

Row = dict[str, Any]


def decision_rows(found: Sequence[DecisionsAt]) -> list[Row]:
    return [
        {"start": at.start.isoformat(), **in_order(at.by_action), "total": at.total} for at in found
    ]


def queue_rows(found: Sequence[QueueAt]) -> list[Row]:
    return [
        {
            "start": at.start.isoformat(),
            "pending": at.pending,
            "oldest_since": None if at.oldest_since is None else at.oldest_since.isoformat(),
            "oldest_wait": seconds(at.oldest_wait),
        }
        for at in found
    ]


def wait_rows(found: Sequence[WaitStats]) -> list[Row]:
    return [
        {
            "article": w.article_id,
            "decided": w.decided,
            "median_wait": seconds(w.median),
            "p90_wait": seconds(w.p90),
            "title": w.title,
        }
        for w in found
    ]


def moderator_rows(found: Sequence[ModeratorStats]) -> list[Row]:
    return [
        {
            "actor": m.actor,
            "decisions": m.decisions,
            **in_order(m.by_action),
            "overturned": m.overturned,
        }
        for m in found
    ]


def rule_rows(found: Sequence[RuleStats]) -> list[Row]:
    return [
        {
            "rule": r.rule_id,
            "hits": r.hits,
            "hidden_by_people": r.hidden_by_people,
            "approved_by_people": r.approved_by_people,
            "hidden_by_rules": r.hidden_by_rules,
            "pending": r.pending,
            "precision": None if r.precision is None else round(r.precision, 3),
            "overturned_hides": r.overturned_hides,
            "example": r.example_comment_id,
        }
        for r in found
    ]


def article_rows(found: Sequence[ArticleStats]) -> list[Row]:
    return [
        {
            "article": a.article_id,
            "comments": a.comments,
            "flagged": a.flagged,
            "hidden": a.hidden,
            "hidden_share": round(a.hidden_share, 3),
            "title": a.title,
        }
        for a in found
    ]


def in_order(by_action: dict[str, int]) -> dict[str, int]:
    """Actions in the order the domain lists them, so a table's columns are always alike."""
    return {action: by_action[action] for action in PERSON_ACTIONS if action in by_action}


def seconds(span: timedelta | None) -> int | None:
    return None if span is None else round(span.total_seconds())


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return neutralised(value) if isinstance(value, str) else value


def headers(rows: Sequence[Row]) -> list[str]:
    """Every key of the rows, in the order they first appear."""
    return list(dict.fromkeys(key for row in rows for key in row))


def write_csv(path: Path, rows: Sequence[Row]) -> None:
    """The rows as CSV (a header, then one line per row; a missing value is empty), written
    whole or not at all, never onto the open database or a device
    (:mod:`moderator.output.files`). Text is quoted, and text a spreadsheet would run as a
    formula (a title or a name starting with "=", or holding ";=") is marked as text."""
    names = headers(rows)
    with written(path) as out:
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_value(row.get(name)) for name in names])
