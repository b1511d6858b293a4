"""Moderator's core, Qt-free: the command line over runs, imports, insights, services, the log,
queries and the store, over the rules, the ranker, formats, output and the domain."""

from __future__ import annotations

import gc
from collections.abc import Callable

__version__ = "0.1.0"


def load_command_line() -> Callable[..., int]:
    """The command line's ``main``, loaded for a process that runs it (the console script,
    ``python -m moderator``).

    Loading it (SQLAlchemy and the models) makes some hundred thousand objects that live as
    long as the process. The cyclic collector would walk them again and again while they load,
    a third of a short command's time: it is held off meanwhile, then told they stay.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        from moderator.cli import main  # noqa: PLC0415 - loaded with the collector held off
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return main
