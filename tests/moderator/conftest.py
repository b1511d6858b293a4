"""The core's tests run on both databases the product supports: each test that takes
``database`` runs once on SQLite and once on PostgreSQL (skipped, saying why, without a
server; deselect with ``-m 'not postgresql'``)."""

from __future__ import annotations

import pytest

from moderator.store.database import Database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest) -> Database:
    """A new, migrated database: a SQLite file in a temporary folder, or one on the
    PostgreSQL test server. Tests of what only SQLite does take ``sqlite_database``."""
    name = "pg_database" if request.param == "postgresql" else "sqlite_database"
    database: Database = request.getfixturevalue(name)
    return database
