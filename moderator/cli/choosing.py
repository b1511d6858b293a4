"""Building the parser for only the command a run names: the other commands' options are
never made.

``moderator queue`` needs the queue's options, not forty other commands' parsers with their
help texts and the modules that describe them; those cost more than the query. ``--help``, no
command at all and a command that is not plainly one of the known names build every command,
so that argparse lists them and names the mistake as before.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Iterator, Sequence
from typing import Any, cast


class _Unbuilt:
    """Stands in for the parser of a command this run does not name: whatever is added to it,
    options, subcommands or defaults, is dropped, and whatever is read of it is empty."""

    def __getattr__(self, _name: str) -> _Unbuilt:
        return self

    def __call__(self, *_args: Any, **_kwargs: Any) -> _Unbuilt:
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())


_UNBUILT = _Unbuilt()


class OnlyNamed(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The ``moderator`` subcommands action: with ``named`` set, only that command's parser is
    made; the others get a stand-in that keeps nothing."""

    named: str | None = None

    def add_parser(self, name: str, *args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        if self.named is not None and name != self.named:
            return cast(argparse.ArgumentParser, _UNBUILT)
        return cast(argparse.ArgumentParser, super().add_parser(name, *args, **kwargs))


def named_command(argv: Sequence[str], known: Collection[str]) -> str | None:
    """The command ``argv`` names, when it is plainly one of ``known``; None builds them all.

    Only ``--db`` comes before a command; any other option there (``--help``, ``--version``, an
    abbreviation argparse would accept) is left to the whole parser.
    """
    items = iter(argv)
    for item in items:
        if item == "--db":
            next(items, None)
        elif item.startswith("--db="):
            continue
        elif item.startswith("-"):
            return None
        else:
            return item if item in known else None
    return None
