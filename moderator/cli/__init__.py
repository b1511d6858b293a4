"""The command line: one module per command group, ``opening`` shared by them, ``main`` over
all. It may import the core (services, queries, insights, store, rules, formats), never Qt or
``ui``; each command loads what it needs when it runs (``choosing``).
"""

from moderator.cli.main import main

__all__ = ["main"]
