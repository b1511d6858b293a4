"""The ``moderator rules ...`` commands: check rule-set files, choose the active one, try a text.

Commands that only read files set ``standalone=`` (run without a database); the commands that
read stored comments (``rules run``, ``rules backtest``) set ``handler=`` like the other
commands of ``moderator.cli`` and share :func:`add_rules_option` and :func:`rule_set_for`.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderator import settings
from moderator.cli.arguments import remembered_path, row_id, utf8_text
from moderator.formats.inert import json_text
from moderator.output.terminal import ProgressBar, print_table

if TYPE_CHECKING:
    from moderator.rules.loader import LoadedRuleSet
    from moderator.rules.model import Hit, RuleSet
    from moderator.store.database import Database

Standalone = Callable[[argparse.Namespace], int]
# Characters of context shown on each side of a matched span, and the longest span shown whole.
CONTEXT = 30
LONGEST_SPAN = 60
# Spans shown per hit; a links rule on a link farm would otherwise fill the screen.
MOST_SPANS = 5


def add_rules_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rules`` and its subcommands to the ``moderator`` parser."""
    rules = commands.add_parser("rules", help="check rule sets, choose the active one, try a text")
    sub = rules.add_subparsers(dest="rules_command", metavar="COMMAND", required=True)

    check = sub.add_parser(
        "check", help="validate rule-set files; FILE:LINE: reason for each problem"
    )
    check.add_argument(
        "files", nargs="*", type=Path, metavar="FILE", help="(default: the active rule set)"
    )
    check.set_defaults(standalone=run_check)

    use = sub.add_parser(
        "use", help="check a rule set, then make it the active one (editors; logged)"
    )
    which = use.add_mutually_exclusive_group(required=True)
    which.add_argument("file", nargs="?", type=remembered_path, metavar="FILE")
    which.add_argument("--default", action="store_true", help="go back to the default rule set")
    use.add_argument(
        "--as",
        dest="actor",
        type=utf8_text,
        metavar="NAME",
        help="who chooses (an editor; default: as for decisions)",
    )
    use.set_defaults(standalone=run_use)

    test = sub.add_parser("test", help="the hits and explanations for a text")
    add_rules_option(test)
    test.add_argument(
        "text",
        nargs="?",
        default="-",
        type=utf8_text,
        metavar="TEXT",
        help="the comment; - or none: stdin",
    )
    test.add_argument(
        "--author", default="", type=utf8_text, help="the author's name, for name lists"
    )
    test.add_argument("--json", action="store_true", help="print one JSON document")
    test.set_defaults(standalone=run_test)

    run = sub.add_parser(
        "run", help="check stored comments again and replace their flags (all, or one article)"
    )
    add_rules_option(run)
    run.add_argument("--article", type=row_id, metavar="ID", help="only this article's comments")
    run.add_argument(
        "--as",
        dest="actor",
        type=utf8_text,
        metavar="NAME",
        help="who runs it (a rule set other than the chosen one takes an editor; logged)",
    )
    run.set_defaults(handler=run_rules_command)

    backtest = sub.add_parser(
        "backtest",
        help="try a rule set on the stored comments without changing anything, per rule",
    )
    add_rules_option(backtest)
    backtest.add_argument("--json", action="store_true", help="print one JSON document")
    backtest.set_defaults(handler=run_backtest_command)


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        type=Path,
        metavar="FILE",
        help="use this rule set for this command only (default: the active one)",
    )


def rule_set_for(args: argparse.Namespace) -> LoadedRuleSet:
    """The rule set a command runs: ``--rules FILE``, else the active one."""
    return _load(args.rules if args.rules is not None else settings.active_rule_set_path())


def _load(path: Path) -> LoadedRuleSet:
    # The built-in kinds (and their word lists' code) load only when a rules command runs.
    importlib.import_module("moderator.rules.kinds")
    from moderator.rules.loader import read_rule_set  # noqa: PLC0415

    return read_rule_set(path)


def _reporting(run: Standalone) -> Standalone:
    """Bad rule sets and settings end the command with exit status 1 and their message."""

    @functools.wraps(run)
    def reported(args: argparse.Namespace) -> int:
        from moderator.rules.loader import LoadError  # noqa: PLC0415

        try:
            return run(args)
        except LoadError as error:
            for problem in error.problems:
                _err(str(problem))
            return 1
        except settings.SettingsError as error:
            _err(f"moderator: {error}")
            return 1

    return reported


@_reporting
def run_check(args: argparse.Namespace) -> int:
    from moderator.rules.loader import LoadError  # noqa: PLC0415

    files: list[Path] = args.files or [settings.active_rule_set_path()]
    failed = False
    for path in files:
        try:
            loaded = _load(path)
        except LoadError as error:
            failed = True
            for problem in error.problems:
                _err(str(problem))
            continue
        for warning in loaded.warnings:
            _err(str(warning))
        _out(f"{path}: ok: {_summary(loaded.rule_set)}")
    return 1 if failed else 0


@_reporting
def run_use(args: argparse.Namespace) -> int:
    path: Path = settings.DEFAULT_RULE_SET if args.default else args.file
    loaded = _load(path)
    for warning in loaded.warnings:
        _err(str(warning))
    # Only an editor changes the rule set: the choice is logged before it takes effect.
    from moderator.cli.opening import open_database_for  # noqa: PLC0415
    from moderator.services.moderation import default_actor_name, ensure_profile  # noqa: PLC0415
    from moderator.services.rulesets import choose_rule_set  # noqa: PLC0415

    name = args.actor or default_actor_name(remembered=settings.remembered_profile_name())
    database = open_database_for(args.db, create=True)
    try:
        with database.transaction() as session:
            choose_rule_set(session, loaded.rule_set, actor=ensure_profile(session, name))
    finally:
        database.close()
    active = settings.use_rule_set(None if args.default else path)
    _out(f"now using {active}: {_summary(loaded.rule_set)}")
    return 0


@_reporting
def run_test(args: argparse.Namespace) -> int:
    loaded = rule_set_for(args)
    text = _read_text(args.text)
    from moderator.rules.engine import RuleEngine  # noqa: PLC0415
    from moderator.rules.model import CommentSnapshot  # noqa: PLC0415

    engine = RuleEngine(loaded.rule_set, include_behavioural=False)
    hits = engine.check(CommentSnapshot(body=text, author=args.author))
    rule_set = loaded.rule_set
    if args.json:
        document = {
            "rule_set": {
                "name": rule_set.name,
                "version": rule_set.version,
                "source": rule_set.source,
            },
            "hits": [hit_as_json(hit) for hit in hits],
            "unavailable": dict(engine.unavailable),
            "skipped": list(engine.skipped_behavioural),
        }
        _out(json_text(document, indent=2))
        return 0
    for rule_id, reason in engine.unavailable.items():
        _err(f"moderator: rule {rule_id!r} is unavailable and was skipped: {reason}")
    if engine.skipped_behavioural:
        _err(
            "moderator: behavioural rules need stored comments and were skipped: "
            + ", ".join(engine.skipped_behavioural)
        )
    for hit in hits:
        _out(f"{hit.rule_id} ({hit.severity}, {hit.action}): {hit.explanation}")
        for start, end in hit.spans[:MOST_SPANS]:
            line, marks = in_context(text, start, end)
            _out(f"    {line}\n    {marks}")
        if len(hit.spans) > MOST_SPANS:
            _out(f"    … and {len(hit.spans) - MOST_SPANS} more")
    count = f"{len(hits)} hit{'' if len(hits) == 1 else 's'}" if hits else "no hits"
    _out(f"{count} ({rule_set.name!r}, version {rule_set.version})")
    return 0


def hit_as_json(hit: Hit) -> dict[str, Any]:
    """A hit with stable field names; spans as [start, end) pairs of character offsets."""
    return {
        "rule_id": hit.rule_id,
        "severity": str(hit.severity),
        "action": str(hit.action),
        "explanation": hit.explanation,
        "spans": [list(span) for span in hit.spans],
        "matched": hit.matched,
        "normalized": hit.normalized,
        "term": hit.term,
        "measured": hit.measured,
        "threshold": hit.threshold,
    }


def in_context(text: str, start: int, end: int) -> tuple[str, str]:
    """One line of ``text`` around [start, end) and a line of carets under the span.

    Invisible characters are shown as <U+XXXX>: they are how words get disguised, and a bidi
    control would otherwise reorder the very line meant to explain the hit.
    """
    left, right = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    span = text[start:end]
    if len(span) > LONGEST_SPAN:
        half = LONGEST_SPAN // 2
        span = f"{span[:half]}…{span[-half:]}"
    before = ("…" if left else "") + _visible(text[left:start])
    after = _visible(text[end:right]) + ("…" if right < len(text) else "")
    shown = _visible(span)
    return before + shown + after, " " * _width(before) + "^" * max(1, _width(shown))


def _visible(text: str) -> str:
    out = []
    for char in text:
        if char.isspace():
            out.append(" ")  # a newline or a tab would break the caret line
        elif unicodedata.category(char) in {"Cc", "Cf", "Co", "Cn", "Cs"}:
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)


def _width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _read_text(value: str) -> str:
    if value != "-":
        return value
    if sys.stdin.isatty():
        _err("moderator: reading the comment from standard input (end it with Ctrl+D)")
    # Read as bytes where it can be: the text layer would turn bytes that are not UTF-8 into
    # lone surrogates, which no rule can match and nothing can print.
    from moderator.formats.scraped import decode_text  # noqa: PLC0415

    raw = getattr(sys.stdin, "buffer", None)
    text = sys.stdin.read() if raw is None else decode_text(raw.read(), source="standard input")
    # `echo TEXT |` adds a newline that is not part of the comment.
    return text.removesuffix("\n")


def _summary(rule_set: RuleSet) -> str:
    kinds = Counter(rule.kind for rule in rule_set.rules)
    disabled = sum(not rule.enabled for rule in rule_set.rules)
    return (
        f"{rule_set.name!r}, {len(rule_set.rules)} rules "
        f"({', '.join(f'{kind} {count}' for kind, count in kinds.items())})"
        + (f", {disabled} disabled" if disabled else "")
        + f", version {rule_set.version}"
    )


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def load_for_database_command(args: argparse.Namespace) -> LoadedRuleSet | None:
    """The rule set for a command that also has a database, or None after reporting problems."""
    from moderator.rules.loader import LoadError  # noqa: PLC0415

    try:
        loaded = rule_set_for(args)
    except LoadError as error:
        for problem in error.problems:
            _err(str(problem))
        _err("moderator: the rule set has problems (above); fix it, or choose another")
        return None
    except settings.SettingsError as error:
        _err(f"moderator: {error}")
        return None
    for problem in loaded.warnings:
        _err(str(problem))
    return loaded


def authorize_rules(
    database: Database, rule_set: RuleSet, *, explicit: bool, actor: str | None
) -> None:
    """A run that can hide takes the chosen rule set (anyone), or, named with ``--rules``,
    any other as an editor's act, logged under their name; ``ServiceError`` otherwise."""
    from moderator.services import moderation, rulesets  # noqa: PLC0415

    with database.transaction() as session:
        if not explicit:
            rulesets.check_active(session, rule_set)
            return
        name = actor or moderation.default_actor_name(remembered=settings.remembered_profile_name())
        rulesets.allow_run(session, rule_set, actor=moderation.ensure_profile(session, name))


def run_rules_command(database: Database, args: argparse.Namespace) -> int:
    from moderator.runs.rules import run_rules  # noqa: PLC0415 - needs the database layers

    loaded = load_for_database_command(args)
    if loaded is None:
        return 1
    authorize_rules(database, loaded.rule_set, explicit=args.rules is not None, actor=args.actor)
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    report = run_rules(
        database,
        loaded.rule_set,
        article_id=args.article,
        progress=(lambda done, total: bar.update(done, total, "comments")) if bar else None,
    )
    if bar:
        bar.finish()
    rule_set = loaded.rule_set
    _out(
        f"{report.checked} comments checked with {rule_set.name!r} (version {rule_set.version}):"
        f" {report.flagged} flagged, {report.hits} hits, {report.hidden} hidden by rules"
    )
    return 0


def run_backtest_command(database: Database, args: argparse.Namespace) -> int:
    from moderator.runs.rules import backtest  # noqa: PLC0415 - needs the database layers

    loaded = load_for_database_command(args)
    if loaded is None:
        return 1
    tried = loaded.rule_set
    current = None
    if args.rules is not None:
        active = load_for_database_command(argparse.Namespace(rules=None))
        if active is None:
            return 1
        current = active.rule_set
    report = backtest(database, tried, current=current)
    rows = [
        {
            "rule_id": outcome.rule_id,
            "hits": outcome.hits,
            "hidden_by_people": outcome.hidden,
            "approved_by_people": outcome.approved,
            "precision": outcome.precision,
        }
        for outcome in report.rules.values()
    ]
    if args.json:
        document = {
            "rule_set": {"name": tried.name, "version": tried.version},
            "compared_with": None if current is None else current.version,
            "checked": report.checked,
            "flagged": report.flagged,
            "added": report.added if current is not None else None,
            "dropped": report.dropped if current is not None else None,
            "rules": rows,
        }
        _out(json_text(document, indent=2))
        return 0
    print_table(
        sys.stdout,
        ("RULE", "HITS", "HIDDEN BY PEOPLE", "APPROVED BY PEOPLE", "PRECISION"),
        [
            (
                row["rule_id"],
                row["hits"],
                row["hidden_by_people"],
                row["approved_by_people"],
                "-" if row["precision"] is None else f"{row['precision']:.0%}",
            )
            for row in rows
        ],
    )
    _out(
        f"{report.checked} stored comments, {report.flagged} would be flagged by"
        f" {tried.name!r} (version {tried.version}); nothing was changed"
    )
    if current is not None:
        _out(
            f"against the active set (version {current.version}): {report.added} more flagged,"
            f" {report.dropped} no longer flagged"
        )
    return 0
