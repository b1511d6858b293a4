"""Opening the database a command names (``--db``), saying on stderr what opening did."""

from __future__ import annotations

import sys

from moderator.store.database import Database, open_database


def open_database_for(value: str | None, *, create: bool = False) -> Database:
    """The database ``--db`` names, made first only if ``create`` (else one must be there)."""
    database = open_database(value, create=create)
    if database.backup is not None:
        print(
            f"moderator: database upgraded; the old one is kept at {database.backup}",
            file=sys.stderr,
        )
    if database.read_only is not None:
        print(f"moderator: opened for reading only: {database.read_only}", file=sys.stderr)
    return database
