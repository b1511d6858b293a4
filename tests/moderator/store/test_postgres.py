"""The same core on PostgreSQL (a throwaway server; skipped, saying why, without one): the
migrations, imports, decisions and roles, the log's chain under two writers, exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from moderator.domain import Role
from moderator.formats.log_export import LogFormat
from moderator.formats.log_file import verify_export
from moderator.imports.importer import import_paths
from moderator.log.export import export_log
from moderator.log.queries import LogFilter
from moderator.log.verify import verify_log
from moderator.resources import DEMO_ARTICLE
from moderator.services import moderation
from moderator.services.review import resolve
from moderator.services.roles import RoleError
from moderator.store.database import Database
from moderator.store.migrations import HEAD
from moderator.store.models import Base, Comment


def comment_ids(database: Database) -> list[int]:
    with database.session() as session:
        return list(session.scalars(select(Comment.id).order_by(Comment.id)))


def test_the_migrations_and_an_import_run_on_postgres(pg_database: Database) -> None:
    with pg_database.session() as session:
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == HEAD
    report = import_paths(pg_database, [DEMO_ARTICLE], actor="ann")
    assert (report.added, report.failed) == (12, [])
    with pg_database.session() as session:
        assert verify_log(session).ok


_PREDICATE = text(
    "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :name"
)


def test_the_partial_indexes_hold_the_rows_the_models_say(pg_database: Database) -> None:
    # PostgreSQL keeps a WHERE in its own spelling: the models' text is made into a scratch
    # index (rolled back) so that both are compared as the server writes them.
    indexes = [i for t in Base.metadata.tables.values() for i in t.indexes if "where" in i.info]
    assert indexes
    with pg_database.engine.connect() as connection:
        for index in indexes:
            made = connection.execute(_PREDICATE, {"name": index.name}).scalar_one()
            columns = ", ".join(c.name for c in index.columns)
            where = index.info["where"]["postgresql"]
            assert index.table is not None
            connection.execute(
                text(f"CREATE INDEX scratch ON {index.table.name} ({columns}) WHERE {where}")
            )
            said = connection.execute(_PREDICATE, {"name": "scratch"}).scalar_one()
            connection.rollback()
            assert made == said, index.name


def test_roles_and_the_log_hold_on_postgres(pg_database: Database, tmp_path: Path) -> None:
    import_paths(pg_database, [DEMO_ARTICLE], actor="mo")
    ids = comment_ids(pg_database)
    with pg_database.transaction() as session:
        mo = moderation.ensure_profile(session, "mo")
        ed = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        moderation.hide(session, [ids[0]], actor=mo, reason="spam")
        moderation.escalate(session, [ids[1]], actor=mo, note="look")
        resolve(session, [ids[1]], actor=ed, outcome="overturn", note="fine")
    with pytest.raises(RoleError), pg_database.transaction() as session:
        moderation.approve(session, [ids[0]], actor=moderation.ensure_profile(session, "mo"))
    with pg_database.session() as session:
        found = verify_log(session)
        assert found.ok, found.summary()
        out = tmp_path / "log.jsonl"
        made = export_log(session, out, log_format=LogFormat.JSONL, log_filter=LogFilter())
    assert verify_export(out).entries == made.entries == found.entries
    # Tampering through SQL is caught here too.
    with pg_database.transaction() as session:
        session.execute(text("UPDATE log_entry SET note = 'rewritten' WHERE seq = 3"))
    with pg_database.session() as session:
        assert "entry 3 was changed" in verify_log(session).summary()
