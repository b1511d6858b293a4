"""The ranker's commands: ``rank status``, ``rank learn``, ``rank train --from FILE.csv``,
``rank explain ID`` and ``rank reset``.

Kept apart from ``moderator.cli``; ``cli`` adds them with :func:`add_rank_commands`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from moderator.cli.arguments import row_id
from moderator.cli.review import acting_name, actor_option
from moderator.formats.inert import json_text
from moderator.output.display import path_text
from moderator.store.database import Database

EDITOR_HELP = "who acts (an editor; default: as for decisions)"


def add_rank_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rank = commands.add_parser(
        "rank", help="the ranker learnt from the desk's decisions: status, learn, train, reset"
    )
    sub = rank.add_subparsers(dest="rank_command", metavar="COMMAND", required=True)

    shown = sub.add_parser("status", help="what the ranker has learnt, and what waits")
    shown.add_argument("--json", action="store_true", help="print one JSON document")
    shown.set_defaults(handler=run_status)

    learn = sub.add_parser(
        "learn", help="learn the decisions made since, then place the pending comments"
    )
    learn.set_defaults(handler=run_learn)

    train = sub.add_parser(
        "train", help="seed the ranker from a labelled CSV (columns text, label: 1 hide, 0 fine)"
    )
    train.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE.csv")
    actor_option(train, EDITOR_HELP)
    train.set_defaults(handler=run_train)

    explain = sub.add_parser("explain", help="a comment's score and what pushed it up")
    explain.add_argument("id", type=row_id, metavar="ID")
    explain.set_defaults(handler=run_explain)

    reset = sub.add_parser("reset", help="start the ranker over (editors; logged)")
    actor_option(reset, EDITOR_HELP)
    reset.set_defaults(handler=run_reset)


def run_status(database: Database, args: argparse.Namespace) -> int:
    from moderator.ranking.model import READY_DECISIONS, READY_EACH  # noqa: PLC0415
    from moderator.services.ranking import status  # noqa: PLC0415

    with database.session() as session:
        found = status(session)
    readiness = found.readiness
    if args.json:
        print(
            json_text(
                {
                    "state": readiness.text,
                    "ready": readiness.ready,
                    "calibrated": readiness.calibrated,
                    "decisions": found.decisions,
                    "hides": readiness.hides,
                    "kept": readiness.kept,
                    "learned_upto": found.learned_upto,
                    "log_head": found.log_head,
                    "revision": found.revision,
                    "stored_bytes": found.stored_bytes,
                    "pending": found.pending,
                    "scored_pending": found.scored_pending,
                },
                indent=2,
            )
        )
        return 0
    if readiness.ready:
        print(f"ranker: {readiness.text}: the likely order follows its scores")
    elif readiness.enough:
        print(
            f"ranker: {readiness.text}: it has learnt enough; its scores are shown once its"
            " batch model is fit on them (`moderator rank learn`, or the window as it learns)"
        )
    else:
        mix = (
            ""
            if readiness.hides is None
            else f"; {readiness.hides:,} hidden, {readiness.kept:,} kept"
        )
        print(
            f"ranker: {readiness.text}{mix}: it scores from {READY_DECISIONS} decisions with"
            f" {READY_EACH} hidden and {READY_EACH} kept among them; until then the likely"
            " order follows the rules' severity"
        )
    if found.trained:
        print(
            f"learnt up to log entry {found.learned_upto:,} of {found.log_head:,};"
            f" saved {found.revision:,} times ({found.stored_bytes / 1e6:.1f} MB)"
        )
    print(f"{found.scored_pending:,} of {found.pending:,} pending comments placed by it")
    return 0


def run_learn(database: Database, _args: argparse.Namespace) -> int:
    from moderator.runs.ranking import learn_all, place_pending, refit_now  # noqa: PLC0415

    learned, forgotten, decisions = learn_all(database)
    refitted = refit_now(database)
    placed = place_pending(database).count
    print(
        f"learnt {learned:,} decisions ({forgotten:,} earlier ones taken back: undone or"
        f" decided again); the ranker now holds {decisions:,}"
        + ("; its batch model refit from them" if refitted else "")
        + f"; {placed:,} pending comments placed"
    )
    return 0


def run_train(database: Database, args: argparse.Namespace) -> int:
    from moderator.runs.ranking import place_pending, refit_now  # noqa: PLC0415
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.services.ranking import (  # noqa: PLC0415
        pretrain,
        read_labelled_csv,
        train_from_pairs,
    )

    pairs = read_labelled_csv(args.source)
    # Taught first while only reading: other desks are not kept waiting for the whole file.
    with database.session() as session:
        pretrained = pretrain(session, pairs)
    with database.transaction() as session:
        count = train_from_pairs(
            session,
            pairs,
            actor=ensure_profile(session, acting_name(args)),
            source=path_text(args.source),
            pretrained=pretrained,
        )
    hidden = sum(hide for _, hide in pairs)
    # Whatever was fit before did not see these: fit again now, due or not.
    refit_now(database, when_due=False)
    placed = place_pending(database).count
    print(
        f"learnt {count:,} labelled comments ({hidden:,} to hide) from {path_text(args.source)};"
        f" {placed:,} pending comments placed"
    )
    return 0


def run_explain(database: Database, args: argparse.Namespace) -> int:
    from moderator.services.ranking import explain, readiness  # noqa: PLC0415

    with database.session() as session:
        found = explain(session, args.id)
        state = readiness(session)
    if found is None:
        print(f"the ranker is {state.text}: no scores until it is ready (`moderator rank status`)")
        return 0
    score, reasons = found
    pushed = ", ".join(f"{reason.text} (+{reason.weight:g})" for reason in reasons)
    print(f"comment {args.id}: {score:.0%} likely to be hidden" + (f"; {pushed}" if pushed else ""))
    return 0


def run_reset(database: Database, args: argparse.Namespace) -> int:
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.services.ranking import reset  # noqa: PLC0415

    with database.transaction() as session:
        reset(session, actor=ensure_profile(session, acting_name(args)))
    print("the ranker starts over: the likely order follows the rules' severity until it learns")
    return 0
