"""The command line: one module per command group, ``opening`` shared by them, ``main`` over
all. It may import the core (services, queries, insights, storage, rules, formats), never Qt
or ``ui``."""

from moderator.cli.main import main

__all__ = ["main"]
