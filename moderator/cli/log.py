"""The ``moderator log`` and ``moderator decisions`` commands: verify and export the log.

Kept apart from ``moderator.cli`` (one module per group of commands); ``cli`` adds them with
:func:`add_log_commands`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderator.cli.arguments import day_or_time, row_id, utf8_text
from moderator.formats.inert import json_text
from moderator.formats.log_export import DecisionFormat, LogFormat, side_file
from moderator.output.display import path_text
from moderator.output.files import STDOUT
from moderator.output.terminal import ProgressBar

# The log's reads and exports load when a log command runs, not for every command.
if TYPE_CHECKING:
    from moderator.log.queries import LogFilter
    from moderator.store.database import Database


def add_log_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``log`` (verify, export) and ``decisions`` (export) to the ``moderator`` parser."""
    log = commands.add_parser("log", help="check the moderation log's chain, or export it")
    sub = log.add_subparsers(dest="log_command", metavar="COMMAND", required=True)

    verify = sub.add_parser(
        "verify",
        help="check the log's hash chain (and that no comment changed without an entry),"
        " or an exported file offline",
    )
    verify.add_argument(
        "--file", type=Path, metavar="EXPORT", help="check this JSON Lines or JSON export instead"
    )
    verify.add_argument(
        "--anchor",
        type=Path,
        metavar="HEAD",
        help="a head written earlier by `log head`: the log must still hold that entry"
        " unchanged and go on from it (catches entries cut off the end, and a rewritten chain)",
    )
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.set_defaults(standalone=run_verify)

    head = sub.add_parser(
        "head",
        help="write the log's head (last entry's number, hash and time) to keep elsewhere,"
        " for `log verify --anchor`",
    )
    head.add_argument(
        "--out", type=Path, metavar="FILE", help="write it to this file (default: print it)"
    )
    head.set_defaults(handler=run_head)

    export = sub.add_parser("export", help="write the log (or part of it) to a file")
    export.add_argument("--format", required=True, choices=list(LogFormat), dest="log_format")
    export.add_argument(
        "--out", required=True, metavar="FILE", help="where to write it (- for standard output)"
    )
    export.add_argument("--since", type=day_or_time, metavar="DATE", help="from this day/time")
    export.add_argument(
        "--until", type=day_or_time, metavar="DATE", help="up to this day (inclusive) or time"
    )
    export.add_argument("--actor", type=utf8_text, metavar="NAME", help="only entries by this name")
    export.add_argument(
        "--action", type=utf8_text, metavar="ACTION", help="only this kind (approve, hide, ...)"
    )
    export.add_argument(
        "--reason", type=utf8_text, metavar="CODE", help="only hides with this reason"
    )
    export.add_argument("--article", type=row_id, metavar="ID", help="only this article's entries")
    export.add_argument("--comment", type=row_id, metavar="ID", help="only this comment's entries")
    export.add_argument(
        "--bom", action="store_true", help="start a CSV with a byte-order mark (for Excel)"
    )
    export.set_defaults(handler=run_export)

    decisions = commands.add_parser(
        "decisions", help="each comment's current decision, for the publishing platform"
    )
    decisions_sub = decisions.add_subparsers(
        dest="decisions_command", metavar="COMMAND", required=True
    )
    decided = decisions_sub.add_parser("export", help="write them to a file")
    decided.add_argument(
        "--format", required=True, choices=list(DecisionFormat), dest="decision_format"
    )
    decided.add_argument("--out", required=True, metavar="FILE", help="(- for standard output)")
    decided.add_argument(
        "--since", type=day_or_time, metavar="DATE", help="only comments decided since then"
    )
    decided.add_argument("--bom", action="store_true", help="start a CSV with a byte-order mark")
    decided.set_defaults(handler=run_decisions_export)


def _filter(args: argparse.Namespace) -> LogFilter:
    from moderator.log.queries import LogFilter  # noqa: PLC0415

    return LogFilter(
        since=None if args.since is None else args.since.start,
        until=None if args.until is None else args.until.end,
        actor=args.actor,
        action=args.action,
        reason=args.reason,
        article_id=args.article,
        comment_id=args.comment,
    )


def _progress(total: int, label: str) -> tuple[ProgressBar | None, Any]:
    if not sys.stderr.isatty() or total == 0:
        return None, None
    bar = ProgressBar(sys.stderr)
    return bar, lambda done: bar.update(done, total, label)


def run_export(database: Database, args: argparse.Namespace) -> int:
    from moderator.log.export import export_log  # noqa: PLC0415
    from moderator.log.queries import count_entries  # noqa: PLC0415

    log_filter = _filter(args)
    log_format = LogFormat(args.log_format)
    with database.session() as session:
        total = count_entries(session, log_filter) if sys.stderr.isatty() else 0
        bar, report = _progress(total, "entries")
        made = export_log(
            session,
            args.out,
            log_format=log_format,
            log_filter=log_filter,
            bom=args.bom,
            progress=report,
        )
    if bar is not None:
        bar.finish()
    where = "standard output" if args.out == STDOUT else path_text(args.out)
    extra = ""
    if log_format is LogFormat.CSV and args.out != STDOUT:
        extra = f" (chain summary in {path_text(side_file(Path(args.out)))})"
    whole = "the whole log" if made.complete else "a part of the log"
    print(
        f"{made.entries:,} entries written to {where}{extra}: {whole}, chain head entry"
        f" {made.head_seq:,} ({made.head_hash})",
        file=sys.stderr,
    )
    return 0


def run_decisions_export(database: Database, args: argparse.Namespace) -> int:
    from moderator.log.export import export_decisions  # noqa: PLC0415

    with database.session() as session:
        count = export_decisions(
            session,
            args.out,
            decision_format=DecisionFormat(args.decision_format),
            since=None if args.since is None else args.since.start,
            bom=args.bom,
        )
    where = "standard output" if args.out == STDOUT else path_text(args.out)
    print(f"{count:,} decisions written to {where}", file=sys.stderr)
    return 0


def run_head(database: Database, args: argparse.Namespace) -> int:
    from moderator.log.anchor import AnchorError, current_anchor, write_anchor  # noqa: PLC0415

    try:
        with database.session() as session:
            try:
                anchor = current_anchor(session)
            except (ValueError, TypeError) as error:
                # Raw SQL can store anything as the head entry's time.
                raise AnchorError(
                    f"the time stored with the log's last entry is not usable ({error});"
                    " `moderator log verify` says more"
                ) from None
        if args.out is None:
            print(json_text(anchor.as_object(), indent=2))
            return 0
        write_anchor(anchor, args.out, database=database)
    except AnchorError as error:
        print(f"moderator: {error}", file=sys.stderr)
        return 1
    print(
        f"the log's head, entry {anchor.seq:,} ({anchor.hash}), written to"
        f" {path_text(args.out)}: keep it away from the database, and check against it with"
        " `moderator log verify --anchor`",
        file=sys.stderr,
    )
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from moderator.log.anchor import AnchorError, read_anchor  # noqa: PLC0415

    try:
        anchor = None if args.anchor is None else read_anchor(args.anchor)
    except AnchorError as error:
        print(f"moderator: {error}", file=sys.stderr)
        return 1
    if args.file is not None:
        return _verify_file(args, anchor)
    # Opened here rather than by the caller: with --file no database is needed at all.
    from moderator.cli.opening import open_database_for  # noqa: PLC0415
    from moderator.log.queries import LogFilter, count_entries  # noqa: PLC0415
    from moderator.log.verify import LogCheckError, verify_log  # noqa: PLC0415

    database = open_database_for(args.db)
    try:
        with database.session() as session:
            total = count_entries(session, LogFilter())
            bar, report = _progress(total, "entries")
            found = verify_log(
                session,
                progress=None if report is None else lambda done, _: report(done),
                anchor=anchor,
            )
    except LogCheckError as error:
        print(f"moderator: {error}", file=sys.stderr)
        return 1
    finally:
        database.close()
    if bar is not None:
        bar.finish()
    if args.json:
        print(
            json_text(
                {
                    "ok": found.ok,
                    "entries": found.entries,
                    "head_seq": found.head_seq,
                    "head_hash": found.head_hash,
                    "broken_at": found.broken_at,
                    "problems": list(found.problems),
                    "out_of_step": list(found.out_of_step),
                    "out_of_step_count": found.out_of_step_count,
                    "comments": found.comments,
                    "partly_checked": found.partly_checked,
                    "anchored_at": found.anchored_at,
                },
                indent=2,
            )
        )
    elif found.ok:
        print(f"ok: {found.summary()}")
    else:
        for problem in found.problems:
            print(f"moderator: the log does not hold: {problem}", file=sys.stderr)
    return 0 if found.ok else 1


def _verify_file(args: argparse.Namespace, anchor: Any) -> int:
    from moderator.formats.errors import FormatError  # noqa: PLC0415
    from moderator.formats.log_file import verify_export  # noqa: PLC0415

    try:
        found = verify_export(
            args.file, anchor=None if anchor is None else (anchor.seq, anchor.hash)
        )
    except FormatError as error:
        if args.json:
            print(json_text({"ok": False, "problem": str(error)}, indent=2))
        else:
            print(f"moderator: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json_text(
                {
                    "ok": True,
                    "entries": found.entries,
                    "links": found.links,
                    "complete": found.complete,
                    "head_seq": found.head_seq,
                    "head_hash": found.head_hash,
                },
                indent=2,
            )
        )
        return 0
    if found.complete:
        print(
            f"ok: {found.source}: the whole chain, {found.entries:,} entries up to entry"
            f" {found.head_seq:,}, head {found.head_hash}"
        )
    else:
        print(
            f"ok: {found.source}: {found.entries:,} entries (a filtered export), each hash"
            f" checked, {found.links:,} links between neighbouring entries checked; the log's"
            f" head was entry {found.head_seq:,} ({found.head_hash})"
        )
    return 0
