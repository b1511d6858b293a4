"""``moderator stats decisions|queue|waits|moderators|rules|articles``: insights as tables or
JSON.

Kept apart from ``moderator.cli``; ``cli`` adds them with :func:`add_stats_commands`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from moderator.cli.arguments import count, day_or_time, row_id, utf8_text
from moderator.formats.inert import json_text
from moderator.output.terminal import print_table
from moderator.store.database import Database

if TYPE_CHECKING:
    from moderator.insights.stats import Period


def add_stats_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = commands.add_parser(
        "stats",
        help="how the desk and its rules are doing: decisions, queue, waits, moderators, rules,"
        " articles",
    )
    sub = stats.add_subparsers(dest="stats_command", metavar="VIEW", required=True)
    decisions = sub.add_parser("decisions", help="people's decisions per day or hour, by action")
    decisions.add_argument("--by", choices=["day", "hour"], default="day")
    moderators = sub.add_parser(
        "moderators", help="each person's decisions, and how many an editor turned around"
    )
    for view in (decisions, moderators):
        view.add_argument("--since", type=day_or_time, metavar="DATE", help="from this day/time")
        view.add_argument("--until", type=day_or_time, metavar="DATE", help="up to this day/time")
        view.add_argument("--article", type=row_id, metavar="ID", help="only this article's")
    decisions.add_argument(
        "--actor", type=utf8_text, metavar="NAME", help="only this person's decisions"
    )
    queue = sub.add_parser(
        "queue", help="pending comments and the oldest one's wait at the end of each day or hour"
    )
    queue.add_argument("--by", choices=["day", "hour"], default="day")
    queue.add_argument("--since", type=day_or_time, metavar="DATE", help="from this day/time")
    queue.add_argument("--until", type=day_or_time, metavar="DATE", help="up to this day/time")
    queue.add_argument("--article", type=row_id, metavar="ID", help="only this article's comments")
    sub.add_parser(
        "waits",
        help="how long comments waited from import to a person's first decision, per article",
    )
    sub.add_parser(
        "rules",
        help="each rule's hits: how people decided them (precision), how many the rules hid"
        " themselves, noisiest first",
    )
    articles = sub.add_parser("articles", help="each article's hidden share, the worst first")
    articles.add_argument(
        "--at-least", type=count, default=1, metavar="N", help="articles with N comments or more"
    )
    for view in sub.choices.values():
        view.add_argument("--json", action="store_true", help="print one JSON document")
        view.set_defaults(handler=run_stats)


def run_stats(database: Database, args: argparse.Namespace) -> int:
    from moderator.insights import queue as stats_queue  # noqa: PLC0415
    from moderator.insights import rows as rows_of  # noqa: PLC0415
    from moderator.insights import stats  # noqa: PLC0415

    if args.stats_command in {"decisions", "moderators", "queue", "waits"}:
        # Count what was logged since the last time first (quick after the first time).
        stats.roll_up_all(database)
    with database.session() as session:
        match args.stats_command:
            case "decisions":
                period = _period(args)
                rows = rows_of.decision_rows(
                    stats.decisions_over_time(session, period, stats.Bucket(args.by))
                )
            case "moderators":
                rows = rows_of.moderator_rows(stats.moderator_stats(session, _period(args)))
            case "queue":
                rows = rows_of.queue_rows(
                    stats_queue.queue_over_time(session, _period(args), stats.Bucket(args.by))
                )
            case "waits":
                desk = stats_queue.desk_waits(session)
                rows = rows_of.wait_rows(
                    ([desk] if desk else []) + stats_queue.decision_waits(session)
                )
            case "rules":
                rows = rows_of.rule_rows(stats.rule_stats(session))
            case _:
                rows = rows_of.article_rows(stats.article_stats(session, at_least=args.at_least))
    if args.json:
        print(json_text({args.stats_command: rows}, indent=2))
        return 0
    if not rows:
        print("nothing to count yet")
        return 0
    headers = rows_of.headers(rows)
    print_table(
        sys.stdout, headers, [[_cell(key, row.get(key)) for key in headers] for row in rows]
    )
    return 0


def _cell(key: str, value: object) -> object:
    if value is None:
        return "-"
    if key.endswith("_wait") and isinstance(value, int):
        from moderator.insights.queue import span_text  # noqa: PLC0415

        return span_text(value)
    if isinstance(value, float):
        return f"{value:.0%}"
    return value


def _period(args: argparse.Namespace) -> Period:
    from moderator.insights.stats import Period  # noqa: PLC0415

    return Period(
        since=None if args.since is None else args.since.start,
        until=None if args.until is None else args.until.end,
        actor=getattr(args, "actor", None),
        article_id=args.article,
    )
