"""A run builds only the command it names; what argparse then accepts and says is unchanged."""

from __future__ import annotations

import argparse

import pytest

from moderator.cli import main
from moderator.cli.choosing import named_command
from moderator.cli.main import KNOWN_COMMANDS, build_parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _options(parser: argparse.ArgumentParser) -> list[tuple[str, ...]]:
    """Every option and positional of a parser and of its own subcommands, by name."""
    found = []
    for action in parser._actions:
        found.append((action.dest, *action.option_strings))
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in sorted(action.choices.items()):
                found.extend((name, *option) for option in _options(sub))
    return found


def test_the_table_of_commands_is_the_parsers() -> None:
    assert set(_commands(build_parser())) == KNOWN_COMMANDS


@pytest.mark.parametrize("name", sorted(KNOWN_COMMANDS))
def test_a_command_built_alone_has_all_its_options(name: str) -> None:
    alone = _commands(build_parser(name))
    assert list(alone) == [name]
    assert _options(alone[name]) == _options(_commands(build_parser())[name])


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["queue", "--limit", "5"], "queue"),
        (["--db", "x.sqlite3", "show", "1"], "show"),
        (["--db=x.sqlite3", "log", "verify"], "log"),
        (["--db", "queue", "articles"], "articles"),  # a database that is called "queue"
        ([], None),
        (["--db"], None),
        (["--help"], None),
        (["--version"], None),
        (["--d", "x", "queue"], None),  # an abbreviation: left to the whole parser
        (["quue"], None),
    ],
)
def test_the_command_a_run_names(argv: list[str], named: str | None) -> None:
    assert named_command(argv, KNOWN_COMMANDS) == named


def test_a_mistyped_command_is_named_among_them_all(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["quue"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'quue'" in err
    assert "'queue'" in err
    assert "'threads'" in err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in KNOWN_COMMANDS)


def test_a_commands_own_help_is_whole(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["log", "export", "--help"])
    out = capsys.readouterr().out
    assert "--format" in out
    assert "--bom" in out


def test_a_group_built_for_another_command_adds_nothing() -> None:
    # Every group's adder may run while another command is named: it must add nothing, and
    # reading what it made (a group's subcommands, say) must not fail.
    from moderator.cli import log, rank, review, rules, stats  # noqa: PLC0415
    from moderator.cli.choosing import OnlyNamed  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", action=OnlyNamed)
    assert isinstance(commands, OnlyNamed)
    commands.named = "queue"
    for add in (
        log.add_log_commands,
        rank.add_rank_commands,
        review.add_review_commands,
        rules.add_rules_commands,
        stats.add_stats_commands,
    ):
        add(commands)
    assert _commands(parser) == {}
