"""The SQLite fast path of bulk inserts stores exactly what SQLAlchemy's own path stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, text

from moderator.domain import Status
from moderator.services.importing import ensure_authors
from moderator.store.bulk import insert_many
from moderator.store.database import Database
from moderator.store.models import Base, Comment


def raw_rows(database: Database) -> list[tuple[object, ...]]:
    with database.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                text(
                    "SELECT position, author_id, posted_at, body, status, escalated, external_id,"
                    " fingerprint, imported_at FROM comment ORDER BY position"
                )
            )
        ]


def test_fast_path_and_core_path_store_the_same_text(sqlite_database: Database) -> None:
    database = sqlite_database  # what it checks is SQLite's own
    table = Base.metadata.tables[Comment.__tablename__]
    stamp = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    with database.transaction() as session:
        session.execute(
            text(
                "INSERT INTO article (id, title, body, source, content_hash, imported_at,"
                " updated_at) VALUES (1, 't', 'b', 's', 'h1', '2024-01-01', '2024-01-01'),"
                " (2, 't', 'b', 's', 'h2', '2024-01-01', '2024-01-01')"
            )
        )
        author = ensure_authors(session, {"ann"}, now=stamp)["ann"]

    def rows(article_id: int) -> list[dict[str, object]]:
        return [
            {
                "article_id": article_id,
                "position": i,
                "author_id": author,
                # Another zone, a whole second and a fraction: each must land as UTC text.
                "posted_at": stamp.astimezone(timezone(timedelta(hours=-5))) + timedelta(seconds=i),
                "body": f"body {i}",
                "status": [Status.PENDING, Status.HIDDEN][i % 2],
                "escalated": bool(i % 2),
                "external_id": None if i else "x-1",
                "fingerprint": f"f{i}",
                "imported_at": stamp,
            }
            for i in range(3)
        ]

    with database.transaction() as session:
        insert_many(session, table, rows(1))
    fast = raw_rows(database)
    with database.transaction() as session:
        session.execute(text("DELETE FROM comment"))
        session.execute(insert(table), rows(1))
    core = raw_rows(database)

    assert fast == core
    assert fast[0][2] == "2024-05-01 12:00:00.123456"


def test_unknown_columns_are_refused(database: Database) -> None:
    table = Base.metadata.tables[Comment.__tablename__]
    with database.transaction() as session, pytest.raises(KeyError, match="no column 'bogus'"):
        insert_many(session, table, [{"bogus": 1}])
