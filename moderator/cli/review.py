"""The editors' commands: ``threads``, ``thread``, ``resolve``, ``lock``/``unlock``, ``profile``,
``note`` and ``team``.

Kept apart from ``moderator.cli``; ``cli`` adds them with :func:`add_review_commands`. Role
errors (a moderator resolving, say) end the command with exit status 1 and their message.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from moderator import settings
from moderator.cli.arguments import row_id, utf8_text
from moderator.domain import Outcome, ReasonCode, Role
from moderator.formats.inert import json_text
from moderator.output.terminal import print_table
from moderator.store.database import Database


def add_review_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    threads = commands.add_parser(
        "threads", help="articles with escalated or flagged comments, most urgent first"
    )
    threads.add_argument("--json", action="store_true", help="print one JSON document")
    threads.set_defaults(handler=run_threads)

    thread = commands.add_parser("thread", help="an article's comments as a reply tree")
    thread.add_argument("article", type=row_id, metavar="ARTICLE")
    thread.add_argument("--json", action="store_true", help="print one JSON document")
    thread.set_defaults(handler=run_thread)

    resolve = commands.add_parser(
        "resolve", help="an editor's decision on escalated comments: uphold, overturn, return"
    )
    resolve.add_argument("ids", nargs="+", type=row_id, metavar="ID")
    resolve.add_argument("--outcome", required=True, choices=list(Outcome))
    resolve.add_argument("--note", type=utf8_text, required=True, help="why (required)")
    resolve.add_argument("--reason", choices=list(ReasonCode), help="to uphold: why it is hidden")
    actor_option(resolve)
    resolve.set_defaults(handler=run_resolve)

    for name, text in (("lock", "lock an article's comments (editors)"), ("unlock", "unlock them")):
        locking = commands.add_parser(name, help=text)
        locking.add_argument("article", type=row_id, metavar="ARTICLE")
        locking.add_argument("--note", type=utf8_text, help="a few words for the record")
        actor_option(locking)
        locking.set_defaults(handler=run_lock, locked=name == "lock")

    profile = commands.add_parser(
        "profile", help="create a profile or change its role (making editors takes an editor)"
    )
    profile.add_argument("name", type=utf8_text, metavar="NAME")
    profile.add_argument("--role", required=True, choices=[str(role) for role in Role])
    actor_option(profile)
    profile.set_defaults(handler=run_profile)

    team = commands.add_parser(
        "team", help="PostgreSQL: each person's own login, the server holding them to their role"
    )
    steps = team.add_subparsers(dest="team_command", required=True, metavar="STEP")
    steps.add_parser(
        "setup", help="as the database's owner: the desk group, its grants and triggers"
    ).set_defaults(handler=run_team_setup)
    member = steps.add_parser("add", help="as the owner: a person's login and profile")
    member.add_argument("name", type=utf8_text, metavar="NAME")
    member.add_argument("--role", required=True, choices=[str(role) for role in Role])
    member.set_defaults(handler=run_team_add)

    note = commands.add_parser("note", help="leave a note on a comment, or on an author")
    target = note.add_mutually_exclusive_group(required=True)
    target.add_argument("--comment", type=row_id, metavar="ID")
    target.add_argument("--author", type=utf8_text, metavar="NAME")
    note.add_argument("text", type=utf8_text, metavar="TEXT")
    actor_option(note)
    note.set_defaults(handler=run_note)


def actor_option(
    parser: argparse.ArgumentParser, help: str = "who acts (default: as for decisions)"
) -> None:
    """``--as NAME``: who a command acts as."""
    parser.add_argument("--as", dest="actor", type=utf8_text, metavar="NAME", help=help)


def acting_name(args: argparse.Namespace) -> str:
    """The name ``--as`` gave, else the desk's (``$MODERATOR_USER``, the chosen, the login)."""
    from moderator.services.moderation import default_actor_name  # noqa: PLC0415

    return str(args.actor or default_actor_name(remembered=settings.remembered_profile_name()))


def run_threads(database: Database, args: argparse.Namespace) -> int:
    from moderator.queries.review import troubled_threads  # noqa: PLC0415

    with database.session() as session:
        found = troubled_threads(session)
    if args.json:
        document = {
            "threads": [
                {
                    "article_id": t.article_id,
                    "title": t.title,
                    "escalated": t.escalated,
                    "flagged": t.flagged,
                    "hits": t.hits,
                    "severity": None if t.severity is None else str(t.severity),
                    "waiting_since": t.waiting_since.isoformat(),
                    "locked": t.locked,
                }
                for t in found
            ]
        }
        print(json_text(document, indent=2))
        return 0
    print_table(
        sys.stdout,
        ["ARTICLE", "WHY", "WAITING SINCE", "TITLE"],
        [
            (
                t.article_id,
                t.why() + (" · locked" if t.locked else ""),
                f"{t.waiting_since:%Y-%m-%d %H:%M}",
                t.title[:60],
            )
            for t in found
        ],
    )
    return 0


def run_thread(database: Database, args: argparse.Namespace) -> int:
    from moderator.output.display import one_line  # noqa: PLC0415
    from moderator.queries.review import thread  # noqa: PLC0415

    with database.session() as session:
        items = thread(session, args.article)
    if not items:
        print(f"moderator: article {args.article} has no comments", file=sys.stderr)
        return 1
    if args.json:
        document: dict[str, Any] = {
            "comments": [
                {**item.comment.as_json(), "depth": item.depth, "parent_id": item.parent_id}
                for item in items
            ]
        }
        print(json_text(document, indent=2))
        return 0
    for item in items:
        row = item.comment
        marks = [str(row.status)]
        if row.escalated:
            marks.append("ESCALATED")
        marks += [f"{flag.rule_id} ({flag.severity})" for flag in row.flags]
        indent = "  " * item.depth
        print(f"{indent}#{row.id} {row.author} [{', '.join(marks)}]: {one_line(row.body, 80)}")
    return 0


def run_resolve(database: Database, args: argparse.Namespace) -> int:
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.services.review import resolve  # noqa: PLC0415

    with database.transaction() as session:
        change = resolve(
            session,
            args.ids,
            actor=ensure_profile(session, acting_name(args)),
            outcome=args.outcome,
            note=args.note,
            reason=args.reason,
        )
    for step in change.comments:
        print(f"comment {step.comment_id}: {args.outcome}, {step.from_status} -> {step.to_status}")
    return 0


def run_lock(database: Database, args: argparse.Namespace) -> int:
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.services.review import set_locked  # noqa: PLC0415

    with database.transaction() as session:
        changed = set_locked(
            session,
            args.article,
            locked=args.locked,
            actor=ensure_profile(session, acting_name(args)),
            note=args.note,
        )
    state = "locked" if args.locked else "unlocked"
    print(f"article {args.article}: {state}" + ("" if changed else " already"))
    return 0


def run_profile(database: Database, args: argparse.Namespace) -> int:
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415

    with database.transaction() as session:
        profile = ensure_profile(
            session, args.name, role=Role(args.role), granted_by=acting_name(args)
        )
        said = f"{profile.name}: {profile.role}"
    print(said)
    return 0


def run_team_setup(database: Database, _args: argparse.Namespace) -> int:
    from moderator.services.team import DESK_ROLE, set_up  # noqa: PLC0415

    with database.engine.begin() as connection:
        set_up(connection)
    print(f"team mode set up: members of {DESK_ROLE} act as their own login, in their role")
    return 0


def run_team_add(database: Database, args: argparse.Namespace) -> int:
    from sqlalchemy import text  # noqa: PLC0415

    from moderator.services.team import add_member  # noqa: PLC0415

    with database.transaction() as session:
        owner = str(session.scalar(text("SELECT session_user")))
        profile = add_member(session, args.name, role=Role(args.role), owner=owner)
        said = f"{profile.name}: {profile.role}, login in the desk group"
    print(said + " (set its password with: ALTER ROLE ... PASSWORD)")
    return 0


def run_note(database: Database, args: argparse.Namespace) -> int:
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.services.notes import note_author, note_comment  # noqa: PLC0415

    with database.transaction() as session:
        actor = ensure_profile(session, acting_name(args))
        if args.comment is not None:
            added = note_comment(session, args.comment, args.text, actor=actor)
        else:
            added = note_author(session, args.author, args.text, actor=actor)
    where = f"comment {added.comment_id}" if added.comment_id else f"author {added.author!r}"
    print(f"note added to {where} (log entry {added.entry_seq})")
    return 0
