"""The ``moderator`` command: a thin layer over the services and queries.

Exit status: 0 on success, 1 on bad input (a message on stderr), 2 on a usage error, 141 when
what reads its output goes away first (``moderator queue | head``), as for a command that
SIGPIPE ended.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast

from sqlalchemy.exc import SQLAlchemyError

from moderator import __version__, settings
from moderator.cli.arguments import LARGEST, count, row_id, seen_version, utf8_text
from moderator.cli.choosing import OnlyNamed, named_command
from moderator.cli.opening import open_database_for
from moderator.cli.rules import (
    Standalone,
    add_rules_commands,
    add_rules_option,
    authorize_rules,
    load_for_database_command,
)
from moderator.domain import ReasonCode, Status
from moderator.domain.errors import NotFoundError, ServiceError
from moderator.formats.errors import FormatError
from moderator.formats.inert import json_text
from moderator.output.display import inert
from moderator.output.terminal import ProgressBar, inert_output, print_table
from moderator.store.database import ENV_DATABASE, Database, DatabaseError
from moderator.store.refusals import explain_refusal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from moderator.formats.modlog import LogEntry
    from moderator.imports.importer import ImportReport

# The desktop window lives in `ui`, which the core may not import; the launcher hands it in.
GuiRunner = Callable[[str | None], int]
EXCERPT = 60
# 128 + SIGPIPE (13), as a shell reports a command that the signal ended.
SIGPIPE_STATUS = 141
# The commands that make a database where there is none (they fill it or set it up; so does
# `rules use`); the others refuse, creating nothing: a mistyped --db must not leave an empty
# database behind that then "verifies", and a decision needs comments to decide on.
CREATING = frozenset({"import", "init", "profile", "team"})
# The commands each module adds (a test holds these to the parser): a run loads only the module
# that adds the command it names.
MAIN_COMMANDS = frozenset(
    {"gui", "init", "import", "articles", "queue", "show", "approve", "hide", "restore", "escalate"}
)
RULES_COMMANDS = frozenset({"rules"})
LOG_COMMANDS = frozenset({"log", "decisions"})
REVIEW_COMMANDS = frozenset(
    {"threads", "thread", "resolve", "lock", "unlock", "profile", "team", "note"}
)
RANK_COMMANDS = frozenset({"rank"})
STATS_COMMANDS = frozenset({"stats"})
_Row = TypeVar("_Row")
KNOWN_COMMANDS = (
    MAIN_COMMANDS | RULES_COMMANDS | LOG_COMMANDS | REVIEW_COMMANDS | RANK_COMMANDS | STATS_COMMANDS
)


def main(argv: Sequence[str] | None = None, *, gui: GuiRunner | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(named_command(arguments, KNOWN_COMMANDS))
    args = parser.parse_args(arguments)
    command = args.command or "gui"
    try:
        if command == "gui":
            if gui is None:
                print("moderator: the desktop window is not available here", file=sys.stderr)
                return 1
            return gui(args.db)
        # Everything a command prints, messages included, may quote untrusted text.
        with inert_output():
            code = _run_command(args)
            # Flushed here, not as Python exits, so that a reader gone meanwhile is handled.
            sys.stdout.flush()
            return code
    except BrokenPipeError:
        return _reader_gone()
    except (DatabaseError, FormatError, ServiceError, SQLAlchemyError, OSError) as error:
        print(f"moderator: {inert(_explain(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\nmoderator: interrupted; the unit of work under way was rolled back", file=sys.stderr
        )
        return 130


def _reader_gone() -> int:
    """Standard output's reader went away (`| head` has read its fill): the rest is not wanted,
    so the command ends quietly, with the status a shell gives a command SIGPIPE ended."""
    # What is still buffered for the closed pipe would otherwise fail again, loudly, at exit.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return SIGPIPE_STATUS


def _run_command(args: argparse.Namespace) -> int:
    # Commands that only read files (`rules check`, `rules test`) never open a database.
    standalone: Standalone | None = getattr(args, "standalone", None)
    if standalone is not None:
        return standalone(args)
    handler: Callable[[Database, argparse.Namespace], int] = args.handler
    database = open_database_for(args.db, create=args.command in CREATING)
    try:
        return handler(database, args)
    except SQLAlchemyError as error:
        # Explained here, where the file is known: its disk or a size limit may be the cause.
        raise DatabaseError(explain_refusal(error, database=database.kept)) from error
    finally:
        database.close()


def _explain(error: Exception) -> str:
    if isinstance(error, SQLAlchemyError):
        # "database is locked", a full disk, a lost server: the unit of work was rolled back.
        return explain_refusal(error)
    return str(error)


def build_parser(named: str | None = None) -> argparse.ArgumentParser:
    """The ``moderator`` parser: every command, or (``named``) only that one's options."""
    parser = argparse.ArgumentParser(
        prog="moderator",
        description="Moderate news comments: import scraped articles, review their queues, "
        "approve or hide comments. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"moderator {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help=f"the database: a SQLite file or a SQLAlchemy URL (default: ${ENV_DATABASE}, "
        "else moderator.sqlite3 in your user data folder)",
    )
    commands = cast(
        OnlyNamed, parser.add_subparsers(dest="command", metavar="COMMAND", action=OnlyNamed)
    )
    commands.named = named

    commands.add_parser("gui", help="open the moderation window (the default)")

    commands.add_parser(
        "init", help="create the database (or upgrade it), so that other commands find it"
    ).set_defaults(handler=run_init)

    importing = commands.add_parser(
        "import",
        help="import scraped articles, WordPress (WXR) or Disqus exports (files, or folders"
        " searched recursively)",
    )
    importing.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add_rules_option(importing)
    importing.add_argument(
        "--no-rules", action="store_true", help="import without checking the new comments"
    )
    importing.add_argument(
        "--as",
        dest="actor",
        type=utf8_text,
        metavar="NAME",
        help="who imports, for the log (default: as for decisions)",
    )
    importing.add_argument(
        "--recover",
        action="store_true",
        help="from a malformed WXR or Disqus file, keep what was read before the fault",
    )
    importing.set_defaults(handler=run_import)

    articles = commands.add_parser("articles", help="list articles with their queue counts")
    articles.add_argument("--limit", type=count, default=50, help="0 for no limit")
    articles.add_argument("--offset", type=count, default=0, help="skip this many first")
    articles.add_argument("--json", action="store_true", help="print one JSON document")
    articles.set_defaults(handler=run_articles)

    queue = commands.add_parser("queue", help="list comments waiting for (or past) a decision")
    queue.add_argument("--article", type=row_id, metavar="ID", help="only this article's comments")
    queue.add_argument(
        "--status",
        choices=[*Status, "all"],
        default=Status.PENDING.value,
        help="which comments (default: pending)",
    )
    queue.add_argument("--flagged", action="store_true", help="only comments a rule flagged")
    queue.add_argument(
        "--order",
        choices=["time", "severity", "likely"],
        default="time",
        help="as posted (time), gravest flags first (severity), or likeliest to be hidden"
        " first by the ranker (likely; by severity until it has learnt)",
    )
    queue.add_argument("--limit", type=count, default=50, help="0 for no limit")
    queue.add_argument("--offset", type=count, default=0, help="skip this many first")
    queue.add_argument("--json", action="store_true", help="print one JSON document")
    queue.set_defaults(handler=run_queue)

    show = commands.add_parser("show", help="print comments in full, with their flags")
    show.add_argument("ids", nargs="+", type=row_id, metavar="ID")
    show.add_argument("--json", action="store_true", help="print one JSON document")
    show.set_defaults(handler=run_show)

    for name, text in (
        ("approve", "publish comments"),
        ("hide", "take comments down (a reason is required)"),
        ("restore", "send decided comments back to pending"),
        ("escalate", "ask an editor to review comments"),
    ):
        decision = commands.add_parser(name, help=text)
        decision.add_argument("ids", nargs="+", type=row_id, metavar="ID")
        if name == "hide":
            decision.add_argument("--reason", required=True, choices=list(ReasonCode))
        if name in {"hide", "escalate"}:
            decision.add_argument("--note", type=utf8_text, help="a few words for the record")
        decision.add_argument(
            "--as",
            dest="actor",
            type=utf8_text,
            metavar="NAME",
            help="who decides (default: $MODERATOR_USER, else your login name)",
        )
        decision.add_argument(
            "--seen",
            action="append",
            type=seen_version,
            default=[],
            metavar="ID=VERSION",
            help="decide only if comment ID is still at VERSION (as `show` printed it); a"
            " comment changed since by someone else is refused, exit 1",
        )
        decision.add_argument("--json", action="store_true", help="print the change as JSON")
        decision.set_defaults(handler=run_decision, decision=name)

    _add_groups(commands, named)
    return parser


def _add_groups(commands: OnlyNamed, named: str | None) -> None:
    # Each group's module is imported here, and only when one of its commands is wanted.
    if named is None or named in RULES_COMMANDS:
        add_rules_commands(commands)
    if named is None or named in LOG_COMMANDS:
        from moderator.cli.log import add_log_commands  # noqa: PLC0415

        add_log_commands(commands)
    if named is None or named in REVIEW_COMMANDS:
        from moderator.cli.review import add_review_commands  # noqa: PLC0415

        add_review_commands(commands)
    if named is None or named in RANK_COMMANDS:
        from moderator.cli.rank import add_rank_commands  # noqa: PLC0415

        add_rank_commands(commands)
    if named is None or named in STATS_COMMANDS:
        from moderator.cli.stats import add_stats_commands  # noqa: PLC0415

        add_stats_commands(commands)


def run_init(database: Database, _args: argparse.Namespace) -> int:
    where = database.kept or database.url
    said = "created" if database.created else "ready"
    print(f"{where}: a Moderator database, {said}")
    return 0


def run_import(database: Database, args: argparse.Namespace) -> int:
    from moderator.imports.importer import ImportAborted, import_paths  # noqa: PLC0415

    rules = None
    if not args.no_rules:
        loaded = load_for_database_command(args)
        if loaded is None:
            return 1
        rules = loaded.rule_set
        # New comments may be hidden by it: the chosen set, or an editor's choice of another.
        authorize_rules(database, rules, explicit=args.rules is not None, actor=args.actor)
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = import_paths(
            database,
            args.paths,
            progress=progress.update if progress else None,
            parallel=True,
            rules=rules,
            actor=args.actor,
            recover=args.recover,
        )
    except ImportAborted as aborted:
        if progress:
            progress.finish()
        _print_import_report(aborted.report)
        _place_new(database, aborted.report)
        print(f"moderator: {aborted}; the files listed above were imported", file=sys.stderr)
        return 1
    if progress:
        progress.finish()
    _print_import_report(report)
    _place_new(database, report)
    if not report.files:
        print(
            "moderator: no files to import (*.txt, *.xml) found in the paths given",
            file=sys.stderr,
        )
        return 1
    return 1 if report.failed else 0


def _place_new(database: Database, report: ImportReport) -> None:
    """New comments take their place in the likely order at once, by the ranker as it stands
    (the window's does the same), rather than after every scored one until `rank learn`."""
    if not report.added:
        return
    from moderator.runs.ranking import place_pending  # noqa: PLC0415

    placed = place_pending(database, unscored_only=True)
    if placed.count:
        print(f"{placed.count:,} new comments placed in the likely order by the ranker")


def _print_import_report(report: ImportReport) -> None:
    for change in report.imported:
        for warning in change.warnings:
            print(warning, file=sys.stderr)
        kind = "new article" if change.created else "known article"
        print(
            f"{change.source}: {kind} #{change.article_id} {change.title!r}: "
            f"{change.added} comments added, {change.already_present} already present"
            + (f", {change.skipped_locked} skipped (locked)" if change.skipped_locked else "")
        )
    for error in report.failed:
        print(f"{error} (nothing imported from this file)", file=sys.stderr)
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    rules = f", {report.flagged} flagged, {report.hidden} hidden by rules" if report.flags else ""
    print(
        f"{len(report.imported)} imported, {len(report.failed)} failed, "
        f"{report.added} comments added{rules}",
        file=sys.stderr,
    )


def run_articles(database: Database, args: argparse.Namespace) -> int:
    from moderator.queries.snapshots import list_articles  # noqa: PLC0415

    # A page at a time, as the queue: counting a million comments for every article listed
    # would take longer than the command is worth.
    rows, next_offset = _page(
        database,
        args,
        lambda session, limit: list_articles(session, limit=limit, offset=args.offset),
    )
    if args.json:
        return _print_json(
            {"articles": [row.as_json() for row in rows], "next_offset": next_offset}
        )
    print_table(
        sys.stdout,
        ("ID", "PENDING", "APPROVED", "HIDDEN", "FLAGGED", "TITLE"),
        [(row.id, row.pending, row.approved, row.hidden, row.flagged, row.title) for row in rows],
    )
    _say_page(args.offset, len(rows), next_offset, none="no articles here")
    return 0


def run_queue(database: Database, args: argparse.Namespace) -> int:
    from moderator.queries.queue import QueueFilter, QueueOrder, list_queue  # noqa: PLC0415

    queue = QueueFilter(
        article_id=args.article,
        status=None if args.status == "all" else Status(args.status),
        flagged=args.flagged,
        order=QueueOrder(args.order),
    )
    rows, next_offset = _page(
        database,
        args,
        lambda session, limit: list_queue(session, queue, limit=limit, offset=args.offset),
    )
    if args.json:
        return _print_json(
            {"comments": [row.as_json() for row in rows], "next_offset": next_offset}
        )
    print_table(
        sys.stdout,
        ("ID", "ARTICLE", "POSTED", "STATUS", "FLAGS", "AUTHOR", "COMMENT"),
        [
            (
                row.id,
                row.article_id,
                row.posted_at.strftime("%Y-%m-%d %H:%M"),
                str(row.status) + (" (escalated)" if row.escalated else ""),
                len(row.flags),
                row.author,
                _excerpt(row.body),
            )
            for row in rows
        ],
    )
    _say_page(args.offset, len(rows), next_offset, none="no comments in this queue")
    return 0


def _page(
    database: Database,
    args: argparse.Namespace,
    read: Callable[[Session, int | None], Sequence[_Row]],
) -> tuple[list[_Row], int | None]:
    """The rows ``--limit`` and ``--offset`` ask for (``read`` is given the session and a
    limit), and where the next page starts (None: this is the last).

    One row past the page tells whether there is more, without counting them all; a limit as
    large as an id can be is no limit (one more would not fit in 64 bits).
    """
    limit = args.limit if 0 < args.limit < LARGEST else None
    with database.session() as session:
        rows = list(read(session, None if limit is None else limit + 1))
    if limit is None or len(rows) <= limit:
        return rows, None
    return rows[:limit], args.offset + limit


def _say_page(offset: int, shown: int, next_offset: int | None, *, none: str) -> None:
    """On stderr, so that what stdout holds is the table alone: where the page ends."""
    if next_offset is not None:
        print(
            f"showing {offset + 1}-{next_offset}; more with --offset {next_offset}", file=sys.stderr
        )
    elif not shown:
        print(none, file=sys.stderr)


def run_show(database: Database, args: argparse.Namespace) -> int:
    from moderator.log.queries import LogFilter, stream_entries  # noqa: PLC0415
    from moderator.queries.queue import list_queue_by_ids  # noqa: PLC0415

    with database.session() as session:
        rows = list_queue_by_ids(session, args.ids)
        # Who did what to each comment, and why: its entries in the moderation log.
        history = {
            row.id: list(stream_entries(session, LogFilter(comment_id=row.id))) for row in rows
        }
    missing = sorted(set(args.ids) - {row.id for row in rows})
    if missing:
        raise NotFoundError("no comment with id " + ", ".join(map(str, missing)))
    if args.json:
        return _print_json(
            {
                "comments": [
                    {**row.as_json(), "history": [_entry_json(e) for e in history[row.id]]}
                    for row in rows
                ]
            }
        )
    for row in rows:
        escalated = ", escalated to an editor" if row.escalated else ""
        print(
            f"#{row.id} by {row.author}, {row.posted_at:%Y-%m-%d %H:%M} UTC — {row.status}"
            f"{escalated}"
        )
        print(f"on article #{row.article_id} {row.article_title!r}, version {row.version}")
        for flag in row.flags:
            print(f"  flag {flag.rule_id} ({flag.severity}): {flag.explanation}")
        for entry in history[row.id]:
            print(f"  {_entry_line(entry)}")
        print()
        print(row.body)
        print()
    return 0


def _entry_line(entry: LogEntry) -> str:
    """One log entry in a line: "entry 12, 2026-11-28 09:30 UTC, ann (moderator): hide
    pending -> hidden, reason spam: 'note'"."""
    change = (
        f" {entry.from_status} -> {entry.to_status}" if entry.from_status != entry.to_status else ""
    )
    reason = f", reason {entry.reason}" if entry.reason else ""
    note = f": {entry.note!r}" if entry.note else ""
    who = entry.actor if entry.role == entry.actor else f"{entry.actor} ({entry.role})"
    return (
        f"entry {entry.seq}, {entry.time:%Y-%m-%d %H:%M} UTC, {who}:"
        f" {entry.action}{change}{reason}{note}"
    )


def _entry_json(entry: LogEntry) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(entry.text)
    return {**loaded, "hash": entry.hash}


def run_decision(database: Database, args: argparse.Namespace) -> int:
    from moderator.services import moderation  # noqa: PLC0415

    actor_name = args.actor or moderation.default_actor_name(
        remembered=settings.remembered_profile_name()
    )
    seen = dict(args.seen)
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, actor_name)
        match args.decision:
            case "approve":
                change = moderation.approve(session, args.ids, actor=actor, seen=seen)
            case "hide":
                change = moderation.hide(
                    session, args.ids, actor=actor, reason=args.reason, note=args.note, seen=seen
                )
            case "restore":
                change = moderation.restore(session, args.ids, actor=actor, seen=seen)
            case _:
                change = moderation.escalate(
                    session, args.ids, actor=actor, note=args.note, seen=seen
                )
    # Printed only after the commit: what is reported is durable.
    if args.json:
        return _print_json(
            {
                "action": str(change.action),
                "actor": change.actor,
                "reason": None if change.reason is None else str(change.reason),
                "note": change.note,
                "comments": [
                    {
                        "id": c.comment_id,
                        "article_id": c.article_id,
                        "entry": c.entry_seq,
                        "from_status": str(c.from_status),
                        "to_status": str(c.to_status),
                        "escalated": c.escalated,
                    }
                    for c in change.comments
                ],
            }
        )
    for c in change.comments:
        step = "escalated" if c.from_status == c.to_status else f"{c.from_status} -> {c.to_status}"
        print(f"comment {c.comment_id}: {step}")
    return 0


def _excerpt(body: str, width: int = EXCERPT) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_json(document: Any, stream: TextIO | None = None) -> int:
    (stream or sys.stdout).write(json_text(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
